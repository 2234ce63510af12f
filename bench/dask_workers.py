"""A learning session's wall time in this process vs on a Dask LocalCluster with 1, 2 and 4 worker
processes (one thread each), on the real M5 file; checks that every run picks the same winner
with the same metrics. Not a test: prints figures for docs/BENCHMARKS.md.

    .venv/bin/python bench/dask_workers.py [--file PATH] [--bars 20000] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REAL_M5 = ROOT.parent / "shared" / "data" / "XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv"
RESULTS = ROOT / "bench" / "results" / "dask_workers.json"


def _desk(path: Path, bars: int) -> Any:
    from engine.services import Desk, init_home

    home = tempfile.mkdtemp(prefix="aurum-bench-dask-")
    init_home(home)
    desk = Desk.open(home)
    desk.import_bars(str(path), symbol="XAUUSD", timeframe="M5", tz="Europe/Athens", actor="b")
    desk.set_config("learning.max_train_bars", str(bars), actor="bench")
    return desk


def run(path: Path, bars: int, address: str | None) -> dict[str, Any]:
    desk = _desk(path, bars)
    try:
        if address:
            desk.set_config("learning.dask_scheduler_address", address, actor="bench")
            desk.set_config("learning.executor", "dask", actor="bench")
        start = time.perf_counter()
        outcome = desk.learn(actor="bench")
        wall = time.perf_counter() - start
        session = desk.learning_session(outcome.session_id)
        walk = session.result.get("stage_seconds", {})
        return {
            "wall_seconds": round(wall, 2),
            "walk_forward_seconds": round(
                sum(v for k, v in walk.items() if k.startswith("walk-forward")), 2
            ),
            "winner": session.result.get("winner"),
            "metrics": {k: outcome.metrics.get(k) for k in ("trades", "net_profit", "sharpe")},
        }
    finally:
        desk.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=REAL_M5)
    parser.add_argument("--bars", type=int, default=20_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    if not args.file.exists():
        raise SystemExit(f"{args.file} not found (the shared data folder beside the repository)")
    from distributed import LocalCluster

    load_before = os.getloadavg()
    rows = {"local": run(args.file, args.bars, None)}
    print("local", json.dumps(rows["local"]), flush=True)
    for n in args.workers:
        started = time.perf_counter()
        with LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=40,
        ) as cluster:  # fmt: skip
            startup = time.perf_counter() - started
            rows[f"dask x{n}"] = {
                **run(args.file, args.bars, cluster.scheduler_address),
                "cluster_start_seconds": round(startup, 2),
            }
        print(f"dask x{n}", json.dumps(rows[f"dask x{n}"]), flush=True)
    same = {json.dumps([r["winner"], r["metrics"]], sort_keys=True) for r in rows.values()}
    report = {
        "file": args.file.name,
        "bars": args.bars,
        "cores": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "identical_results": len(same) == 1,
        "runs": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(f"{'run':<10} {'wall s':>8} {'walk-forward s':>15} {'vs local':>9}")
    base = rows["local"]["wall_seconds"]
    for name, r in rows.items():
        print(
            f"{name:<10} {r['wall_seconds']:>8.1f} {r['walk_forward_seconds']:>15.1f} "
            f"{r['wall_seconds'] / base:>8.2f}x"
        )
    print(f"identical winner and metrics in every run: {report['identical_results']}")
    print(f"load average before {report['load_before']}, after {report['load_after']}")


if __name__ == "__main__":
    main()
