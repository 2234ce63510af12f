"""Volatility states from a Gaussian mixture fitted only on past bars (``regimes.detector: gmm``).

For every UTC day, a three-component Gaussian mixture is fitted on the log of the normalized ATR
(ATR / close) of the ``gmm_train_bars`` bars before that day's first bar, and each bar of the day
takes the component it most likely belongs to, ordered by mean: low, normal, high. Unlike the
rule-based percentile (relative to the last day), the states are relative to the last
``gmm_train_bars`` bars (ten M5 days by default): a market that stays violent all day stays
*high*. Nothing a day's states depend on comes from that day or later: the mixture is fitted on
earlier bars, and a bar's own ATR ends at that bar. The mixture is fitted by expectation-
maximisation from a fixed start (`fit_mixture`), so the same bars give the same states.
"""

from __future__ import annotations

import numpy as np

from engine.regimes.settings import RegimeSettings

COMPONENTS = 3
SECONDS_PER_DAY = 86_400
MAX_ITER = 100
TOL = 1e-3  # change in mean log-likelihood per point that ends EM (as scikit-learn)
REG_VAR = 1e-6


def log_natr(atr: np.ndarray, close: np.ndarray) -> np.ndarray:
    """log(ATR / close); NaN where the ATR is undefined or not positive."""
    out = np.full_like(atr, np.nan)
    ok = np.isfinite(atr) & (atr > 0) & (close > 0)
    out[ok] = np.log(atr[ok] / close[ok])
    return out


def mixture_volatility(
    atr: np.ndarray, close: np.ndarray, secs: np.ndarray, settings: RegimeSettings
) -> np.ndarray:
    """Per bar: -1 (low), 0 (normal) or 1 (high), NaN where the day's mixture could not be fitted
    (fewer than ``gmm_train_bars`` defined bars before the day) or the bar's ATR is undefined."""
    x = log_natr(atr, close)
    states = np.full_like(x, np.nan)
    days = np.asarray(secs, dtype=np.int64) // SECONDS_PER_DAY
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    ends = np.r_[starts[1:], len(x)]
    train = settings.gmm_train_bars
    for a, b in zip(starts, ends, strict=True):
        past = x[a - train : a] if a >= train else np.empty(0)
        today = x[a:b]
        defined = np.isfinite(today)
        if len(past) < train or not np.isfinite(past).all() or not defined.any():
            continue
        means, variances, weights = fit_mixture(past)
        code = np.empty(COMPONENTS)
        code[np.argsort(means)] = (-1.0, 0.0, 1.0)
        component = np.argmax(_log_joint(today[defined], means, variances, weights), axis=0)
        day_states = np.full_like(today, np.nan)
        day_states[defined] = code[component]
        states[a:b] = day_states
    return states


def _log_joint(
    x: np.ndarray, means: np.ndarray, variances: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """log(weight_k) + log N(x | mean_k, variance_k): (components, points)."""
    diff = x[None, :] - means[:, None]
    return (
        np.log(weights)[:, None]
        - 0.5 * np.log(2 * np.pi * variances)[:, None]
        - 0.5 * diff**2 / variances[:, None]
    )


def fit_mixture(
    x: np.ndarray, *, max_iter: int = MAX_ITER, tol: float = TOL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A one-dimensional three-component Gaussian mixture of `x` by EM: means, variances and
    weights. Deterministic: the components start at the 1/6, 1/2 and 5/6 quantiles with equal
    weights and a ninth of the variance of `x`; variances get ``REG_VAR`` added (scikit-learn's
    reg_covar). Stops when the mean log-likelihood moves by less than ``tol``."""
    means = np.quantile(x, [1 / 6, 1 / 2, 5 / 6])
    variances = np.full(COMPONENTS, x.var() / 9 + REG_VAR)
    weights = np.full(COMPONENTS, 1 / COMPONENTS)
    previous = -np.inf
    for _ in range(max_iter):
        joint = _log_joint(x, means, variances, weights)
        top = joint.max(axis=0)
        log_norm = top + np.log(np.exp(joint - top).sum(axis=0))
        resp = np.exp(joint - log_norm)  # (components, points)
        mass = resp.sum(axis=1) + 10 * np.finfo(float).eps
        weights = mass / len(x)
        means = resp @ x / mass
        variances = (resp * (x[None, :] - means[:, None]) ** 2).sum(axis=1) / mass + REG_VAR
        likelihood = float(log_norm.mean())
        if abs(likelihood - previous) < tol:
            break
        previous = likelihood
    return means, variances, weights
