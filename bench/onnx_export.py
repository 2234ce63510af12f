"""ONNX export: faithfulness and cost on the real M5 file (generated bars when it is absent).

    .venv/bin/python bench/onnx_export.py [--windows 2000] [--algorithms logistic_regression ...]

Not a test: prints figures for docs/BENCHMARKS.md ("ONNX export"). Per algorithm: a version fitted
the desk's way on the file's first 20,000 defined rows, exported to ONNX; on ``--windows`` random
windows plus every window around a daily break, weekend and DST switch, the largest difference
between the file's probabilities (onnxruntime) and the desk's own (its serving path), the windows
over 1e-5, side mismatches, the onnxruntime time per window (one window per call, one thread)
against the desk's `SignalModel.signal`, and the file size. Prints `/proc/loadavg` before and after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.data import generate_bars, read_bars  # noqa: E402
from engine.learner.candidates import available  # noqa: E402
from tests.onnx_export.exported import SMALL, Exported, export, raw_windows  # noqa: E402

REAL_M5 = ROOT.parent / "shared" / "data" / "XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv"
DST_SWITCHES = ("2025-03-30 01:00", "2025-10-26 01:00")  # EU clocks change at 01:00 UTC


def load() -> tuple[str, pd.DataFrame]:
    if REAL_M5.exists():
        return REAL_M5.name, read_bars(REAL_M5, timeframe="M5", tz="Europe/Athens").frame
    return "generated (real file absent)", generate_bars(start="2026-03-02", n_bars=30_000, seed=3)


def special_ends(bars: pd.DataFrame, n: int) -> np.ndarray:
    """Windows ending around each pause (daily break, weekend) and each DST switch."""
    secs = bars["time"].astype("int64").to_numpy() // 10**9
    opens = np.flatnonzero(np.diff(secs) > 300) + 1
    for switch in DST_SWITCHES:
        opens = np.append(
            opens, np.searchsorted(secs, pd.Timestamp(switch, tz="UTC").value // 10**9)
        )
    ends = (opens[:, None] + np.array([-2, -1, 0, 1, 2, 12])[None, :]).ravel()
    return np.unique(ends[(ends >= n - 1) & (ends < len(bars))])


def timings(e: Exported, ends: np.ndarray) -> tuple[float, float]:
    """Median ms per window: onnxruntime (batch of one) and the desk's `SignalModel.signal`."""
    n = e.onnx.window_bars
    windows = raw_windows(e.bars, ends, n)
    onnx_ms, desk_ms = [], []
    for i, end in enumerate(ends):
        start = time.perf_counter()
        e.session.run(None, {"bars": windows[i : i + 1]})
        onnx_ms.append((time.perf_counter() - start) * 1e3)
        frame = e.bars.iloc[end - n + 1 : end + 1]
        start = time.perf_counter()
        e.signals.signal(frame)
        desk_ms.append((time.perf_counter() - start) * 1e3)
    return statistics.median(onnx_ms), statistics.median(desk_ms)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=2_000)
    parser.add_argument("--algorithms", nargs="*", default=list(SMALL))
    args = parser.parse_args()
    print("loadavg before:", Path("/proc/loadavg").read_text().strip())
    source, bars = load()
    print(f"bars: {source}, {len(bars):,}")
    for algorithm in args.algorithms:
        if not available(algorithm):
            print(f"{algorithm}: skipped (boost extra missing)")
            continue
        e = export(bars, algorithm, fit_rows=20_000)
        n = e.onnx.window_bars
        rng = np.random.default_rng(0)
        random_ends = rng.integers(n - 1, len(e.bars), args.windows)
        for label, ends in (
            ("random", random_ends),
            ("breaks/weekends/DST", special_ends(e.bars, n)),
        ):
            proba, signal, _ = e.run(ends)
            desk = e.desk_proba(ends)
            worst = np.abs(proba - desk).max(axis=1)
            sides = int((signal[:, 0] != e.desk_sides(desk)).sum())
            over = int((worst > 1e-5).sum())
            print(f"{algorithm:24s} {label:20s} windows {len(ends):5d}  largest diff "
                  f"{worst.max():.3g}  over 1e-5: {over}  side mismatches: {sides}")  # fmt: skip
        onnx_ms, desk_ms = timings(e, random_ends[:300])
        print(f"{algorithm:24s} file {len(e.onnx.data) / 1024:,.0f} KiB  onnxruntime "
              f"{onnx_ms:.2f} ms/window (1 thread)  desk signal {desk_ms:.2f} ms")  # fmt: skip
    print("loadavg after:", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main()
