"""Why a version says what it says: attributions for its latest signals (built exactly as serving
builds them), partial dependence of its top features, and its out-of-sample permutation
importance — computed once per version and bars, then read from the JSON cache."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import AurumError
from engine.explain.attribution import attributions
from engine.explain.cache import cache_path, read_cached, write_cached
from engine.explain.dependence import DependenceCurve, dependence_curves
from engine.features import (
    BarArrays,
    build_features,
    feature_names,
    latest_features,
    stored_spec,
)
from engine.learner.predict import SignalModel, serving_window

LATEST_SIGNALS = 30
DEPENDENCE_ROWS = 400
TOP_FEATURES = 3
FORMAT = 1  # bump when the cached shape changes: older caches are then recomputed


@dataclass(frozen=True)
class SignalExplanation:
    """One bar's signal and the features that pushed it, toward `explained` ("long"/"short")."""

    bar_time: str
    side: str
    p_long: float
    p_short: float
    explained: str
    base: float
    output: float
    contributions: dict[str, float]  # largest |value| first
    values: dict[str, float]  # the features' raw values on that bar


@dataclass(frozen=True)
class Explanation:
    """A version's explanation for the bars ending at `last_bar`."""

    version_id: int
    version_ref: str
    algorithm: str
    bars_key: str
    last_bar: str
    computed_at: str
    method: str  # "shap-tree", "linear" or "none"
    output: str  # units of the attributions
    note: str
    signals: list[SignalExplanation] = field(default_factory=list)
    dependence: list[DependenceCurve] = field(default_factory=list)
    importances: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Explanation:
        fields = {k: v for k, v in data.items() if k != "format"}
        fields["signals"] = [SignalExplanation(**s) for s in data["signals"]]
        fields["dependence"] = [DependenceCurve(**d) for d in data["dependence"]]
        return cls(**fields)


def check_explainable(info: Any) -> Any:
    """`info`, if it has what an explanation needs (a learning session's record, a model file)."""
    if "feature_spec" not in (info.details or {}):
        raise AurumError(f"{info.ref} was not trained by a learning session; nothing to explain")
    if not info.artifact_path:
        raise AurumError(
            f"{info.ref} has no model file (status {info.status}: cleaned up); nothing to explain"
        )
    return info


def bars_needed(info: Any) -> int:
    """How many of the newest bars an explanation of `info` reads."""
    spec = stored_spec(info.details)
    _, window = serving_window(spec, info.details.get("timeframe", info.timeframe))
    return window + max(LATEST_SIGNALS, DEPENDENCE_ROWS)


def bars_key(bars: pd.DataFrame) -> str:
    """A digest of the bars' times and prices: new or corrected bars give another key."""
    arrays = BarArrays.from_frame(bars)
    digest = hashlib.sha256()
    for values in (arrays.secs, arrays.open, arrays.high, arrays.low, arrays.close):
        digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()[:16]


def explanation(
    info: Any, bars: pd.DataFrame, artifacts_dir: Path, load_model: Callable[[], Any]
) -> Explanation:
    """The cached explanation of `info` for `bars`, or computed (loading the model) and cached."""
    check_explainable(info)
    key = bars_key(bars)
    path = cache_path(artifacts_dir, info.artifact_path, info.id, key)
    cached = read_cached(path)
    if cached is not None and cached.get("format") == FORMAT:
        return Explanation.from_dict(cached)
    result = compute_explanation(load_model(), info, bars, key)
    write_cached(path, {"format": FORMAT, **asdict(result)})
    return result


def compute_explanation(model: Any, info: Any, bars: pd.DataFrame, key: str) -> Explanation:
    """Attributions of the latest signals and partial dependence of the top features."""
    serving = SignalModel(model, info)
    if len(bars) < serving.window + LATEST_SIGNALS - 1:
        raise AurumError(
            f"{len(bars)} {serving.timeframe} bars stored; explaining {info.ref}'s latest "
            f"{LATEST_SIGNALS} signals needs {serving.window + LATEST_SIGNALS - 1}"
        )
    names = list(info.features) or feature_names(serving.spec, serving.timeframe)
    times, sides, rows = latest_rows(serving, bars)
    attr = attributions(model, names, rows)
    proba = np.vstack([[s.p_long, s.p_short] for s in sides])
    signals = [
        _signal(i, times[i], sides[i], rows[i], names, attr, proba[i]) for i in range(len(rows))
    ]
    top = top_features(info, attr, names)
    recent = recent_features(serving, bars)
    return Explanation(
        version_id=info.id,
        version_ref=info.ref,
        algorithm=info.algorithm,
        bars_key=key,
        last_bar=times[-1],
        computed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        method=attr.method,
        output=attr.output,
        note=attr.note,
        signals=signals,
        dependence=dependence_curves(model, recent, names, top),
        importances=dict(info.details.get("importances") or {}),
    )


