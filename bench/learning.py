"""Import speed of the real MT5 file and a full default learning session on it (time per stage,
peak memory). Not a test: prints figures for docs/BENCHMARKS.md.

    .venv/bin/python bench/learning.py [--file PATH] [--ensembles] [--with-hog [--repeats N]]

--ensembles adds learning.ensembles = soft_vote + stacking (top 3) to the session and prints the
research report's PBO over its candidates (daily results) and how long it took.

--with-hog (issue 19.2, training on a busy machine): the same default session on a quiet machine,
then with one competing busy process (a Python loop spinning on one core, as MetaTrader or
another job would), alternating, N times each. Prints each session's wall and CPU time (the
process's user + system time, every thread of it) and the medians' ratios against the targets:
CPU with the hog <= 1.3x quiet CPU (no OpenMP or BLAS threads spinning against each other),
wall <= 2.2x quiet wall. Start it on an otherwise idle machine: the load averages are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
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
        from engine.learner.feature_selection import selection_memo

        selection_memo().clear()  # every session votes afresh, as in a new process
        start, cpu_start = time.perf_counter(), time.process_time()
        outcome = desk.learn(actor="bench")
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        session = desk.learning_session(outcome.session_id)
    started = time.perf_counter()
    pbo = candidates_pbo(session.result.get("candidates", []))
    pbo_seconds = time.perf_counter() - started
    return {
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
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


HOG = "while True: pass"


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def with_hog(path: Path, repeats: int) -> int:
    """Quiet and hogged sessions, alternating; medians and their ratios against the targets."""
    runs: dict[str, list[dict[str, object]]] = {"quiet": [], "hog": []}
    for k in range(repeats):
        for kind in ("quiet", "hog"):
            hog = subprocess.Popen([sys.executable, "-c", HOG]) if kind == "hog" else None
            try:
                before = _load()
                result = run_session(path)
            finally:
                if hog is not None:
                    hog.kill()
                    hog.wait()
            runs[kind].append(result)
            print(
                f"run {k + 1} {kind:<5}: {result['wall_seconds']} s wall, "
                f"{result['cpu_seconds']} s CPU, {result['outcome']}; "
                f"load before {before}, after {_load()}",
                flush=True,
            )
            time.sleep(5)  # let the hog's core settle before the next run
    median = {
        kind: {
            key: statistics.median(float(r[key]) for r in rs)  # type: ignore[arg-type]
            for key in ("wall_seconds", "cpu_seconds")
        }
        for kind, rs in runs.items()
    }
    cpu_ratio = median["hog"]["cpu_seconds"] / median["quiet"]["cpu_seconds"]
    wall_ratio = median["hog"]["wall_seconds"] / median["quiet"]["wall_seconds"]
    print(
        f"medians: quiet {median['quiet']['wall_seconds']:.1f} s wall / "
        f"{median['quiet']['cpu_seconds']:.1f} s CPU; with one busy process "
        f"{median['hog']['wall_seconds']:.1f} s wall / {median['hog']['cpu_seconds']:.1f} s CPU"
    )
    print(
        f"CPU with the hog {cpu_ratio:.2f}x quiet (target <= 1.3x: "
        f"{'pass' if cpu_ratio <= 1.3 else 'MISSED'}); wall {wall_ratio:.2f}x "
        f"(target <= 2.2x: {'pass' if wall_ratio <= 2.2 else 'MISSED'})"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "learning-hog.json").write_text(
        json.dumps({"runs": runs, "medians": median}, indent=2, default=str)
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=REAL_M5)
    parser.add_argument("--ensembles", action="store_true", help="add soft_vote + stacking")
    parser.add_argument("--with-hog", action="store_true", help="quiet vs one busy process")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each (--with-hog)")
    args = parser.parse_args()
    if not args.file.exists():
        print(f"skipped: {args.file} not found (the real data lives in ../shared/data)")
        return 0
    if args.with_hog:
        return with_hog(args.file, args.repeats)
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
