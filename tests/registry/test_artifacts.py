"""Model files: tampered, swapped, truncated or untrusted files are refused before loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from engine.errors import ArtifactError
from engine.registry.artifacts import _check_types, load_artifact, serialize, write_artifact
from engine.services import Desk
from tests.conftest import spec


class NotAllowed:
    """A type outside the allow-list (stands for anything an attacker could smuggle in)."""

    def __init__(self) -> None:
        self.payload = "rm -rf"


def _file(desk: Desk, ref: int) -> Path:
    info = desk.version(ref)
    assert info.artifact_path
    return desk.paths.artifacts_dir / info.artifact_path


def test_changed_bytes_are_refused(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    path = _file(desk, v.id)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="does not match its recorded sha256"):
        desk.registry.load_model(v.id)


def test_truncated_file_is_refused(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    path = _file(desk, v.id)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ArtifactError, match="changed, truncated or swapped"):
        desk.registry.load_model(v.id)


def test_swapped_file_is_refused(desk: Desk, small_model: Any, forest: Any):
    a = desk.registry.register(small_model, spec())
    b = desk.registry.register(forest, spec("random_forest"))
    _file(desk, a.id).write_bytes(_file(desk, b.id).read_bytes())
    with pytest.raises(ArtifactError, match="sha256"):
        desk.registry.load_model(a.id)


def test_missing_file_is_reported(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec())
    _file(desk, v.id).unlink()
    with pytest.raises(ArtifactError, match="missing"):
        desk.registry.load_model(v.id)


def test_untrusted_types_are_refused_even_with_a_matching_checksum(tmp_path: Path):
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    model.smuggled = NotAllowed()  # type: ignore[attr-defined]
    data = sio.dumps(model)
    stored = write_artifact(tmp_path, "lineage", data)
    with pytest.raises(ArtifactError, match=r"outside Aurum's allow-list: .*NotAllowed"):
        load_artifact(tmp_path, stored.relative_path, stored.sha256)


def test_saving_a_model_with_untrusted_types_is_refused():
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    model.smuggled = NotAllowed()  # type: ignore[attr-defined]
    with pytest.raises(ArtifactError, match="allow-list"):
        serialize(model)


def test_a_non_skops_file_is_refused(tmp_path: Path):
    import hashlib

    junk = b"\x80\x04\x95 this is a pickle, not a skops zip"
    folder = tmp_path / "lin"
    folder.mkdir()
    (folder / "x.skops").write_bytes(junk)
    with pytest.raises(ArtifactError, match="not a readable skops file"):
        load_artifact(tmp_path, "lin/x.skops", hashlib.sha256(junk).hexdigest())


def test_paths_outside_the_artifact_folder_are_refused(tmp_path: Path):
    from engine.errors import UnsafePathError

    with pytest.raises(UnsafePathError):
        load_artifact(tmp_path / "artifacts", "../../etc/passwd", "0" * 64)


def test_no_module_loads_models_with_pickle_joblib_or_cloudpickle():
    root = Path(__file__).resolve().parents[2] / "engine"
    banned = ("pickle.load", "joblib.load", "cloudpickle.load", "import pickle", "import joblib")
    offenders = [
        f"{p.relative_to(root)}: {b}"
        for p in root.rglob("*.py")
        for b in banned
        if b in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def _audit_cases() -> dict[str, Any]:
    """Models of every shape we store, plus the node kinds skops audits specially."""
    from collections import OrderedDict

    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    x = np.random.default_rng(0).normal(size=(60, 3))
    y = (x[:, 0] > 0).astype(int)
    odd = LogisticRegression().fit(x, y)
    odd.extras_ = OrderedDict(window=slice(1, 5), rng=np.random.default_rng(0))  # type: ignore[attr-defined]
    smuggled = LogisticRegression().fit(x, y)
    smuggled.smuggled = NotAllowed()  # type: ignore[attr-defined]
    scaler = StandardScaler().fit(x)
    return {
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y),
        "forest": RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y),
        "boosting": HistGradientBoostingClassifier(max_iter=3).fit(x, y),
        "numpy ufunc": FunctionTransformer(np.log1p),
        "builtin function": FunctionTransformer(abs),
        "bound method": FunctionTransformer(scaler.transform),
        "ordered dict, slice, generator": odd,
        "foreign object": smuggled,
    }


@pytest.mark.parametrize("case", list(_audit_cases()))
def test_the_save_time_audit_finds_exactly_what_skops_finds(case: str):
    from engine.registry.skops_types import _walked, untrusted_types

    data = sio.dumps(_audit_cases()[case])
    expected = set(sio.get_untrusted_types(data=data))
    assert _walked(data) == expected  # the fast walk itself, not its fallback
    assert untrusted_types(data) == expected


def test_the_save_time_audit_refuses_bytes_that_are_not_skops():
    with pytest.raises(ArtifactError, match="not a readable skops file"):
        _check_types(b"PK\x03\x04 not really a zip", origin="the model being saved")


def test_registering_a_model_with_a_foreign_type_leaves_no_row_and_no_file(desk: Desk):
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    model.smuggled = NotAllowed()  # type: ignore[attr-defined]
    with pytest.raises(ArtifactError, match=r"allow-list: .*NotAllowed"):
        desk.registry.register(model, spec())
    assert desk.registry.list_versions() == []
    assert [p for p in desk.paths.artifacts_dir.rglob("*") if p.is_file()] == []  # no temp file
