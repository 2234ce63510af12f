"""From class probabilities to BUY / SELL / HOLD with configurable confidence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BUY, SELL, HOLD = 1, -1, 0


@dataclass(frozen=True)
class SignalArrays:
    signal: np.ndarray
    confidence: np.ndarray
    p_long: np.ndarray
    p_short: np.ndarray


def class_column(classes: np.ndarray, label: int) -> int | None:
    matches = np.flatnonzero(np.asarray(classes) == label)
    return int(matches[0]) if matches.size else None


def signals_from_proba(
    proba: np.ndarray, classes: np.ndarray, *, min_confidence: float
) -> SignalArrays:
    """BUY when P(long wins) ≥ threshold and beats P(short wins); SELL mirrored; else HOLD."""
    n = len(proba)
    long_col, short_col = class_column(classes, BUY), class_column(classes, SELL)
    p_long = proba[:, long_col] if long_col is not None else np.zeros(n)
    p_short = proba[:, short_col] if short_col is not None else np.zeros(n)
    signal = np.zeros(n, dtype=np.int8)
    signal[(p_long >= min_confidence) & (p_long > p_short)] = BUY
    signal[(p_short >= min_confidence) & (p_short > p_long)] = SELL
    confidence = np.where(signal == BUY, p_long, np.where(signal == SELL, p_short, 0.0))
    return SignalArrays(signal, confidence, p_long, p_short)
