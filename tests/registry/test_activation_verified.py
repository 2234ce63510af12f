"""No pointer to a broken model: activation and rollback verify the target's model file (sha256
and the type allow-list, without running its code) before their transaction, refuse with the
reason, and leave the active version, the history and the audit trail as they were."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer
from sqlalchemy import update

from engine.db.schema import ModelVersion
from engine.errors import ArtifactError
from engine.registry import artifacts
from engine.services import Desk
from tests.conftest import spec


class Smuggled:
    """A type outside the allow-list (anything an attacker could put in a model file)."""

    def __init__(self) -> None:
        self.payload = "rm -rf"


def _file(desk: Desk, ref: int) -> Path:
    info = desk.version(ref)
    assert info.artifact_path
    return desk.paths.artifacts_dir / info.artifact_path


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def _forged(desk: Desk, ref: int, data: bytes) -> None:
    """Replace the file AND its recorded sha256 (an attacker who can also write the database):
    only the type audit stands between this file and the trading side."""
    _file(desk, ref).write_bytes(data)
    with desk.db.session(write=True) as s:
        s.execute(
            update(ModelVersion)
            .where(ModelVersion.id == ref)
            .values(artifact_sha256=hashlib.sha256(data).hexdigest())
        )


def _untrusted_type() -> bytes:
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    model.smuggled = Smuggled()  # type: ignore[attr-defined]
    return sio.dumps(model)


def _eval_function() -> bytes:
    return sio.dumps(FunctionTransformer(eval))


def _pickle() -> bytes:
    return pickle.dumps({"a": "pickle, not a skops file"})


TAMPERINGS: dict[str, tuple[Callable[[Desk, int, int], None], str]] = {
    "flipped byte": (lambda d, v, o: _flip_a_byte(_file(d, v)), "does not match its recorded"),
    "truncated": (lambda d, v, o: _truncate(_file(d, v)), "changed, truncated or swapped"),
    "swapped": (
        lambda d, v, o: _file(d, v).write_bytes(_file(d, o).read_bytes()),
        "does not match its recorded sha256",
    ),
    "deleted": (lambda d, v, o: _file(d, v).unlink(), "is missing"),
    "untrusted type": (
        lambda d, v, o: _forged(d, v, _untrusted_type()),
        r"outside Aurum's allow-list: .*Smuggled\. It was not loaded",
    ),
    "builtins.eval": (
        lambda d, v, o: _forged(d, v, _eval_function()),
        r"outside Aurum's allow-list: builtins\.eval\. It was not loaded",
    ),
    "pickle": (lambda d, v, o: _forged(d, v, _pickle()), "not a readable skops file"),
}


def _desk_state(desk: Desk) -> tuple[Any, ...]:
    active = desk.registry.active_version()
    return (
        None if active is None else active.id,
        len(desk.activation_history()),
        len(desk.audit_log()),
    )


@pytest.mark.parametrize("probe", list(TAMPERINGS))
def test_activating_a_tampered_version_is_refused_and_the_pointer_stays(
    desk: Desk, small_model: Any, forest: Any, probe: str
):
    tamper, reason = TAMPERINGS[probe]
    good = desk.registry.register(small_model, spec()).id
    bad = desk.registry.register(forest, spec("random_forest")).id
    desk.activate(good, actor="t", reason="first")
    tamper(desk, bad, good)
    before = _desk_state(desk)
    with pytest.raises(ArtifactError, match=reason) as refused:
        desk.activate(bad, actor="t", reason="probe")
    message = str(refused.value)
    assert message.startswith("XAUUSD-M5-scalper:v2 cannot be activated: model file ")
    assert message.endswith("XAUUSD-M5-scalper:v1 stays active.")
    assert ".." not in message
    assert _desk_state(desk) == before
    assert desk.registry.load_model(good)[1].id == good  # the active model still serves


@pytest.mark.parametrize("probe", list(TAMPERINGS))
def test_rolling_back_to_a_tampered_version_is_refused_and_says_so(
    desk: Desk, small_model: Any, forest: Any, probe: str
):
    tamper, reason = TAMPERINGS[probe]
    previous = desk.registry.register(forest, spec("random_forest")).id
    current = desk.registry.register(small_model, spec()).id
    desk.activate(previous, actor="t")
    desk.activate(current, actor="t")
    tamper(desk, previous, current)
    before = _desk_state(desk)
    with pytest.raises(ArtifactError, match=reason) as refused:
        desk.rollback(actor="t", reason="probe")
    message = str(refused.value)
    assert message.startswith("cannot roll back to XAUUSD-M5-scalper:v1: model file ")
    assert message.endswith("XAUUSD-M5-scalper:v2 stays active.")
    assert _desk_state(desk) == before


def test_the_first_activation_of_a_tampered_version_leaves_no_active_version(
    desk: Desk, small_model: Any
):
    v = desk.registry.register(small_model, spec()).id
    _flip_a_byte(_file(desk, v))
    with pytest.raises(ArtifactError, match=r"no version is active\.$"):
        desk.activate(v, actor="t")
    assert desk.registry.active_version() is None and desk.activation_history() == []


def test_the_seed_api_and_the_registry_itself_verify_too(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec()).id
    _truncate(_file(desk, v))
    with pytest.raises(ArtifactError):
        desk.registry.set_active_model(v)
    with pytest.raises(ArtifactError):
        desk.registry.activate(v)
    assert desk.registry.active_version() is None


def test_a_repaired_file_can_be_activated_again(desk: Desk, small_model: Any):
    v = desk.registry.register(small_model, spec()).id
    path = _file(desk, v)
    original = path.read_bytes()
    _flip_a_byte(path)
    with pytest.raises(ArtifactError):
        desk.activate(v, actor="t")
    path.write_bytes(original)
    assert desk.activate(v, actor="t").to_version_id == v


def test_verification_runs_no_code_from_the_file(tmp_path: Path):
    """The type audit reads the file's schema only: a type whose construction would have side
    effects is named, never built."""
    built: list[str] = []

    class Loud:
        def __setstate__(self, state: Any) -> None:  # what loading would call
            built.append("constructed")

    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    model.loud = Loud()  # type: ignore[attr-defined]
    stored = artifacts.write_artifact(tmp_path, "lin", sio.dumps(model))
    with pytest.raises(ArtifactError, match="Loud"):
        artifacts.verify_artifact(tmp_path, stored.relative_path, stored.sha256)
    assert built == []


def test_the_untrusted_type_message_has_one_period(tmp_path: Path):
    stored = artifacts.write_artifact(tmp_path, "lin", _untrusted_type())
    with pytest.raises(ArtifactError) as refused:
        artifacts.load_artifact(tmp_path, stored.relative_path, stored.sha256)
    assert "Smuggled']. It was not loaded." in str(refused.value)
    assert ".." not in str(refused.value)
