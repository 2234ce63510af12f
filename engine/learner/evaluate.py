"""Walk-forward evaluation of one candidate: fit per fold, predict out of sample, trade (costs)."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.backtest import CostModel
from engine.backtest.simulate import Market, simulate_on
from engine.learner.candidates import make_pipeline, one_thread, single_threaded
from engine.learner.signals import signals_from_proba
from engine.metrics.returns import daily_return_values, sharpe_ratio
from engine.validation import WalkForwardSplit

Tick = Callable[[str], None]


@dataclass(frozen=True)
class Dataset:
    """Samples ready for learning: features and labels of usable bars, and where they sit."""

    bars: pd.DataFrame
    X: np.ndarray
    y: np.ndarray
    bar_index: np.ndarray
    label_end: np.ndarray
    feature_names: list[str]
    market: Market
    costs: CostModel
    initial_equity: float = 10_000.0  # account.initial_balance: daily returns divide by it


@dataclass(frozen=True)
class FoldResult:
    fold: int
    train_start: str
    train_end: str
    test_start: str
    test_end: str
    train_samples: int
    test_samples: int
    trades: int
    net_profit: float
    win_rate: float
    sharpe: float  # over every trading day of the fold's test window (engine.metrics)
    log_loss: float
    roc_auc: float
    accuracy: float
    brier_long: float
    fit_seconds: float


@dataclass
class CandidateResult:
    """One algorithm's out-of-sample record across all folds."""

    algorithm: str
    params: dict[str, Any]
    folds: list[FoldResult] = field(default_factory=list)
    signals: np.ndarray | None = None
    confidence: np.ndarray | None = None
    trades: pd.DataFrame | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    classification: dict[str, float] = field(default_factory=dict)
    last_fold_model: Any = None
    last_fold_test: np.ndarray | None = None
    oos_bars: np.ndarray | None = None
    seconds: float = 0.0
    error: str = ""
    label: str = ""  # how the trader sees it when the algorithm alone does not say (ensembles)
    fold_fits: list[FoldFit] = field(default_factory=list)  # kept only for ensembles to reuse
    members: list[CandidateResult] = field(default_factory=list)  # an ensemble's candidates
    baselines: list[dict[str, Any]] = field(default_factory=list)  # every no-skill baseline


def classification_scores(
    y: np.ndarray, proba: np.ndarray, classes: np.ndarray
) -> dict[str, float]:
    """Log loss, one-vs-rest ROC AUC, accuracy and the Brier score of P(long wins)."""
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

    proba = normalized(proba)
    out = {"accuracy": float(accuracy_score(y, classes[np.argmax(proba, axis=1)]))}
    try:
        out["log_loss"] = float(log_loss(y, proba, labels=classes))
    except ValueError:
        out["log_loss"] = math.nan
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out["roc_auc"] = float(roc_auc_score(y, proba, multi_class="ovr", labels=classes))
    except ValueError:
        out["roc_auc"] = math.nan
    long_col = np.flatnonzero(classes == 1)
    p_long = proba[:, long_col[0]] if long_col.size else np.zeros(len(y))
    out["brier_long"] = float(np.mean((p_long - (y == 1)) ** 2))
    return out


def normalized(proba: np.ndarray) -> np.ndarray:
    """Rows summing to exactly 1 in float64 (boosters return float32 that drift by ~1e-7)."""
    p = np.asarray(proba, dtype=float)
    return p / p.sum(axis=1, keepdims=True)


def _stamp(bars: pd.DataFrame, bar: int) -> str:
    return str(bars["time"].iloc[int(bar)].isoformat())


@dataclass
class FoldFit:
    """What fitting one candidate on one fold gives back (computed here or on a Dask worker)."""

    fold: int
    proba: np.ndarray
    classes: np.ndarray
    model: Any
    fit_seconds: float


def fit_fold(
    X: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    algorithm: str,
    params: dict[str, Any],
    *,
    fold: int,
    max_features: int,
    seed: int,
) -> FoldFit:
    """Fit a fresh pipeline on the training rows; predict the test rows. Pure: the same inputs
    give the same outputs wherever it runs, which is what lets a session fan out to Dask."""
    started = time.perf_counter()
    pipe = single_threaded(make_pipeline(algorithm, params, max_features=max_features, seed=seed))
    # One thread, as on a Dask worker (its nanny sets OMP/OPENBLAS_NUM_THREADS=1): a threaded
    # dot product sums in another order and logistic regression's probabilities then differ in
    # the last bits (measured: 1.9e-15 on the real M5 file); fits run side by side instead.
    with one_thread():
        pipe.fit(X[train], y[train])
        proba = pipe.predict_proba(X[test])
    return FoldFit(
        fold, proba, np.asarray(pipe.classes_), pipe, round(time.perf_counter() - started, 3)
    )


