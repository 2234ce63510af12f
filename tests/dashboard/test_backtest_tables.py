"""Backtest run tables and the in-sample band: plain values in, frames and figures out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import plotly.graph_objects as go

from dashboard.backtest_tables import costs_words, run_label, runs_frame, sample_words
from dashboard.charts import in_sample_band
from engine.backtest.runs import BacktestRunInfo

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def _run(**values: object) -> BacktestRunInfo:
    base = BacktestRunInfo(
        id=4, version_id=1, version_ref="XAUUSD-M5-scalper:v1", symbol="XAUUSD", timeframe="M5",
        window_start=T0, window_end=None, first_bar=T0, last_bar=datetime(2026, 3, 6, tzinfo=UTC),
        bars=1000, in_sample=True, in_sample_bars=250, in_sample_percent=25.0,
        train_start=datetime(2026, 2, 2, tzinfo=UTC), train_end=datetime(2026, 3, 3, tzinfo=UTC),
        overrides={"spread_points": 40.0, "commission_per_lot": 9.0}, costs={},
        requested_by="olga", status="succeeded", stage="", percent=100.0, message="", error="",
        metrics={"net_profit": 12.5, "win_rate": 0.5, "sharpe": None, "max_drawdown_pct": 1.5},
        trades=8, created_at=T0, started_at=T0, finished_at=T0, warning="IN-SAMPLE: ...",
    )  # fmt: skip
    return replace(base, **values)  # type: ignore[arg-type]


def test_runs_frame_shows_status_metrics_sample_and_costs():
    running = _run(id=5, status="running", percent=42.0, trades=0, metrics={}, in_sample=False)
    frame = runs_frame([running, _run()])
    assert list(frame["run"]) == [5, 4]
    assert list(frame["status"]) == ["running 42 %", "succeeded"]
    assert frame["trades"].isna().tolist() == [True, False] and frame["trades"].iloc[1] == 8
    assert frame["net USD"].iloc[1] == 12.5 and frame["win %"].iloc[1] == 50.0
    assert frame["Sharpe"].isna().iloc[1]
    assert list(frame["sample"]) == ["out of sample", "IN-SAMPLE 25.0 %"]
    assert frame["costs"].iloc[1] == "spread 40, commission/lot 9"
    assert frame["from (UTC)"].iloc[1] == "2026-03-02 00:00"


def test_words_for_a_run():
    assert sample_words(_run(bars=0)) == "—"
    assert costs_words({}) == "desk costs"
    assert run_label(_run()) == "#4 2026-03-02→2026-03-06 · succeeded IN-SAMPLE"


def test_the_in_sample_band_covers_only_the_shown_part_of_the_training_window():
    run = _run()
    fig = in_sample_band(
        go.Figure(), (run.train_start, run.train_end), (run.first_bar, run.last_bar)
    )
    [shape] = fig.layout.shapes
    assert (shape.x0, shape.x1) == (run.first_bar, run.train_end)
    later = (datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC))
    assert not in_sample_band(go.Figure(), (run.train_start, run.train_end), later).layout.shapes
