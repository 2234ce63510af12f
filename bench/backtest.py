"""Backtest on demand over 1,000,000 M5 bars: how long a replay takes, stage by stage.

    .venv/bin/python bench/backtest.py [--bars 1000000] [--algorithms logistic_regression ...]
                                       [--repeats 3] [--home DIR] [--json]

Builds a desk with N generated M5 bars (engine/data/synthetic.py, with the demo's weak momentum
so models trade), trains one version per algorithm with a real learning session on the first
~30,000 bars (3 folds), then times `Desk.backtest` of each version over every stored bar: the
bars read, features and predictions, trade simulation, metrics and storing, end to end and per
stage (from the run's progress reports), with the process's CPU time (both threads) and the
load average before and after (the machine is shared: figures under load are slower).
Target: <= 10 s for 1,000,000 bars on 2 cores. Prints figures; nothing is written elsewhere.
`--home DIR` keeps the desk (bars and versions are reused on the next run).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_ALGORITHMS = ("logistic_regression", "random_forest", "hist_gradient_boosting")
TRAIN_BARS = 30_000


def load() -> str:
    return (
        Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"
    )


def prepare(home: str, n_bars: int, algorithms: list[str]) -> dict[str, str]:
    """The desk with the bars stored and one version per algorithm (reused when present)."""
    from engine.data.store import upsert_bars
    from engine.data.synthetic import generate_bars
    from engine.services import Desk, init_home

    init_home(home)
    with Desk.open(home) as desk:
        stored = {(s.symbol, s.timeframe): s.bars for s in desk.bar_series()}
        if stored.get(("XAUUSD", "M5"), 0) < n_bars:
            started = time.perf_counter()
            bars = generate_bars(
                start="2010-01-04", n_bars=n_bars, timeframe="M5", seed=7, momentum=0.25
            )
            with desk.db.session(write=True) as s:
                upsert_bars(s, bars, symbol="XAUUSD", timeframe="M5")
            print(f"stored {n_bars:,} bars in {time.perf_counter() - started:.0f} s", flush=True)
        until = _bar_time(desk, TRAIN_BARS)
        have = {v.algorithm: v.ref for v in desk.registry.list_versions()}
        for algorithm in algorithms:
            if algorithm in have:
                continue
            outcome = desk.learn(
                actor="bench",
                until=until,
                learning_overrides={
                    "algorithms": [algorithm],
                    "n_folds": 3,
                    "max_train_bars": TRAIN_BARS,
                    "min_train_bars": 2000,
                },
            )
            if outcome.version_ref is None:
                raise SystemExit(f"{algorithm}: the session registered nothing ({outcome.message})")
            have[algorithm] = outcome.version_ref
        return {a: have[a] for a in algorithms}


def _bar_time(desk: Any, position: int) -> Any:
    """Open time of the stored bar at `position` (0 = the first)."""
    from sqlalchemy import select

    from engine.db.schema import Bar

    with desk.db.session() as s:
        query = select(Bar.ts).where(Bar.symbol == "XAUUSD", Bar.timeframe == "M5")
        return s.scalar(query.order_by(Bar.ts).offset(position).limit(1))


def replay_once(home: str, ref: str) -> dict[str, Any]:
    """One timed `Desk.backtest` over every stored bar, with its stage times (wall, CPU)."""
    from engine.backtest.replay import backtest_request
    from engine.services import Desk

    marks: list[tuple[str, float, float]] = []

    def progress(message: str, _fraction: float) -> None:
        if message.startswith("predicting: 0 of"):
            marks.append(("predicting", time.perf_counter(), time.process_time()))
        elif not message.startswith("predicting"):
            marks.append((message, time.perf_counter(), time.process_time()))

    with Desk.open(home) as desk:
        first = desk.bar_series()[0].first
        before, cpu, started = load(), time.process_time(), time.perf_counter()
        run = desk.backtest(backtest_request(ref, start=first), actor="bench", progress=progress)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    stages = {
        _stage(name): (round(marks[i + 1][1] - at, 3), round(marks[i + 1][2] - cpu_at, 3))
        for i, (name, at, cpu_at) in enumerate(marks[:-1])
    }
    return {
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "bars": run.bars,
        "trades": run.trades,
        "stages": stages,
        "load_before": before,
        "load_after": load(),
    }


def _stage(message: str) -> str:
    for key, name in (
        ("loading the model", "model file"),
        ("loading", "read bars"),
        ("features", "features"),
        ("predicting", "predictions"),
        ("trades", "trades + metrics"),
        ("storing", "storing"),
    ):
        if message.startswith(key):
            return name
    return message


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--algorithms", nargs="+", default=list(DEFAULT_ALGORITHMS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--home", help="keep the desk here (reused next time)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    home = args.home or tempfile.mkdtemp(prefix="aurum-bench-backtest-")
    try:
        versions = prepare(home, args.bars, args.algorithms)
        results = {}
        for algorithm, ref in versions.items():
            runs = [replay_once(home, ref) for _ in range(args.repeats)]
            best = sorted(runs, key=lambda r: r["wall_seconds"])[len(runs) // 2]
            results[algorithm] = {"version": ref, "median": best, "runs": runs}
            walls = ", ".join(f"{r['wall_seconds']:.2f}" for r in runs)
            print(
                f"{algorithm:<24} {best['bars']:,} bars, {best['trades']:,} trades: median "
                f"{best['wall_seconds']:.2f} s wall, {best['cpu_seconds']:.2f} s CPU "
                f"(runs {walls}; load {best['load_before']} → {best['load_after']})",
                flush=True,
            )
            for stage, (seconds, cpu_seconds) in best["stages"].items():
                print(f"    {stage:<18} {seconds:6.2f} s wall {cpu_seconds:6.2f} s CPU")
        if args.json:
            print(json.dumps(results, indent=2))
    finally:
        if not args.home:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
