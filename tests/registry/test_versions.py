"""Registering versions: numbering, immutability, metrics history, seed-compatible names."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from engine.errors import NotFoundError
from engine.services import Desk
from tests.conftest import spec


def test_versions_are_numbered_per_lineage_and_keep_their_metadata(desk: Desk, small_model: Any):
    v1 = desk.registry.register(small_model, spec(sharpe=1.2, win_rate=0.55))
    v2 = desk.registry.register(small_model, spec(sharpe=0.4))
    other = desk.registry.register(small_model, spec(lineage="XAUUSD-M1-scalper"))
    assert (v1.version, v2.version, other.version) == (1, 2, 1)
    assert v1.ref == "XAUUSD-M5-scalper:v1"
    assert v1.status == "candidate" and not v1.pinned
    assert v1.features == ["f0", "f1", "f2", "f3"]
    assert v1.metrics == {"sharpe": 1.2, "win_rate": 0.55}
    assert len(v1.artifact_sha256) == 64 and v1.artifact_size > 0
    assert "scikit-learn" in v1.library_versions


def test_registering_never_changes_an_existing_version(desk: Desk, small_model: Any, forest: Any):
    v1 = desk.registry.register(small_model, spec(sharpe=1.0))
    before = desk.version(v1.id)
    desk.registry.register(forest, spec("random_forest", sharpe=2.0))
    after = desk.version(v1.id)
    assert after == before


def test_lookup_by_id_and_by_ref(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    assert desk.version(str(v.id)).ref == v.ref
    assert desk.version(v.ref).id == v.id
    with pytest.raises(NotFoundError, match="does not exist"):
        desk.version("XAUUSD-M5-scalper:v99")
    with pytest.raises(NotFoundError, match="is not a version"):
        desk.version("../etc/passwd")
    # numbers past the 32-bit id columns name no version (PostgreSQL refused the parameter: 500)
    for ref in ("802351405573", str(2**31), "XAUUSD-M5-scalper:v802351405573"):
        with pytest.raises(NotFoundError, match="does not exist"):
            desk.version(ref)
        with pytest.raises(NotFoundError, match="does not exist"):
            desk.registry.get(ref)


def test_loaded_model_predicts_like_the_original(desk: Desk, small_model: Any, xy: Any):
    v = desk.registry.register(small_model, spec())
    model, info = desk.registry.load_model(v.id)
    assert info.id == v.id
    np.testing.assert_allclose(model.predict_proba(xy[0]), small_model.predict_proba(xy[0]))


def test_metrics_history_keeps_every_snapshot(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec(sharpe=1.0))
    desk.registry.record_metrics(v.id, {"sharpe": 0.5}, source="live", trades=40)
    desk.registry.record_metrics(v.id, {"sharpe": 0.7}, source="live", trades=60)
    history = desk.registry.metrics_history(v.id)
    assert [(h["source"], h["value"], h["trades"]) for h in history] == [
        ("backtest", 1.0, 100),
        ("live", 0.5, 40),
        ("live", 0.7, 60),
    ]
    assert desk.registry.get(v.id, source="live").metrics == {"sharpe": 0.7}


def test_a_failed_registration_leaves_no_row_and_no_file(
    desk: Desk, small_model: Any, monkeypatch: pytest.MonkeyPatch
):
    import engine.registry.versions as versions

    def boom(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("disk full while recording")

    monkeypatch.setattr(versions, "add_version", boom)
    with pytest.raises(RuntimeError):
        desk.registry.register(small_model, spec())
    assert desk.registry.list_versions() == []
    assert not any(p.is_file() for p in desk.paths.artifacts_dir.rglob("*"))


def test_seed_compatible_registry_names(desk: Desk, small_model: Any):
    reg = desk.registry
    a = reg.register(small_model, spec(sharpe=1.0, max_drawdown_pct=5.0))
    b = reg.register(small_model, spec(sharpe=2.0, max_drawdown_pct=9.0))
    models = reg.list_models()
    assert [m.model_id for m in models] == [b.id, a.id]
    assert reg.set_active_model(a.model_id) is True
    active = reg.get_active_model()
    assert active is not None and active.id == a.id
    comparison = reg.compare_models([m.model_id for m in models])
    rows = {r.metric: r for r in comparison.rows}
    assert rows["sharpe"].best == b.ref
    assert rows["max_drawdown_pct"].best == a.ref  # lower drawdown is better
    report = reg.cleanup_old_models(keep_count=10)
    assert report.removed == []
