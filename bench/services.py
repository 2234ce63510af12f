"""Services benchmarks: signal latency, trade logging throughput, one evaluate cycle at scale.

    .venv/bin/python bench/services.py [--quick]
Not a test: prints figures for docs/BENCHMARKS.md (targets from issue 4).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.seeding import trade_rows  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def desk_with_bars(n_bars: int, algorithm: str):  # type: ignore[no-untyped-def]
    from tests.learner.conftest import fast_desk

    desk = fast_desk(Path(tempfile.mkdtemp(prefix="aurum-bench-")), n_bars=n_bars, momentum=0.25)
    desk.set_config("learning.algorithms", f'["{algorithm}"]', actor="bench")
    desk.set_config("selection.min_trades", "1", actor="bench")
    desk.learn(actor="bench")
    return desk


def signal_latency(algorithm: str, calls: int) -> tuple[float, float, float]:
    """Wall-clock p50 and p99, and the p50 of this thread's CPU time (what a call costs when
    the machine is not shared: the wall figures grow with the load average)."""
    from engine.controller import Phase3Controller

    desk = desk_with_bars(6000, algorithm)
    phase3 = Phase3Controller(str(desk.paths.root))
    bars = desk.bars("XAUUSD", "M5", last=800)  # the fixed window is 768 bars
    phase3.predict_signal(bars)  # load and cache the model
    times, cpu = [], []
    for _ in range(calls):
        start, start_cpu = time.perf_counter(), time.thread_time()
        phase3.predict_signal(bars)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return statistics.median(times), percentile(times, 0.99), statistics.median(cpu)


def trade_logging(single: int, batch: int) -> tuple[float, float]:
    from engine.services import Desk, init_home

    home = tempfile.mkdtemp(prefix="aurum-bench-")
    init_home(home)
    desk = Desk.open(home)
    rows = trade_rows(single + batch, None)  # type: ignore[arg-type]
    start = time.perf_counter()
    for row in rows[:single]:
        desk.log_trade(row)
    one = single / (time.perf_counter() - start)
    start = time.perf_counter()
    for k in range(single, single + batch, 1000):
        desk.log_trades(rows[k : k + 1000])
    batched = batch / (time.perf_counter() - start)
    return one, batched


def evaluate_cycle_at_scale(versions: int, trades: int) -> float:
    from sklearn.linear_model import LogisticRegression

    import engine.registry.artifacts as artifacts
    from engine.registry import NewVersion
    from engine.scheduler.evaluate import evaluate_cycle

    desk = desk_with_bars(6000, "logistic_regression")
    active = desk.registry.active_version()
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    data = artifacts.serialize(model)
    original, artifacts.serialize = artifacts.serialize, lambda _m: data
    try:
        for k in range(versions - 1):
            desk.registry.register(
                model,
                NewVersion(
                    lineage="XAUUSD-M5-scalper",
                    symbol="XAUUSD",
                    timeframe="M5",
                    algorithm="logistic_regression",
                    metrics={"sharpe": k / versions},
                    metrics_trades=50,
                ),
            )
    finally:
        artifacts.serialize = original
    for k in range(0, trades, 5000):
        desk.log_trades(trade_rows(5000, active.id, offset=k))
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        evaluate_cycle(desk)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    calls = 100 if args.quick else 500
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared with other work)")
    print("signal latency, predict_signal on the latest bar with 500 bars of history, cached model")
    for algorithm in ("logistic_regression", "hist_gradient_boosting", "random_forest"):
        p50, p99, cpu = signal_latency(algorithm, calls)
        print(
            f"  {algorithm:<24} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  CPU p50 {cpu:5.2f} ms  "
            "(target p50 <= 2, p99 <= 10)"
        )
    one, batched = trade_logging(500 if args.quick else 2000, 10_000 if args.quick else 50_000)
    print(
        f"trade logging: {one:,.0f} trades/s one transaction each (target >= 200), "
        f"{batched:,.0f} trades/s in batches of 1,000 (target >= 5,000)"
    )
    versions, trades = (100, 10_000) if args.quick else (1000, 100_000)
    cycle = evaluate_cycle_at_scale(versions, trades)
    print(
        f"evaluate cycle with {versions:,} versions and {trades:,} trades: {cycle:.2f} s "
        "(target <= 2 s)"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
