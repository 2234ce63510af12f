"""Purged walk-forward splitter (scikit-learn conventions) so look-ahead labels cannot leak.

Test folds are ``n_splits`` consecutive blocks of ``test_size`` samples at the end of the data
(like `sklearn.model_selection.TimeSeriesSplit`). Training data for a fold:

* forward walk (default): samples before the test fold; all of them (expanding window) or the
  latest ``max_train_size`` (rolling window). Training never comes after the test fold, so
  ``embargo`` has no effect in this mode. (The samples after an earlier fold's test window are
  the start of the next test window and, for later folds, past data evaluated by an earlier
  fold's own model: dropping them would shrink training without stopping any leak.)
* ``allow_future_train=True`` (purged k-fold style): every sample outside the test fold, except
  the first ``embargo`` samples after it (their features overlap the test period's outcomes).

Purging: the ``purge`` samples right before the test fold are dropped, and when ``label_end`` is
given (for sample i, the position of the last sample its label depends on, in the same index space
as X; see `label_end_positions`) every training sample whose label window ``[i, label_end[i]]``
overlaps the test fold's span ``[first test, max(last test, label_end of the test samples)]`` is
dropped. For past samples that is "its label reaches into the test fold"; for future samples it
removes those the test labels were computed from.

`cross_val_score` / `cross_validate` accept this splitter; `cross_val_predict` does not (it needs
every sample in exactly one test fold, which a walk-forward never gives).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.model_selection import BaseCrossValidator

from engine.errors import AurumError

_PARAMS = (
    "n_splits",
    "test_size",
    "min_train_size",
    "max_train_size",
    "purge",
    "embargo",
    "label_end",
    "allow_future_train",
)


class SplitError(AurumError, ValueError):
    """A walk-forward split cannot be made with these parameters (also a ValueError)."""


class WalkForwardSplit(BaseCrossValidator):
    """Walk-forward folds at the end of the data, purged of label overlap, with an embargo."""

    def __init__(
        self,
        n_splits: int = 5,
        *,
        test_size: int | None = None,
        min_train_size: int | None = None,
        max_train_size: int | None = None,
        purge: int = 0,
        embargo: int = 0,
        label_end: Any = None,
        allow_future_train: bool = False,
    ) -> None:
        self.n_splits = n_splits
        self.test_size = test_size
        self.min_train_size = min_train_size
        self.max_train_size = max_train_size
        self.purge = purge
        self.embargo = embargo
        self.label_end = label_end
        self.allow_future_train = allow_future_train

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds (the ``n_splits`` parameter)."""
        return int(self.n_splits)

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (train, test) index arrays; every fold is checked before the first is yielded."""
        folds = self.folds(_num_samples(X))
        yield from folds

    def folds(self, n_samples: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """All (train, test) index pairs for ``n_samples`` samples, in time order."""
        self._check_params()
        test_size = self._test_size(n_samples)
        label_end = self._label_end(n_samples)
        first = n_samples - self.n_splits * test_size
        out = []
        for k in range(self.n_splits):
            start = first + k * test_size
            train = self._train(n_samples, start, start + test_size, label_end)
            self._check_train(train, k)
            out.append((train, np.arange(start, start + test_size, dtype=np.int64)))
        return out

    def _train(self, n: int, start: int, stop: int, label_end: np.ndarray | None) -> np.ndarray:
        """Training indices for the test fold [start, stop): window, purge, embargo, overlap."""
        mask = np.zeros(n, dtype=bool)
        past_end = max(start - self.purge, 0)
        past_start = 0 if self.max_train_size is None else max(past_end - self.max_train_size, 0)
        mask[past_start:past_end] = True
        if self.allow_future_train:
            mask[min(stop + self.embargo, n) :] = True
        if label_end is not None:
            span_end = max(stop - 1, int(label_end[start:stop].max()))
            idx = np.arange(n)
            mask &= ~((idx <= span_end) & (label_end >= start))
        return np.flatnonzero(mask).astype(np.int64)

    def _check_params(self) -> None:
        """Refuse parameters that cannot describe a split."""
        _check_int("n_splits", self.n_splits, 1)
        _check_int("purge", self.purge, 0)
        _check_int("embargo", self.embargo, 0)
        for name in ("test_size", "min_train_size", "max_train_size"):
            if getattr(self, name) is not None:
                _check_int(name, getattr(self, name), 1)
        if self.allow_future_train and self.max_train_size is not None:
            raise SplitError(
                "max_train_size (a rolling window) applies to forward walks only; "
                "leave it None when allow_future_train=True"
            )

    def _test_size(self, n: int) -> int:
        """The test fold size: given, or n // (n_splits + 1) forward, n // n_splits otherwise."""
        parts = self.n_splits if self.allow_future_train else self.n_splits + 1
        size = self.test_size if self.test_size is not None else n // parts
        if size < 1 or self.n_splits * size > n:
            raise SplitError(
                f"too few samples ({n}) for {self.n_splits} test folds"
                + (f" of {size}" if self.test_size is not None else "")
                + "; use fewer folds or more data"
            )
        return int(size)

    def _label_end(self, n: int) -> np.ndarray | None:
        """Validated ``label_end`` as int64 (one entry per sample, each >= its own index)."""
        if self.label_end is None:
            return None
        ends = np.asarray(self.label_end)
        if ends.shape != (n,):
            raise SplitError(f"label_end must have one entry per sample ({n}), got {ends.shape}")
        if not np.issubdtype(ends.dtype, np.integer) and (
            not np.all(np.isfinite(ends)) or np.any(ends != np.round(ends))
        ):
            raise SplitError("label_end must hold whole sample positions (no nan)")
        ends = ends.astype(np.int64)
        bad = np.flatnonzero(ends < np.arange(n))
        if bad.size:
            raise SplitError(
                f"label_end[{bad[0]}] = {ends[bad[0]]} is before its sample; a label ends at or "
                "after its own bar (drop unlabelled rows first)"
            )
        return ends

    def _check_train(self, train: np.ndarray, fold: int) -> None:
        """Refuse a fold whose training set is empty or below ``min_train_size``."""
        need = 1 if self.min_train_size is None else self.min_train_size
        if train.size < need:
            raise SplitError(
                f"fold {fold + 1} of {self.n_splits} has {train.size} training samples after "
                f"purging, fewer than the {need} required; use fewer folds, a smaller test size, "
                "less purge or more data"
            )

    def __repr__(self) -> str:
        parts = []
        for name in _PARAMS:
            value = getattr(self, name)
            shown = repr(value)
            if name == "label_end" and value is not None:
                shown = f"<{len(value)} label ends>"
            parts.append(f"{name}={shown}")
        return f"{type(self).__name__}({', '.join(parts)})"


def label_end_positions(bar_index: Any, end_bar: Any) -> np.ndarray:
    """Convert label end BAR indices into sample positions, for samples that are a bar subset.

    ``bar_index`` is the (increasing) bar index of each kept sample, ``end_bar`` the bar where its
    label resolves (``end_index`` of the labels). The result is the position of the last sample
    whose bar is at or before ``end_bar``, so overlap tests in sample space equal those in bars.
    """
    bars = np.asarray(bar_index, dtype=np.int64)
    ends = np.asarray(end_bar, dtype=np.int64)
    if bars.shape != ends.shape:
        raise SplitError(f"bar_index {bars.shape} and end_bar {ends.shape} differ in shape")
    if bars.size and (np.any(np.diff(bars) <= 0) or np.any(ends < bars)):
        raise SplitError("bar_index must increase and every end_bar must be >= its bar")
    return np.asarray(np.searchsorted(bars, ends, side="right") - 1, dtype=np.int64)


def _check_int(name: str, value: Any, minimum: int) -> None:
    """Refuse a parameter that is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise SplitError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _num_samples(X: Any) -> int:
    """Number of rows of an array-like (shape[0] or len)."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    return len(X)
