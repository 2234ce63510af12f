"""Promotion can require shadow evidence: a challenger that passes the gates is held, then
promoted (or flagged) once its paper edge over the champion is significant; which versions
paper-trade follows shadow.mode."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select

from engine.db.schema import PromotionDecision
from engine.errors import ConfigError
from engine.metrics.significance import welch_edge_test
from engine.registry import NewVersion
from engine.scheduler.service import AurumServices
from engine.selection import Decision, record
from engine.services import Desk
from engine.shadow.store import shadow_series
from engine.shadow.targets import plan_targets
from tests.shadow.conftest import V1, V2, V3, shadow_settings


def _decisions(desk: Desk, version_id: int) -> list[tuple[str, list[str], dict]]:
    with desk.db.session() as s:
        rows = s.scalars(
            select(PromotionDecision)
            .where(PromotionDecision.challenger_id == version_id)
            .order_by(PromotionDecision.id)
        ).all()
        return [(r.decision, json.loads(r.reasons_json), json.loads(r.evidence_json)) for r in rows]


# On the demo test desk's bars v3 out-trades v1 on paper over their common period (about 200 trades
# each: +$664 against -$107, one-sided p about 0.27): with v1 serving, v3 is the challenger whose
# edge becomes significant at shadow.max_p_value 0.5.
CHAMPION, CHALLENGER = V1, V3


def _serve_champion(desk: Desk) -> None:
    desk.activate(CHAMPION, actor="test", reason="the champion serves")


def _hold(desk: Desk, challenger: str, champion: str) -> None:
    reasons = ["expectancy: pass", "needs shadow evidence (shadow.require_for_promotion)"]
    record(
        desk,
        Decision("hold", reasons, desk.version(champion).id),
        desk.version(challenger).id,
        None,
    )


def test_a_challenger_that_passes_the_gates_is_held_for_shadow_evidence(tmp_path: Path):
    """The champion never trades (it needs a probability above 1), so the session's winner
    clears every gate; with shadow evidence required it is held, not activated."""
    from engine.features import build_features
    from tests.learner.conftest import fast_desk

    desk = fast_desk(tmp_path / "hold", n_bars=6000, momentum=0.25)
    for key, value in [
        ("learning.algorithms", '["logistic_regression"]'),
        ("selection.min_psr", "0"),
        ("selection.max_drawdown_tolerance_pct", "100"),
        ("shadow.mode", "top_k"),
        ("shadow.require_for_promotion", "true"),
    ]:
        desk.set_config(key, value, actor="test")
    cfg = desk.config()
    bars = desk.bars("XAUUSD", "M5").iloc[:3000]
    feats = build_features(bars, cfg.features, timeframe="M5").dropna()
    labels = np.nan_to_num(np.sign(np.diff(bars["close"].to_numpy(), append=np.nan))[feats.index])
    model = Pipeline([("s", StandardScaler()), ("m", LogisticRegression(max_iter=1000))])
    model.fit(feats.to_numpy(), labels.astype(int))
    champion = desk.registry.register(
        model,
        NewVersion(
            lineage="XAUUSD-M5-scalper",
            symbol="XAUUSD",
            timeframe="M5",
            algorithm="logistic_regression",
            features=list(feats.columns),
            train_start=bars["time"].iloc[0].to_pydatetime(),
            train_end=bars["time"].iloc[-1].to_pydatetime(),
            details={"feature_spec": cfg.features.model_dump(mode="json"), "min_confidence": 1.01},
        ),
    )
    desk.activate(champion.id, actor="test")

    outcome = desk.learn(actor="test")
    assert outcome.status == "succeeded" and not outcome.activated
    assert desk.registry.active_version().id == champion.id
    [(verdict, reasons, evidence)] = _decisions(desk, outcome.version_id)
    assert verdict == "hold"
    assert [r.rsplit(": ", 1)[-1] for r in reasons[:-1]] == ["pass"] * 4
    assert reasons[-1].startswith("needs shadow evidence (shadow.require_for_promotion)")
    assert f"beat {champion.ref}'s with p ≤ 0.05" in reasons[-1]
    assert evidence["challenger"]["trades"] >= 20
    assert "hold: needs shadow evidence" in desk.learning_session(outcome.session_id).message
    targets = plan_targets(desk, cfg).targets
    assert outcome.version_id in {t.version.id for t in targets if t.role == "challenger"}
    result = desk.shadow_cycle()  # trained on every stored bar: nothing to paper-trade yet
    assert result.decisions == [] and desk.registry.active_version().id == champion.id
    assert _decisions(desk, outcome.version_id)[-1][0] == "hold"
    desk.close()


def test_a_held_challenger_is_promoted_once_its_edge_is_significant(desk: Desk):
    _serve_champion(desk)
    _hold(desk, CHALLENGER, CHAMPION)
    shadow_settings(desk, **{"shadow.min_trades": "2", "shadow.max_p_value": "0.5"})
    result = desk.shadow_cycle()
    assert result.decisions == [f"promoted {CHALLENGER} over {CHAMPION} on shadow evidence"]
    assert desk.registry.active_version().ref == CHALLENGER
    verdict, reasons, evidence = _decisions(desk, desk.version(CHALLENGER).id)[-1]
    shadow = evidence["shadow"]
    with desk.db.session() as s:
        step = desk.bars("XAUUSD", "M5", last=2)["time"].diff().iloc[-1]
        both = max(desk.version(CHALLENGER).train_end, desk.version(CHAMPION).train_end)
        since = both + step  # the common period: after both were trained
        mine = shadow_series(s, desk.version(CHALLENGER).id, opened_after=since)
        theirs = shadow_series(s, desk.version(CHAMPION).id, opened_after=since)
    expected = welch_edge_test(mine.net_profit, theirs.net_profit, min_trades=2)
    assert verdict == "promoted" and reasons[0].endswith(": pass")
    assert shadow["p_value"] == pytest.approx(expected.p_value) and expected.p_value <= 0.5
    assert (shadow["challenger_trades"], shadow["champion_trades"]) == (
        expected.challenger_trades,
        expected.champion_trades,
    )
    assert shadow["edge"] == pytest.approx(expected.edge) and expected.edge > 0
    assert desk.activation_history()[0].reason.startswith("promoted on shadow evidence")


def test_a_held_challenger_without_a_significant_edge_stays_held(desk: Desk):
    before = _decisions(desk, desk.version(V1).id)
    _hold(desk, V1, V3)  # V1 loses money against V3 over their common period
    shadow_settings(desk, **{"shadow.min_trades": "2", "shadow.max_p_value": "0.5"})
    assert desk.shadow_cycle().decisions == []
    assert desk.registry.active_version().ref == V3
    assert [d[0] for d in _decisions(desk, desk.version(V1).id)] == [
        *(d[0] for d in before),
        "hold",
    ]
    edge = next(s.edge for s in desk.shadow_board() if s.ref == V1)
    assert edge.test.edge < 0 and edge.verdict.startswith("no significant edge")


def test_too_few_paper_trades_keep_a_challenger_held(desk: Desk):
    desk.activate(V2, actor="test")
    _hold(desk, V3, V2)
    shadow_settings(desk, **{"shadow.min_trades": "1000"})  # more than either will have
    assert desk.shadow_cycle().decisions == []
    assert desk.registry.active_version().ref == V2
    edge = next(s.edge for s in desk.shadow_board() if s.ref == V3)
    assert edge.verdict.startswith("not enough trades")


def test_with_auto_switching_off_a_held_challenger_is_flagged(desk: Desk):
    _serve_champion(desk)
    _hold(desk, CHALLENGER, CHAMPION)
    shadow_settings(
        desk,
        **{"shadow.min_trades": "2", "shadow.max_p_value": "0.5", "auto_model_switching": "false"},
    )
    assert desk.shadow_cycle().decisions == [f"flagged {CHALLENGER} on shadow evidence"]
    assert desk.registry.active_version().ref == CHAMPION
    verdict, reasons, _ = _decisions(desk, desk.version(CHALLENGER).id)[-1]
    assert verdict == "flagged" and reasons[-1].startswith("auto_model_switching is off")
    assert desk.shadow_cycle().decisions == []  # decided once


def test_top_k_takes_the_best_ranked_versions_that_are_not_active(desk: Desk):
    shadow_settings(desk, **{"shadow.top_k": "1"})
    ranked = [v.ref for v in desk.leaderboard() if v.status != "active"]
    plan = plan_targets(desk, desk.config())
    assert [(t.version.ref, t.role) for t in plan.targets] == [
        (V3, "champion"),
        (ranked[0], "challenger"),
    ]


def test_pinned_versions_paper_trade_and_bad_pins_are_named(desk: Desk):
    pins = f'["{V2}", "{V3}", "XAUUSD-M5-scalper:v9"]'
    shadow_settings(desk, **{"shadow.pinned": pins})  # first the versions, then the mode
    shadow_settings(desk, **{"shadow.mode": "pinned"})
    result = desk.shadow_cycle()
    assert [(r.ref, r.role) for r in result.runs] == [(V3, "champion"), (V2, "challenger")]
    assert result.problems == [
        f"shadow.pinned: {V3} is active; it trades as the champion",
        "shadow.pinned names XAUUSD-M5-scalper:v9, which does not exist",
    ]
    assert len(desk.shadow_results(V1)) == 0 and len(desk.shadow_results(V2)) > 0


def test_settings_that_cannot_work_are_refused(desk: Desk):
    shadow_settings(desk, **{"shadow.mode": "off"})
    with pytest.raises(ConfigError, match=r"shadow\.require_for_promotion needs shadow\.mode"):
        desk.set_config("shadow.require_for_promotion", "true", actor="test")
    with pytest.raises(ConfigError, match="'v3' is not a version"):
        desk.set_config("shadow.pinned", '["v3"]', actor="test")
    with pytest.raises(ConfigError, match=r"shadow\.mode=pinned needs at least one version"):
        desk.set_config("shadow.mode", "pinned", actor="test")


def test_the_services_paper_trade_only_as_leader(home: Path, desk: Desk):
    follower = AurumServices(str(home))
    follower.shadow()  # not the lease holder: does nothing
    assert len(desk.shadow_results(V1)) == 0
    follower.heartbeat()
    assert follower.is_leader
    follower.guarded("shadow", follower.shadow)()
    assert follower.failures == {} and len(desk.shadow_results(V1)) > 0
    follower.desk.close()


def test_a_held_challenger_whose_file_was_tampered_is_refused_not_promoted(desk: Desk):
    """The shadow promotion goes through the registry's verified activation: a challenger
    whose model file changed since it was held is refused with the reason, recorded as
    rejected (not tried again), and the champion keeps serving."""
    desk.activate(V2, actor="test")
    _hold(desk, V3, V2)
    shadow_settings(desk, **{"shadow.min_trades": "2", "shadow.max_p_value": "0.0001"})
    assert desk.shadow_cycle().decisions == []  # paper trades made, the edge not yet enough
    challenger = desk.version(V3)
    assert challenger.artifact_path
    path = desk.paths.artifacts_dir / challenger.artifact_path
    path.write_bytes(path.read_bytes()[:-10])  # tampered after its paper trades
    shadow_settings(desk, **{"shadow.max_p_value": "0.5"})
    result = desk.shadow_cycle()
    assert len(result.decisions) == 1 and result.decisions[0].startswith(f"refused {V3}: ")
    assert "changed, truncated or swapped" in result.decisions[0]
    assert desk.registry.active_version().ref == V2
    verdict, reasons, _ = _decisions(desk, challenger.id)[-1]
    assert verdict == "rejected" and reasons[0].startswith("activation refused: ")
    assert desk.shadow_cycle().decisions == []  # no longer held: not tried again
