"""The deflated Sharpe counts every trial ever evaluated on a lineage: each session's
candidates, search trials and ensembles, earlier sessions' included, stored with each DSR."""

from __future__ import annotations

from pathlib import Path

from engine.registry import NewVersion
from tests.learner.conftest import fast_desk


def test_trial_counts_add_up_across_three_sessions(tmp_path: Path, small_model: object) -> None:
    desk = fast_desk(tmp_path / "trials", n_bars=6000, momentum=0.25)
    desk.set_config("learning.algorithms", '["logistic_regression"]', actor="test")
    runs = [
        {},  # one trial
        {"search": "random", "search_trials": 2},  # two searched trials
        # two algorithms and a soft vote: the ensemble counts even when skipped
        {
            "algorithms": ["logistic_regression", "hist_gradient_boosting"],
            "ensembles": ["soft_vote"],
        },
    ]
    outcomes = [desk.learn(actor="test", learning_overrides=run) for run in runs]
    sessions = [desk.learning_session(o.session_id) for o in outcomes]
    assert [s.result["session_trials"] for s in sessions] == [1, 2, 3]
    assert [s.result["n_trials"] for s in sessions] == [1, 3, 6]
    for session, outcome in zip(sessions, outcomes, strict=True):
        for cand in session.result["candidates"]:
            assert cand["metrics"]["dsr_trials"] == session.result["n_trials"]
        if outcome.version_id is not None:
            version = desk.version(outcome.version_id)
            assert version.metrics["dsr_trials"] == session.result["n_trials"]
    assert desk.trial_count("XAUUSD-M5-scalper") == 6
    assert desk.trial_count("XAUUSD-H1-scalper") == 0
    # a model registered outside a session is one more trial of its lineage
    desk.registry.register(
        small_model,
        NewVersion(
            lineage="XAUUSD-M5-scalper",
            symbol="XAUUSD",
            timeframe="M5",
            algorithm="logistic_regression",
        ),
    )
    assert desk.trial_count("XAUUSD-M5-scalper") == desk.trial_count() == 7
    shown = next(o for o in outcomes if o.version_id is not None)
    assert desk.live_metrics(shown.version_id)["dsr_trials"] == 7
    desk.close()