def evaluate_candidate(
    data: Dataset,
    splitter: WalkForwardSplit,
    algorithm: str,
    params: dict[str, Any],
    *,
    max_features: int,
    min_confidence: float,
    seed: int,
    tick: Tick,
) -> CandidateResult:
    """Fit on each training fold, predict its test fold, trade the signals with costs."""
    started = time.perf_counter()
    folds = splitter.folds(len(data.X))
    fits = []
    for k, (train, test) in enumerate(folds):
        fit = fit_fold(
            data.X, data.y, train, test, algorithm, params,
            fold=k + 1, max_features=max_features, seed=seed,
        )  # fmt: skip
        fits.append(fit)
        tick(f"{algorithm}: fold {k + 1}/{len(folds)}")
    result = assemble_candidate(data, folds, fits, algorithm, params, min_confidence=min_confidence)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def assemble_candidate(
    data: Dataset,
    folds: list[tuple[np.ndarray, np.ndarray]],
    fits: list[FoldFit],
    algorithm: str,
    params: dict[str, Any],
    *,
    min_confidence: float,
) -> CandidateResult:
    """Turn a candidate's fold fits (in fold order) into signals, trades with costs and scores."""
    result = CandidateResult(algorithm, params)
    n_bars = len(data.bars)
    all_signals = np.zeros(n_bars, dtype=np.int8)
    all_conf = np.zeros(n_bars)
    oos_y, oos_p, oos_bars = [], [], []
    for (train, test), fit in zip(folds, fits, strict=True):
        proba, classes = fit.proba, fit.classes
        sig = signals_from_proba(proba, classes, min_confidence=min_confidence)
        fold_signals = np.zeros(n_bars, dtype=np.int8)
        fold_signals[data.bar_index[test]] = sig.signal
        fold_conf = np.zeros(n_bars)
        fold_conf[data.bar_index[test]] = sig.confidence
        trades = simulate_on(data.market, fold_signals, data.costs, fold_conf)
        all_signals |= fold_signals
        all_conf += fold_conf
        scores = classification_scores(data.y[test], proba, classes)
        oos_y.append(data.y[test])
        oos_bars.append(data.bar_index[test])
        oos_p.append(aligned(proba, classes))
        net = trades["net_profit"].to_numpy(float)
        span = test_window(data, test)
        result.folds.append(
            FoldResult(
                fold=fit.fold,
                train_start=_stamp(data.bars, data.bar_index[train[0]]),
                train_end=_stamp(data.bars, data.bar_index[train[-1]]),
                test_start=_stamp(data.bars, data.bar_index[test[0]]),
                test_end=_stamp(data.bars, data.bar_index[test[-1]]),
                train_samples=len(train),
                test_samples=len(test),
                trades=len(net),
                net_profit=float(net.sum()),
                win_rate=float((net > 0).mean()) if len(net) else math.nan,
                sharpe=sharpe_ratio(
                    daily_return_values(
                        net, trades["exit_time"], initial_equity=data.initial_equity, window=span
                    )[1]
                ),
                fit_seconds=fit.fit_seconds,
                **scores,
            )
        )
        result.last_fold_model, result.last_fold_test = fit.model, test
    result.signals, result.confidence = all_signals, all_conf
    result.oos_bars = np.concatenate(oos_bars)
    result.trades = simulate_on(data.market, all_signals, data.costs, all_conf)
    full_classes = np.array([-1, 0, 1])
    result.classification = classification_scores(
        np.concatenate(oos_y), np.vstack(oos_p), full_classes
    )
    result.seconds = round(sum(f.fit_seconds for f in fits), 3)
    return result


def test_window(data: Dataset, rows: np.ndarray) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The evaluated window of test samples `rows`: their first to their last bar's time."""
    times = data.bars["time"]
    return times.iloc[int(data.bar_index[rows].min())], times.iloc[int(data.bar_index[rows].max())]


def aligned(proba: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Probabilities in the fixed column order (-1, 0, 1), zeros for a class unseen in training."""
    out = np.zeros((len(proba), 3))
    for j, label in enumerate(classes):
        out[:, int(label) + 1] = proba[:, j]
    return out
