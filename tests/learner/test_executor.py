"""The local executor runs fits side by side, each on one thread, with the results of one after
another (a busy machine then slows a session in proportion instead of stalling OpenMP teams)."""

from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import threadpool_info

from engine.learner.candidates import hyperparameters, one_thread
from engine.learner.evaluate import fit_fold
from engine.learner.executor import FoldTask, LocalExecutor, make_executor, run_all


def _tasks(n: int) -> tuple[np.ndarray, np.ndarray, list[FoldTask]]:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3000, 6))
    y = np.sign(X[:, 0] + 0.5 * rng.normal(size=3000)).astype(int)
    algorithms = ["logistic_regression", "hist_gradient_boosting", "random_forest"]
    train, test = np.arange(2000), np.arange(2000, 3000)
    tasks = []
    for i in range(n):
        algo = algorithms[i % 3]
        tasks.append(FoldTask(i, algo, hyperparameters(algo, None, 0), i % 2 + 1, train, test))
    return X, y, tasks


def test_fits_side_by_side_equal_fits_one_after_another():
    X, y, tasks = _tasks(6)
    one = run_all(LocalExecutor(1), X, y, tasks, max_features=4, seed=0, done=lambda t: None)
    seen: list[int] = []
    two = run_all(
        LocalExecutor(2),
        X,
        y,
        tasks,
        max_features=4,
        seed=0,
        done=lambda t: seen.append(t.candidate),
    )
    assert sorted(seen) == list(range(6))  # each fit reported once, in whichever order it ended
    for a, b in zip(one, two, strict=True):
        assert a.fold == b.fold and np.array_equal(a.classes, b.classes)
        assert np.array_equal(a.proba, b.proba)


def test_a_fit_runs_on_one_thread_in_whichever_thread_it_runs():
    seen: dict[str, list[int]] = {}

    def probe() -> None:
        with one_thread():
            seen["threads"] = [p["num_threads"] for p in threadpool_info()]

    worker = threading.Thread(target=probe)
    worker.start()
    worker.join()
    assert seen["threads"] and set(seen["threads"]) == {1}


def test_boosters_are_fitted_with_one_thread_of_their_own():
    X, y, _ = _tasks(0)
    fit = fit_fold(
        X, y, np.arange(2000), np.arange(2000, 3000), "random_forest",
        {**hyperparameters("random_forest", None, 0), "n_jobs": 4},
        fold=1, max_features=4, seed=0,
    )  # fmt: skip
    assert fit.model.named_steps["model"].n_jobs == 1


def test_the_session_executor_takes_learning_n_jobs():
    class Learn:
        executor = "local"
        n_jobs = 3

    executor = make_executor(Learn())
    assert isinstance(executor, LocalExecutor) and executor.n_jobs == 3