def latest_rows(
    serving: SignalModel, bars: pd.DataFrame
) -> tuple[list[str], list[Any], np.ndarray]:
    """The last bars' signals and feature rows, each from exactly the bars serving would use."""
    times, sides, rows = [], [], []
    for end in range(len(bars) - LATEST_SIGNALS + 1, len(bars) + 1):
        arrays = BarArrays.from_frame(bars.iloc[:end], last=serving.window)
        row = latest_features(arrays, serving.spec, timeframe=serving.timeframe)
        if not np.isfinite(row).all():
            continue  # serving gives no signal on such a bar either
        signal = serving.signal(arrays)
        times.append(signal.bar_time.isoformat())
        sides.append(signal)
        rows.append(row[0])
    if not rows:
        raise AurumError("the latest bars' features are undefined (gaps or bad bars)")
    return times, sides, np.vstack(rows)


def recent_features(serving: SignalModel, bars: pd.DataFrame) -> np.ndarray:
    """The recent bars' defined feature rows, the background of the partial dependence."""
    frame = build_features(bars.reset_index(drop=True), serving.spec, timeframe=serving.timeframe)
    values = frame.to_numpy(float)
    return values[np.isfinite(values).all(axis=1)][-DEPENDENCE_ROWS:]


def top_features(info: Any, attr: Any, names: list[str]) -> list[str]:
    """The model's inputs with the largest out-of-sample importance (mean |attribution| when
    the session recorded none)."""
    inputs = set(attr.features)
    ranked = [
        n for n, v in (info.details.get("importances") or {}).items() if n in inputs and v > 0
    ]
    if not ranked and attr.values:
        strength = sum(np.abs(v).mean(axis=0) for v in attr.values.values())
        ranked = [attr.features[j] for j in np.argsort(-strength)]
    return (ranked or [n for n in names if n in inputs])[:TOP_FEATURES]


def _signal(
    i: int, time: str, sig: Any, row: np.ndarray, names: list[str], attr: Any, proba: np.ndarray
) -> SignalExplanation:
    explained = "long" if sig.side == "BUY" else "short" if sig.side == "SELL" else None
    if explained is None:  # HOLD: what pushed the likelier of the two trades
        explained = "long" if proba[0] >= proba[1] else "short"
    contributions: dict[str, float] = {}
    base = output = float("nan")
    if explained in attr.values:
        values = attr.values[explained][i]
        order = np.argsort(-np.abs(values))
        contributions = {attr.features[j]: round(float(values[j]), 6) for j in order}
        base = round(attr.base[explained], 6)
        output = round(base + float(values.sum()), 6)
    return SignalExplanation(
        bar_time=time,
        side=sig.side,
        p_long=sig.p_long,
        p_short=sig.p_short,
        explained=explained,
        base=base,
        output=output,
        contributions=contributions,
        values={n: round(float(row[names.index(n)]), 6) for n in attr.features},
    )


def explain_last_bar(model: Any, info: Any, bars: pd.DataFrame) -> Explanation:
    """The signal of the last of `bars` and the features that pushed it, exactly as serving
    builds that signal (the bars before it: at least the version's serving window), as an
    `Explanation` with that one signal. Used for the signal bar of a trade; cheap (one row,
    no partial dependence), so it is not cached on disk."""
    serving = SignalModel(model, info)
    arrays = BarArrays.from_frame(bars, last=serving.window)
    row = latest_features(arrays, serving.spec, timeframe=serving.timeframe)
    if not np.isfinite(row).all():
        raise AurumError("the signal bar's features are undefined (gaps or bad bars)")
    signal = serving.signal(arrays)
    names = list(info.features) or feature_names(serving.spec, serving.timeframe)
    attr = attributions(model, names, row)
    proba = np.array([signal.p_long, signal.p_short])
    when = signal.bar_time.isoformat()
    return Explanation(
        version_id=info.id,
        version_ref=info.ref,
        algorithm=info.algorithm,
        bars_key=bars_key(bars.iloc[-serving.window :]),
        last_bar=when,
        computed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        method=attr.method,
        output=attr.output,
        note=attr.note,
        signals=[_signal(0, when, signal, row[0], names, attr, proba)],
    )
