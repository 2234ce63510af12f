"""Learning sessions end to end on generated bars: records, registration, honesty checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.learner.dataset import LearningError
from engine.ledger import series_metrics
from engine.services import Desk
from tests.learner.conftest import fast_desk


def test_a_session_registers_its_winner_with_everything_recorded(trained: Any):
    desk, outcome = trained
    assert outcome.status == "succeeded" and outcome.version_id is not None
    info = desk.version(outcome.version_id)
    assert info.session_id == outcome.session_id
    assert info.metrics["trades"] >= 20 and info.metrics_source == "backtest"
    details = info.details
    assert len(details["folds"]) == 3
    assert {c["algorithm"] for c in details["candidates"]} == {
        "logistic_regression",
        "hist_gradient_boosting",
    }
    assert sum(c["winner"] for c in details["candidates"]) == 1
    assert 1 <= len(details["selected_features"]) <= 20
    assert set(details["importances"]) == set(info.features)
    assert details["n_trials"] >= 2
    assert "baseline_expectancy" in info.metrics
    assert info.train_start < info.train_end and len(info.data_hash) == 64


def test_the_first_model_of_a_lineage_is_activated(trained: Any):
    desk, outcome = trained
    assert outcome.activated
    assert desk.registry.active_version().id == outcome.version_id


def test_the_session_record_has_stages_timings_and_progress(trained: Any):
    desk, outcome = trained
    session = desk.learning_session(outcome.session_id)
    assert session.status == "succeeded" and session.percent == 100.0
    assert session.finished_at >= session.started_at
    assert session.library_versions["scikit-learn"]
    assert {"loading bars", "features and labels", "registering the version"} <= set(
        session.result["stage_seconds"]
    )
    fractions = [p for _, p in desk.stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("fold 3/3" in s for s, _ in desk.stages)


def test_the_learner_finds_an_effect_that_exists_and_beats_the_baseline(trained: Any):
    """Bars with AR(1) momentum 0.25: the winner must beat the random baseline after costs."""
    desk, outcome = trained
    m = desk.version(outcome.version_id).metrics
    assert m["expectancy"] > m["baseline_expectancy"]
    assert m["expectancy"] > 0


def test_on_pure_noise_no_candidate_has_a_real_edge_and_nothing_is_served(tmp_path: Path):
    desk = fast_desk(tmp_path / "noise", n_bars=9000, momentum=0.0, seed=3)
    outcome = desk.learn(actor="test")
    session = desk.learning_session(outcome.session_id)
    for cand in session.result["candidates"]:
        m = cand["metrics"]
        if m["trades"] >= 20:
            assert m["psr"] < 0.95  # no confident edge on a random walk
    # the noise-trained first version is registered with its reasons, never activated
    assert outcome.status == "succeeded" and not outcome.activated
    assert desk.registry.active_version() is None
    assert desk.version(outcome.version_id).status == "candidate"
    promotion = session.result["promotion"]
    assert promotion["decision"] == "rejected"
    assert promotion["evidence"]["source"] == "backtest"
    failed = [r for r in promotion["reasons"] if r.endswith(": fail")]
    assert failed and all(("PSR" in r or "expectancy" in r) for r in failed)
    assert "nothing is served" in " ".join(promotion["reasons"])
    assert "rejected" in session.message
    desk.close()


def test_the_seed_learner_returns_a_result_dict(trained: Any):
    from engine.learner.adaptive import AdaptiveLearner

    desk, _ = trained
    result = AdaptiveLearner(desk).evaluate_model_performance()
    assert result["model_id"] == desk.registry.active_version().id
    assert result["enough_trades"] is False  # no live trades yet


def test_signal_for_the_latest_bar_uses_the_trained_features(trained: Any):
    desk, outcome = trained
    bars = desk.bars("XAUUSD", "M5", last=800)
    signal = desk.signal(bars)
    assert signal.version_id == outcome.version_id
    assert signal.side in {"BUY", "SELL", "HOLD"}
    assert signal.bar_time == bars["time"].iloc[-1].to_pydatetime()
    assert 0 <= signal.p_long <= 1 and 0 <= signal.p_short <= 1
    if signal.side == "BUY":
        assert signal.stop_loss < signal.entry_price < signal.take_profit
    with pytest.raises(Exception, match="needs at least"):
        desk.signal(bars.tail(20))


def test_not_enough_bars_fails_clearly_and_leaves_the_registry_alone(tmp_path: Path):
    desk = fast_desk(tmp_path / "few", n_bars=600, momentum=0.0)
    with pytest.raises(LearningError, match="Import more"):
        desk.learn(actor="test")
    session = desk.learning_sessions()[0]
    assert session.status == "failed" and "bars stored" in session.error
    assert desk.registry.list_versions() == []
    desk.close()


def test_a_crash_mid_session_is_recorded_and_registers_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import engine.learner.session as session_module

    desk = fast_desk(tmp_path / "crash", n_bars=6000, momentum=0.0)

    def boom(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("worker died")

    monkeypatch.setattr(session_module, "importance", boom)
    with pytest.raises(RuntimeError):
        desk.learn(actor="test")
    assert desk.learning_sessions()[0].status == "failed"
    assert desk.registry.list_versions() == []
    assert not list(desk.paths.artifacts_dir.rglob("*.skops"))
    desk.close()


def test_labels_never_overlap_their_test_fold(trained: Any):
    from engine.learner.dataset import build_dataset
    from engine.validation import WalkForwardSplit

    desk, _ = trained
    cfg = desk.config()
    data = build_dataset(desk.bars("XAUUSD", "M5"), cfg, timeframe="M5")
    splitter = WalkForwardSplit(3, purge=cfg.learning.purge_bars, label_end=data.label_end)
    for train, test in splitter.split(data.X):
        assert np.all(data.label_end[train] < test[0])


def test_desk_without_bars_says_to_import(desk: Desk):
    with pytest.raises(LearningError, match="aurum import-bars"):
        desk.learn(actor="test")


def test_the_winners_out_of_sample_trades_are_stored_as_backtest_trades(trained: Any):
    """One ledger row per backtest trade: the series gives back the registered metrics, and
    none of it counts as live (live metrics, logged-trade count)."""
    desk, outcome = trained
    info = desk.version(outcome.version_id)
    stored = desk.trades(info.ref, source="backtest")
    assert len(stored) == int(info.metrics["trades"]) >= 20
    assert {t.source for t in stored} == {"backtest"}
    assert {t.version_id for t in stored} == {info.id}
    assert all(t.open_time < t.close_time for t in stored)
    series = desk.backtest_results(info.ref)
    start, end = (pd.Timestamp(t) for t in info.details["oos_window"])
    again = series_metrics(
        series, initial_equity=desk.config().account.initial_balance, window=(start, end)
    )
    for name in ("trades", "net_profit", "win_rate", "profit_factor", "max_drawdown", "sharpe"):
        assert again[name] == pytest.approx(info.metrics[name]), name
    assert desk.trades(info.ref) == []
    assert desk.live_metrics(info.ref)["trades"] == 0
    assert desk.counts()["trades"] == 0


def test_the_session_and_its_version_record_what_they_learnt_from(trained: Any):
    desk, outcome = trained
    info = desk.version(outcome.version_id)
    session = desk.learning_session(outcome.session_id)
    bars = desk.bars("XAUUSD", "M5")  # stored without an origin: imported, as a file would be
    assert session.result["data_origin"] == info.data_origin == "imported"
    assert not info.is_demo
    trained_on = info.trained_on
    assert (trained_on.symbol, trained_on.timeframe) == ("XAUUSD", "M5")
    assert trained_on.first == bars["time"].iloc[0] and trained_on.last == bars["time"].iloc[-1]
