"""`Desk.explanations` on a trained desk: the latest signals as serving gives them, explained
exactly, computed once per version and bars, then read from the JSON cache."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest

from engine.data.store import upsert_bars
from engine.doctor import diagnose
from engine.errors import AurumError
from engine.explain.explanations import LATEST_SIGNALS, bars_needed
from engine.features import BarArrays, latest_features
from engine.learner.predict import SignalModel
from engine.services import Desk


def cache_files(desk: Desk) -> dict[str, int]:
    """Explanation caches under the artifacts folder, with their mtime in ns."""
    return {p.name: p.stat().st_mtime_ns for p in desk.paths.artifacts_dir.rglob("*.explain.json")}


def test_the_latest_signals_are_those_serving_gives_with_exact_attributions(desk: Desk):
    info = desk.registry.active_version()
    found = desk.explanations(info.ref)
    model, info = desk.registry.load_model(info.id)
    bars = desk.bars(info.symbol, info.timeframe, last=bars_needed(info))
    serving = SignalModel(model, info)
    latest = serving.signal(bars)
    assert len(found.signals) == LATEST_SIGNALS and found.version_ref == info.ref
    last = found.signals[-1]
    assert last.bar_time == latest.bar_time.isoformat() == found.last_bar
    assert (last.side, last.p_long, last.p_short) == (latest.side, latest.p_long, latest.p_short)
    row = latest_features(
        BarArrays.from_frame(bars, last=serving.window), serving.spec, timeframe=serving.timeframe
    )[0]
    for name, value in last.values.items():
        assert value == pytest.approx(row[info.features.index(name)], abs=1e-6)
    assert set(last.contributions) == set(info.details["selected_features"])
    proba = model.predict_proba(row[None, :])[0]
    column = list(model.classes_).index(1 if last.explained == "long" else -1)
    if found.output == "probability":  # the demo's forests: SHAP adds up to P(class)
        assert last.output == pytest.approx(proba[column], abs=1e-4)
    assert last.base + sum(last.contributions.values()) == pytest.approx(last.output, abs=1e-4)
    assert found.importances == info.details["importances"]
    assert 1 <= len(found.dependence) <= 3
    for curve in found.dependence:
        assert curve.feature in last.contributions
        assert all(0.0 <= p <= 1.0 for p in curve.p_long + curve.p_short)


def test_the_cache_is_reused_and_kept_per_version(desk: Desk):
    first, second = desk.leaderboard()[:2]
    found = desk.explanations(first.ref)
    files = cache_files(desk)
    assert len(files) == 1
    (name,) = files
    assert name.endswith(".explain.json") and f".v{first.id}." in name
    again = desk.explanations(first.ref)
    assert cache_files(desk) == files  # not rewritten: read back
    assert again == found
    other = desk.explanations(second.ref)
    assert other.version_id == second.id and other.computed_at >= found.computed_at
    after = cache_files(desk)
    assert len(after) == 2 and after[name] == files[name]
    stored = json.loads(next(desk.paths.artifacts_dir.rglob(name)).read_text())
    assert stored["version_id"] == first.id and len(stored["signals"]) == LATEST_SIGNALS


def test_a_new_bar_gives_a_fresh_explanation_and_drops_the_old_cache(desk: Desk):
    info = desk.registry.active_version()
    before = desk.explanations(info.ref)
    bars = desk.bars(info.symbol, info.timeframe, last=1)
    bar = bars.copy()
    bar["time"] = bar["time"] + timedelta(minutes=5)
    with desk.db.session(write=True) as s:
        upsert_bars(s, bar, symbol=info.symbol, timeframe=info.timeframe, origin="generated")
    after = desk.explanations(info.ref)
    assert after.bars_key != before.bars_key
    assert after.last_bar == bar["time"].iloc[0].isoformat()
    assert after.signals[-2].bar_time == before.signals[-1].bar_time
    files = cache_files(desk)
    assert len(files) == 1 and after.bars_key in next(iter(files))


def test_doctor_does_not_take_a_cache_for_an_orphan_model_file(desk: Desk):
    desk.explanations(desk.registry.active_version().ref)
    report = diagnose(desk, load_active=False, grace_seconds=0)
    orphans = [f for f in report.findings if f.check == "orphan model files"]
    assert [(f.status, f.message) for f in orphans] == [("ok", "none")]


def test_a_version_without_its_model_file_says_why(desk: Desk):
    report = desk.cleanup(1, actor="test")
    if not report.removed:
        pytest.skip("the demo desk protects every version")
    with pytest.raises(AurumError, match="no model file"):
        desk.explanations(report.removed[0])


def test_attributions_sum_over_every_explained_signal(desk: Desk):
    found = desk.explanations(desk.registry.active_version().ref)
    for signal in found.signals:
        total = signal.base + sum(signal.contributions.values())
        assert total == pytest.approx(signal.output, abs=1e-4)
        assert signal.explained in ("long", "short")
        top = np.argmax(np.abs(list(signal.contributions.values())))
        assert top == 0  # stored largest first
