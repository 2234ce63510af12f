"""Feature-building benchmark: bars/s of ``build_features`` on synthetic M1 bars, memory peak.

Run ``python bench/features.py [--quick] [--bars N] [--timeframe M1] [--repeats 3] [--json]``.
Throughput is the median of the repeats on the default FeatureSpec (all groups, H1 context);
the per-group breakdown shows what dominates. Results go to stdout only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
import talib

from engine.data import generate_bars
from engine.features import GROUPS, FeatureSpec, build_features, feature_names
from engine.features._bars import BarArrays
from engine.features.build import _group_columns

MB = 1024 * 1024


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _group_breakdown(
    bars: pd.DataFrame, spec: FeatureSpec, timeframe: str, repeats: int
) -> dict[str, float]:
    """Median seconds per stage: column extraction and each group's computation."""
    out = {"extract": _median_seconds(lambda: BarArrays.from_frame(bars), repeats)}
    for group in GROUPS:

        def run(g: str = group) -> object:
            return _group_columns(BarArrays.from_frame(bars), spec, g, timeframe, legacy=False)

        out[group] = max(_median_seconds(run, repeats) - out["extract"], 0.0)
    return out


def _memory_peak(bars: pd.DataFrame, spec: FeatureSpec, timeframe: str) -> dict[str, float]:
    """Peak traced allocation during one build, the result's size and the process max RSS."""
    tracemalloc.start()
    features = build_features(bars, spec, timeframe=timeframe)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "traced_peak_mb": peak / MB,
        "output_mb": features.memory_usage(index=False).sum() / MB,
        "input_mb": bars.memory_usage(index=False, deep=True).sum() / MB,
        "max_rss_mb": rss_kb / 1024,
    }


def measure(n_bars: int, timeframe: str, repeats: int) -> dict[str, Any]:
    """Run the benchmark and return its figures."""
    spec = FeatureSpec()
    bars = generate_bars(start="2024-01-01", n_bars=n_bars, timeframe=timeframe, seed=1)
    build_features(bars.iloc[:5_000], spec, timeframe=timeframe)  # warm caches and imports
    seconds = _median_seconds(lambda: build_features(bars, spec, timeframe=timeframe), repeats)
    breakdown = _group_breakdown(bars, spec, timeframe, repeats)
    breakdown["assemble"] = max(seconds - sum(breakdown.values()), 0.0)  # copy into one block
    return {
        "bars": n_bars,
        "timeframe": timeframe,
        "features": len(feature_names(spec, timeframe)),
        "repeats": repeats,
        "median_seconds": seconds,
        "bars_per_second": n_bars / seconds,
        "breakdown_seconds": breakdown,
        "memory": _memory_peak(bars, spec, timeframe),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "talib": talib.__version__,
            "load_average": os.getloadavg(),
        },
    }


def report(result: dict[str, Any]) -> str:
    """Human-readable summary."""
    mem = result["memory"]
    lines = [
        f"build_features: {result['bars']:,} {result['timeframe']} bars, "
        f"{result['features']} features, median of {result['repeats']}",
        f"  {result['median_seconds'] * 1000:,.0f} ms  ->  {result['bars_per_second']:,.0f} bars/s "
        "(single thread)",
        f"  memory: traced peak {mem['traced_peak_mb']:,.0f} MB during the build "
        f"(output {mem['output_mb']:,.0f} MB, input {mem['input_mb']:,.0f} MB), "
        f"process max RSS {mem['max_rss_mb']:,.0f} MB",
        "  breakdown (ms):",
    ]
    parts = sorted(result["breakdown_seconds"].items(), key=lambda kv: -kv[1])
    lines += [f"    {name:<12}{sec * 1000:8.1f}" for name, sec in parts]
    m = result["machine"]
    lines.append(
        f"  machine: {m['cpus']} cpus, load {m['load_average'][0]:.2f}, "
        f"python {m['python']}, numpy {m['numpy']}, pandas {m['pandas']}, "
        f"TA-Lib {m['talib']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 bars instead of 1,000,000")
    parser.add_argument("--bars", type=int, default=None, help="number of bars")
    parser.add_argument("--timeframe", default="M1", help="bar timeframe (default M1)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs (median reported)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    n_bars = args.bars or (100_000 if args.quick else 1_000_000)
    result = measure(n_bars, args.timeframe, max(1, args.repeats))
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
