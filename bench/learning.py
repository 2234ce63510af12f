"""Import speed of the real MT5 file and a full default learning session on it (time per stage,
peak memory). Not a test: prints figures for docs/BENCHMARKS.md.

    .venv/bin/python bench/learning.py [--file PATH] [--ensembles]

--ensembles adds learning.ensembles = soft_vote + stacking (top 3) to the session and prints the
research report's PBO over its candidates (daily results) and how long it took.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_M5 = ROOT.parent / "shared" / "data" / "XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv"


def time_import(path: Path, repeats: int = 3) -> list[float]:
    """Seconds to parse, validate and store the file into a fresh database (median of runs)."""
    from engine.services import Desk, init_home

    runs = []
    for _ in range(repeats):
        home = tempfile.mkdtemp(prefix="aurum-bench-")
        init_home(home)
        with Desk.open(home) as desk:
            start = time.perf_counter()
            desk.import_bars(
                str(path), symbol="XAUUSD", timeframe="M5", tz="Europe/Athens", actor="bench"
            )
            runs.append(time.perf_counter() - start)
    return runs


def run_session(path: Path, *, ensembles: bool = False) -> dict[str, object]:
    from engine.research.report import candidates_pbo
    from engine.services import Desk, init_home

    home = tempfile.mkdtemp(prefix="aurum-bench-")
    init_home(home)
    with Desk.open(home) as desk:
        desk.import_bars(
            str(path), symbol="XAUUSD", timeframe="M5", tz="Europe/Athens", actor="bench"
        )
        if ensembles:
            desk.set_config("learning.ensembles", '["soft_vote", "stacking"]', actor="bench")
        start = time.perf_counter()
        outcome = desk.learn(actor="bench")
        wall = time.perf_counter() - start
        session = desk.learning_session(outcome.session_id)
    started = time.perf_counter()
    pbo = candidates_pbo(session.result.get("candidates", []))
    pbo_seconds = time.perf_counter() - started
    return {
        "wall_seconds": round(wall, 1),
        "pbo": None if pbo is None else round(pbo.pbo, 4),
        "pbo_periods": None if pbo is None else pbo.n_periods,
        "pbo_seconds": round(pbo_seconds, 3),
        "outcome": outcome.status,
        "version": outcome.version_ref,
        "stages": session.result.get("stage_seconds", {}),
        "candidates": [
            {
                "algorithm": c.get("label") or c["algorithm"],
                "seconds": c["seconds"],
                **{
                    k: c["metrics"].get(k)
                    for k in (
                        "trades",
                        "win_rate",
                        "profit_factor",
                        "expectancy",
                        "sharpe",
                        "psr",
                        "dsr",
                        "baseline_expectancy",
                        "beats_baseline_share",
                    )
                },
            }
            for c in session.result.get("candidates", [])
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=REAL_M5)
    parser.add_argument("--ensembles", action="store_true", help="add soft_vote + stacking")
    args = parser.parse_args()
    if not args.file.exists():
        print(f"skipped: {args.file} not found (the real data lives in ../shared/data)")
        return 0
    imports = time_import(args.file)
    print(
        f"import {args.file.name}: median {statistics.median(imports):.2f} s "
        f"(runs {', '.join(f'{s:.2f}' for s in imports)}; target <= 2 s)"
    )
    result = run_session(args.file, ensembles=args.ensembles)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["peak_rss_mb"] = round(peak_mb)
    print(
        f"default learning session: {result['wall_seconds']} s (target <= 60 s), "
        f"peak RSS {peak_mb:.0f} MB (target <= 2048 MB), outcome {result['outcome']} "
        f"{result['version']}"
    )
    print(
        f"PBO over the candidates: {result['pbo']} on {result['pbo_periods']} periods "
        f"({result['pbo_seconds']} s)"
    )
    for stage, seconds in result["stages"].items():  # type: ignore[attr-defined]
        if stage:
            print(f"  {stage:<55} {seconds:7.2f} s")
    print(json.dumps(result["candidates"], indent=1))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / ("learning-ensembles.json" if args.ensembles else "learning.json")).write_text(
        json.dumps({"import_seconds": imports, **result}, indent=2, default=str)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
