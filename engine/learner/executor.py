"""Where a session's candidate × fold fits run: in this process, or fanned out to a Dask cluster.

Both executors run the same pure `fit_fold` on the same inputs and hand the fits back by
position, so a session's results do not depend on where it ran (tests hold them equal).
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from engine.errors import ConfigError
from engine.learner.dataset import LearningError
from engine.learner.evaluate import FoldFit, fit_fold


@dataclass(frozen=True)
class FoldTask:
    """Fit candidate `candidate` (algorithm + params) on fold `fold` (1-based)."""

    candidate: int
    algorithm: str
    params: dict[str, Any]
    fold: int
    train: np.ndarray
    test: np.ndarray


class Executor(Protocol):
    name: str

    def run(
        self, X: np.ndarray, y: np.ndarray, tasks: list[FoldTask], *, max_features: int, seed: int
    ) -> Iterator[tuple[int, FoldFit]]:
        """Yield (task position, fit) as each finishes, in any order."""
        ...

    def close(self) -> None: ...


def _fit(X: np.ndarray, y: np.ndarray, task: FoldTask, max_features: int, seed: int) -> FoldFit:
    return fit_fold(
        X, y, task.train, task.test, task.algorithm, task.params,
        fold=task.fold, max_features=max_features, seed=seed,
    )  # fmt: skip


class LocalExecutor:
    """Fits in this process, `n_jobs` side by side on threads (the default). Each fit runs on one
    thread of its own (see `fit_fold`); the heavy parts of fitting release the GIL."""

    name = "local"

    def __init__(self, n_jobs: int = 1) -> None:
        self.n_jobs = max(1, int(n_jobs))

    def run(
        self, X: np.ndarray, y: np.ndarray, tasks: list[FoldTask], *, max_features: int, seed: int
    ) -> Iterator[tuple[int, FoldFit]]:
        if self.n_jobs == 1 or len(tasks) < 2:
            for position, task in enumerate(tasks):
                yield position, _fit(X, y, task, max_features, seed)
            return
        with ThreadPoolExecutor(self.n_jobs, thread_name_prefix="aurum-fit") as pool:
            futures = {
                pool.submit(_fit, X, y, task, max_features, seed): i for i, task in enumerate(tasks)
            }
            try:
                for future in as_completed(futures):
                    yield futures[future], future.result()
            finally:
                for future in futures:
                    future.cancel()

    def close(self) -> None:
        return None


def _fit_on_worker(data: tuple[np.ndarray, np.ndarray], task: FoldTask, mf: int, seed: int) -> Any:
    with warnings.catch_warnings():  # a daemon worker fits forests with one thread (same trees)
        warnings.filterwarnings("ignore", message="Inside a Dask worker", category=UserWarning)
        return _fit(data[0], data[1], task, mf, seed)


class DaskExecutor:
    """Every fit is a Dask future on the cluster at `address`; the samples are scattered once.

    Workers need the same Aurum (and scikit-learn) installed: they import `engine` to fit.
    """

    name = "dask"

    def __init__(self, address: str, *, timeout: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError as err:
            raise ConfigError(
                "learning.executor=dask needs the `dask` extra: pip install -e '.[dask]' "
                "(or set learning.executor to local)"
            ) from err
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except OSError as err:
            raise LearningError(
                f"cannot reach the Dask scheduler at {address} "
                f"(learning.dask_scheduler_address): {err}"
            ) from err
        self.address = address

    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def run(
        self, X: np.ndarray, y: np.ndarray, tasks: list[FoldTask], *, max_features: int, seed: int
    ) -> Iterator[tuple[int, FoldFit]]:
        from distributed import as_completed

        if self.workers() == 0:
            raise LearningError(f"the Dask cluster at {self.address} has no workers")
        data = self.client.scatter((X, y), broadcast=True, hash=False)
        batch = uuid.uuid4().hex[:12]
        futures = {
            self.client.submit(
                _fit_on_worker, data, task, max_features, seed, pure=False, key=f"fit-{batch}-{i}"
            ): i
            for i, task in enumerate(tasks)
        }
        try:
            for future in as_completed(futures, loop=self.client.loop):
                yield futures[future], future.result()
        finally:
            self.client.cancel(list(futures))

    def close(self) -> None:
        self.client.close()


def make_executor(learn: Any) -> Executor:
    """The executor `learning.executor` names (a Dask one connects to its scheduler)."""
    if learn.executor == "dask":
        return DaskExecutor(learn.dask_scheduler_address)
    return LocalExecutor(learn.n_jobs)


def run_all(
    executor: Executor,
    X: np.ndarray,
    y: np.ndarray,
    tasks: list[FoldTask],
    *,
    max_features: int,
    seed: int,
    done: Callable[[FoldTask], None],
) -> list[FoldFit]:
    """All fits, in task order whatever order they finished in."""
    fits: list[FoldFit | None] = [None] * len(tasks)
    for position, fit in executor.run(X, y, tasks, max_features=max_features, seed=seed):
        fits[position] = fit
        done(tasks[position])
    missing = [i for i, fit in enumerate(fits) if fit is None]
    if missing:
        raise LearningError(f"{len(missing)} fold fit(s) never came back from the executor")
    return [fit for fit in fits if fit is not None]
