"""A learning session fanned out to a real Dask LocalCluster (worker processes on loopback) gives
exactly the results of the same session run in this process."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.learner.candidates import single_threaded
from engine.services import Desk
from tests.conftest import fresh_postgres_database, on_postgres
from tests.learner.conftest import fast_desk

pytestmark = pytest.mark.slow
SEARCH = [
    ("learning.algorithms", '["logistic_regression", "random_forest", "hist_gradient_boosting"]'),
    ("learning.search", "random"),
    ("learning.search_trials", "2"),
    ("learning.ensembles", '["soft_vote", "stacking"]'),  # built from the fits wherever they ran
    # fewer trees and boosting rounds than the defaults (80 and 80), in both sessions: where the
    # fits run is under test, not their size
    (
        "learning.hyperparameters",
        '{"random_forest": {"n_estimators": 20}, "hist_gradient_boosting": {"max_iter": 20}}',
    ),
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    from distributed import LocalCluster

    # Worker processes are spawned, and spawning re-runs the parent's __main__ file: after the
    # dashboard's AppTest tests that is dashboard/app.py. Spawn them from a bare __main__.
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
        local = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=40,
        )  # fmt: skip
    with local:
        yield local.scheduler_address


def _session(root: Path, extra: list[tuple[str, str]]) -> tuple[Desk, Any, list[str]]:
    desk = fast_desk(root, n_bars=6000, momentum=0.25)
    for key, value in SEARCH + extra:
        desk.set_config(key, value, actor="test")
    stages: list[str] = []
    outcome = desk.learn(actor="test", progress=lambda s, p: stages.append(s))
    return desk, outcome, stages


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_timings(v)
            for k, v in value.items()
            if k not in {"seconds", "fit_seconds", "stage_seconds", "config"}
        }
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def test_a_session_on_dask_equals_the_local_session(
    tmp_path: Path, cluster: str, monkeypatch: pytest.MonkeyPatch
):
    local, local_out, _ = _session(tmp_path / "local", [])
    with ExitStack() as stack:
        if on_postgres():  # the second desk gets a database of its own there too
            monkeypatch.setenv("AURUM_DATABASE_URL", stack.enter_context(fresh_postgres_database()))
        dask, dask_out, stages = _session(
            tmp_path / "dask",
            [("learning.dask_scheduler_address", cluster), ("learning.executor", "dask")],
        )
        stack.callback(dask.close)
        _assert_equal_sessions(local, local_out, dask, dask_out, stages, cluster)


def _assert_equal_sessions(
    local: Desk, local_out: Any, dask: Desk, dask_out: Any, stages: list[str], cluster: str
) -> None:
    try:
        assert any(f"on Dask ({cluster})" in s for s in stages)
        assert local_out.status == dask_out.status == "succeeded"
        a = local.learning_session(local_out.session_id).result
        b = dask.learning_session(dask_out.session_id).result
        # 3 algorithms x 2 searched trials and 2 ensembles, each counted for the deflated Sharpe
        assert len(a["candidates"]) == 8 and a["n_trials"] == b["n_trials"] == 8
        assert len({repr(c["params"]) for c in a["candidates"]}) == 8
        assert _without_timings(a["candidates"]) == _without_timings(b["candidates"])
        assert a["winner"] == b["winner"] and a["importances"] == b["importances"]
        assert local_out.metrics == dask_out.metrics
        model_a, info_a = local.registry.load_model(local_out.version_id)
        model_b, info_b = dask.registry.load_model(dask_out.version_id)
        assert info_a.data_hash == info_b.data_hash and info_a.params == info_b.params
        x = np.random.default_rng(0).normal(size=(200, len(info_a.features)))
        # one thread: a forest's threads add their trees' votes in whichever order they finish
        pa, pb = (single_threaded(m).predict_proba(x) for m in (model_a, model_b))
        assert np.array_equal(pa, pb)
    finally:
        local.close()


def test_an_unreachable_scheduler_fails_the_session_and_registers_nothing(tmp_path: Path):
    from engine.learner.dataset import LearningError

    desk = fast_desk(tmp_path / "d", n_bars=3000, momentum=0.25)
    try:
        desk.set_config("learning.dask_scheduler_address", "tcp://127.0.0.1:9", actor="test")
        desk.set_config("learning.executor", "dask", actor="test")
        with pytest.raises(LearningError, match=r"cannot reach the Dask scheduler.*127.0.0.1:9"):
            desk.learn(actor="test")
        assert desk.registry.list_versions() == []
        assert desk.learning_sessions()[0].status == "failed"
    finally:
        desk.close()
