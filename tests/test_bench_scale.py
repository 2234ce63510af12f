"""Smoke test of the large-desk generator and the scale benchmark (bench/), at tiny sizes.

On the PostgreSQL run (tests/conftest.py sets AURUM_DATABASE_URL) both write to that database:
the benchmark empties and refills it for each size.
"""

from __future__ import annotations

import math
from pathlib import Path

from bench.generate_desk import DeskSize, counts, generate, split, symbol_names
from bench.scale import run, series
from engine.services import Desk


def test_generated_desk_holds_exactly_what_was_asked(tmp_path: Path) -> None:
    size = DeskSize(symbols=3, versions=31, trades=1_001, bars=9_001)  # uneven splits
    done = generate(tmp_path / "home", size, seed=3)

    per_series = dict(zip(symbol_names(3), split(9_001, 3), strict=True))
    assert done.counts == {
        "lineages": 3,
        "versions": 31,
        "sessions": 31,
        "activations": 3,  # a tenth of each lineage's 11/10/10 versions, at least one
        "active": 3,
        "trades": 1_001,
        "bars": 9_001,
        **{f"bars:{symbol}:M5": n for symbol, n in per_series.items()},
    }
    assert done.total_seconds > 0
    with Desk.open(str(tmp_path / "home")) as desk:
        assert counts(desk) == done.counts
        assert desk.counts() == {"versions": 31, "trades": 1_001}
        board = desk.leaderboard()
        assert len(board) == 31
        assert {v.lineage for v in board} == {f"{s}-M5-scalper" for s in per_series}
        active = desk.registry.active_version("XAUUSD-M5-scalper")
        assert active is not None and active.version == 11
        assert active.metrics_source == "backtest"
        model, _ = desk.registry.load_model(active.id)  # the real, verified skops file
        signal = desk.signal(desk.bars("XAUUSD", "M5", last=600), lineage="XAUUSD-M5-scalper")
        assert signal.version_id == active.id and signal.side in ("BUY", "SELL", "HOLD")
        assert model.predict_proba is not None
        record = desk.activate("XAGUSD-M5-scalper:v3", actor="test", reason="smoke")
        assert record.to_ref == "XAGUSD-M5-scalper:v3"
        live = desk.live_results(active.id)
        assert len(live) == split(1_001, 3)[0]  # one activated version per lineage here


def test_scale_measures_every_size(tmp_path: Path) -> None:
    sizes = [(10, 200, 4_000), (100, 2_000, 40_000)]
    report = run(
        sizes,
        symbols=1,
        repeats=1,
        homes=tmp_path,
        pages=("overview", "leaderboard", "data"),
        single=20,
        batched=1_000,
        say=lambda _m: None,
    )

    assert [(s["versions"], s["trades"], s["bars"]) for s in report["sizes"]] == sizes
    for entry, (versions, trades, bars) in zip(report["sizes"], sizes, strict=True):
        assert (entry["counts"]["versions"], entry["counts"]["trades"]) == (versions, trades)
        assert entry["counts"]["bars"] == bars
        assert entry["leaderboard_rows"] == versions
    for lines in series(report).values():
        for name, values in lines.items():
            assert len(values) == len(sizes), name
            assert all(math.isfinite(v) and v > 0 for v in values), (name, values)
    with Desk.open(str(tmp_path / "desk-1s-100v-2000t-40000b")) as desk:
        assert desk.counts()["trades"] == 2_000  # the timed trade logging left nothing behind
