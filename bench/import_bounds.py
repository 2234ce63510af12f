"""The importer on hostile input: a bar file whose second line is one huge field.

    .venv/bin/python bench/import_bounds.py [--mb 100]

Writes an MT5 header and one line of `--mb` MB of digits to a temporary file, then imports it
in a fresh process (`read_bars`, as `aurum import-bars` does) and prints how long the refusal
took, the child's peak resident memory, the length of the error message and the load average.
Target (issue 16.5): a 100 MB single-line field refused in < 2 s with < 300 MB peak.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = b"<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\r\n"
CHILD = """
import sys, time
t0 = time.perf_counter()
from engine.data import DataError, read_bars
t1 = time.perf_counter()
try:
    read_bars(sys.argv[1], timeframe="M5", tz="Europe/Athens")
    print("ACCEPTED")
except DataError as err:
    t2 = time.perf_counter()
    print(f"{t2 - t1:.3f} {t1 - t0:.3f} {len(str(err))}")
    print(str(err)[:300], file=sys.stderr)
"""


def write_file(path: Path, megabytes: int) -> None:
    chunk = b"9" * (1 << 20)
    with path.open("wb") as out:
        out.write(HEADER)
        out.write(b"2025.01.02\t01:00:00\t")
        for _ in range(megabytes):
            out.write(chunk)
        out.write(b"\t1\t1\t1\t1\t0\t20\r\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the huge field, in MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aurum-bounds-") as tmp:
        path = Path(tmp) / "huge_field.tsv"
        write_file(path, args.mb)
        size = path.stat().st_size
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    if done.stdout.startswith("ACCEPTED"):
        print("the file was accepted: the bound does not hold")
        return 1
    refused_s, import_s, message_chars = done.stdout.split()
    print(f"file: {size / 1e6:,.1f} MB, one field of {args.mb} MiB on line 2")
    print(f"refused in {float(refused_s):.3f} s (after {float(import_s):.2f} s of imports)")
    print(f"peak RSS of the importing process: {peak_kib / 1024:.0f} MiB")
    print(f"error message: {message_chars} characters: {done.stderr.strip()[:200]}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
