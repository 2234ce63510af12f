"""The soak at its full setting: real processes for 60 s on the SQLite default.

    .venv/bin/python bench/soak.py [--seconds 60]
Prints the load held and whether anything was lost; figures go to docs/RELIABILITY.md.
The test suite runs the same harness for a shorter time (tests/reliability/test_soak.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from tests.reliability.soak import run_soak

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aurum-soak-") as tmp:
        result = run_soak(Path(tmp) / "desk", args.seconds)
    print(result.summary())
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "soak.json").write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
    ok = (
        not result.crashed
        and result.trades_in_ledger == result.trades_acked
        and result.checksum_acked == result.checksum_ledger
        and result.locked_errors == 0
        and not result.violations
        and result.stuck_running == 0
    )
    print("PASS" if ok else f"FAIL: {result.errors} {result.crashed}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
