"""`make run` as a new user meets it: a fresh clone of this repository, then `make run`, timed
from the start to the dashboard's first healthy `/_stcore/health`. pip's cache is whatever the
machine has (warm after any earlier install). Prints the time, the phases seen in make's output
(with the seconds each began) and the load average before and after; the dashboard is stopped at
the end and the clone deleted.

    python bench/first_run.py [--commit HEAD] [--keep]

The dashboard listens on `make run`'s port, 8501, which must be free.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8501  # `make run`'s dashboard


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    if healthy(PORT):
        sys.exit(f"something already answers on port {PORT}: stop it first")
    work = Path(tempfile.mkdtemp(prefix="aurum-first-run-"))
    clone = work / "aurum"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", args.commit], check=True)
    commit = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "--short", "HEAD"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AURUM_", "VIRTUAL_ENV"))}
    load_before = os.getloadavg()
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["make", "run"], cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    phases: list[tuple[float, str]] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            phases.append((time.perf_counter() - started, line.rstrip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    took = None
    try:
        while time.perf_counter() - started < args.timeout:
            if proc.poll() is not None:
                break
            if healthy(PORT):
                took = time.perf_counter() - started
                break
            time.sleep(0.1)
    finally:
        load_after = os.getloadavg()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        reader.join(timeout=5)
    for at, line in phases:
        if line.startswith((".venv/bin/", "python3 -m venv", "installing")):
            print(f"  {at:6.1f} s  {line[:110]}")
    print(f"commit {commit}; load before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    if took is None:
        print("the dashboard never answered healthy; make's last lines:")
        for _, line in phases[-15:]:
            print("  " + line)
        return 1
    print(f"make run on a fresh clone to a healthy dashboard: {took:.1f} s")
    if args.keep:
        print(f"clone kept at {clone}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
