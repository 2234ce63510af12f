"""Crash trials at their full setting: kill -9 at random moments, at least 30 times.

    .venv/bin/python bench/crash.py [--trials 40] [--seed 0]
Each trial kills a process that trains/registers, imports bars, saves the config or activates
(while another logs trades), then runs `aurum doctor --repair`'s checks. Figures go to
docs/RELIABILITY.md; the test suite runs fewer trials (tests/reliability/test_crash.py).
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
    from tests.reliability.crash import run_trials

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aurum-crash-") as tmp:
        summary = run_trials(Path(tmp), args.trials, seed=args.seed)
    for t in summary.trials:
        print(
            f"  {t.op:<9} killed after {t.delay:5.2f} s: consistent={t.consistent} "
            f"repaired={t.repaired or '-'} active_loads={t.active_loads} "
            f"acked={t.acked} lost={t.lost} import={t.import_state}"
            + (f" problems={t.problems}" if t.problems else "")
        )
    print(summary.summary())
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "crash.json").write_text(
        json.dumps([asdict(t) for t in summary.trials], indent=1), encoding="utf-8"
    )
    print("PASS" if not summary.failures else f"FAIL: {len(summary.failures)} trial(s)")
    return 0 if not summary.failures else 1


if __name__ == "__main__":
    sys.exit(main())
