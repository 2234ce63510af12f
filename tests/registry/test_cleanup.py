"""Cleanup never removes the active, rollback-target or pinned versions; rows stay."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import AurumError, RegistryError
from engine.services import Desk
from tests.conftest import spec


def _register(desk: Desk, model: Any, n: int) -> list[int]:
    # distinct artifacts: metadata differs but bytes are equal, so vary the model
    from sklearn.linear_model import LogisticRegression

    ids = []
    for k in range(n):
        est = LogisticRegression(C=1.0 + k).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
        ids.append(desk.registry.register(est, spec()).id)
    return ids


def test_cleanup_keeps_newest_active_previous_and_pinned(desk: Desk, small_model: Any):
    ids = _register(desk, small_model, 8)
    desk.activate(ids[0], actor="t")  # oldest becomes the rollback target
    desk.activate(ids[1], actor="t")  # active
    desk.set_pinned(ids[2], True, actor="t")
    report = desk.cleanup(2, actor="t")
    kept = {ids[0], ids[1], ids[2], ids[6], ids[7]}
    assert sorted(int(r) for r in report.removed) == sorted(set(ids) - kept)
    assert report.freed_bytes > 0
    for v in desk.registry.list_versions():
        assert (v.status == "cleaned") == (v.id not in kept)
        assert v.metrics or v.status  # the row stays
    assert len(desk.registry.list_versions()) == 8  # rows kept: they count as trials
    assert desk.trial_count() == 8
    files = [p for p in desk.paths.artifacts_dir.rglob("*.skops")]
    assert len(files) == len(kept)
    desk.registry.load_model(ids[0])  # the rollback target still loads
    assert desk.rollback(actor="t").to_version_id == ids[0]


def test_cleaned_versions_cannot_be_activated(desk: Desk, small_model: Any):
    ids = _register(desk, small_model, 3)
    desk.cleanup(1, actor="t")
    with pytest.raises(RegistryError, match="cleaned"):
        desk.activate(ids[0], actor="t")
    with pytest.raises(AurumError, match="no model file"):
        desk.registry.load_model(ids[0])


def test_cleanup_keeps_a_file_shared_by_a_live_version(
    desk: Desk, small_model: Any, monkeypatch: pytest.MonkeyPatch
):
    import engine.registry.artifacts as artifacts

    same_bytes = artifacts.serialize(small_model)
    monkeypatch.setattr(artifacts, "dump", lambda _model: same_bytes)
    old = desk.registry.register(small_model, spec())
    new = desk.registry.register(small_model, spec())  # same bytes, same content address
    assert old.artifact_path == new.artifact_path
    desk.cleanup(1, actor="t")
    desk.registry.load_model(new.id)


def test_cleanup_refuses_keep_below_one(desk: Desk):
    with pytest.raises(AurumError, match="at least 1"):
        desk.cleanup(0, actor="t")
