"""A version fitted the desk's way (`make_pipeline`: selection, scaling, estimator) on the
features of some bars, served by the desk (`SignalModel`) and exported to ONNX, so a test can
hold the two side by side on the same windows of raw bars."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd

from engine.features import FIXED_WINDOW, GROUPS, BarArrays, FeatureSpec, build_features
from engine.learner.candidates import hyperparameters, make_pipeline
from engine.learner.ensemble import EnsembleClassifier
from engine.learner.predict import SignalModel
from engine.learner.signals import signals_from_proba
from engine.onnx_export.build import INPUT_COLUMNS, OnnxModel, build_onnx

SPEC = FeatureSpec(groups=list(GROUPS))  # every group, the opt-in regime one too
SMALL = {  # the desk's defaults, smaller so that tests stay quick
    "logistic_regression": {},
    "random_forest": {"n_estimators": 30, "n_jobs": 1},
    "hist_gradient_boosting": {"max_iter": 40},
    "lightgbm": {"n_estimators": 60, "n_jobs": 1, "verbose": -1},  # the boost extra
    "xgboost": {"n_estimators": 60, "n_jobs": 1},  # the boost extra
}
ENSEMBLES = ("soft_vote", "stacking")
DETAILS = {
    "feature_window": FIXED_WINDOW,
    "timeframe": "M5",
    "min_confidence": 0.4,
    "labels": {"take_profit": 1.5, "stop_loss": 1.0, "unit": "atr", "horizon": 12},
}
SIDES = {"BUY": 1.0, "SELL": -1.0, "HOLD": 0.0}


@dataclass
class Exported:
    """One fitted version: the desk's signal model and its ONNX file in onnxruntime."""

    algorithm: str
    bars: pd.DataFrame
    model: Any
    signals: SignalModel
    onnx: OnnxModel
    session: ort.InferenceSession

    def run(self, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """ONNX probabilities, signal rows and feature rows of the windows ending at ``ends``."""
        n = self.onnx.window_bars
        chunks = np.array_split(ends, max(1, len(ends) // 200))
        outputs = [
            self.session.run(None, {"bars": raw_windows(self.bars, chunk, n)}) for chunk in chunks
        ]
        proba, signal, features = (np.vstack([o[i] for o in outputs]) for i in range(3))
        return proba, signal, features

    def desk_rows(self, ends: np.ndarray) -> np.ndarray:
        """The desk's feature rows (its serving path) of the windows ending at ``ends``."""
        n = self.onnx.window_bars
        arrays = BarArrays.from_frame(self.bars)
        windows = (
            BarArrays(*(getattr(arrays, c)[end - n + 1 : end + 1] for c in ARRAY_FIELDS))
            for end in ends
        )
        return np.vstack([_features(self.signals, window) for window in windows])

    def desk_proba(self, ends: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The desk's probabilities (its serving path's features and predictor, unrounded),
        row by row as it serves them; ``rows``: the features, when already computed."""
        rows = self.desk_rows(ends) if rows is None else rows
        return np.vstack([self.signals._predict_proba(row[None, :]) for row in rows])

    def desk_features(self, end: int) -> np.ndarray:
        """The desk's feature row for the window ending at bar ``end``."""
        n = self.onnx.window_bars
        arrays = BarArrays.from_frame(self.bars.iloc[end - n + 1 : end + 1])
        return _features(self.signals, arrays)[0]

    def desk_sides(self, proba: np.ndarray) -> np.ndarray:
        sig = signals_from_proba(proba, self.signals.classes, min_confidence=self.signals.threshold)
        return np.asarray(sig.signal, dtype=np.float64)


ARRAY_FIELDS = ("open", "high", "low", "close", "spread_points", "secs")


def _features(signals: SignalModel, window: BarArrays) -> np.ndarray:
    from engine.features import latest_features

    return latest_features(window, signals.spec, timeframe=signals.timeframe, plan=signals.plan)


def raw_windows(bars: pd.DataFrame, ends: np.ndarray, n: int) -> np.ndarray:
    """[len(ends), n, 7] float64 windows in `INPUT_COLUMNS` order (missing spread: NaN)."""
    arrays = BarArrays.from_frame(bars)
    volume = bars["tick_volume"].to_numpy(dtype=np.float64, na_value=np.nan)
    columns = {"time": arrays.secs.astype(np.float64), "open": arrays.open, "high": arrays.high,
               "low": arrays.low, "close": arrays.close, "tick_volume": volume,
               "spread": arrays.spread_points}  # fmt: skip
    table = np.column_stack([columns[c] for c in INPUT_COLUMNS])
    return np.stack([table[end - n + 1 : end + 1] for end in ends])


def _fitted(algorithm: str, x: np.ndarray, y: np.ndarray) -> Any:
    """The desk's pipeline for `algorithm`, or an ensemble (`soft_vote`, `stacking`) of logistic
    regression and histogram gradient boosting, as a learning session builds them."""
    if algorithm not in ENSEMBLES:
        params = hyperparameters(algorithm, SMALL[algorithm], seed=0)
        return make_pipeline(algorithm, params, max_features=20, seed=0).fit(x, y)
    members = [
        make_pipeline(a, hyperparameters(a, SMALL[a], seed=0), max_features=20, seed=0)
        for a in ("logistic_regression", "hist_gradient_boosting")
    ]
    if algorithm == "soft_vote":
        return EnsembleClassifier(members, "soft_vote").fit(x, y)
    half = len(x) // 2  # stacking's meta-model on the members' out-of-sample probabilities
    early = EnsembleClassifier(members, "soft_vote").fit(x[:half], y[:half])
    oof = early.member_proba(x[half:])
    return EnsembleClassifier(members, "stacking").fit(x, y, oof_proba=oof, oof_y=y[half:])


def export(bars: pd.DataFrame, algorithm: str, *, fit_rows: int = 3_000) -> Exported:
    """Fit `algorithm` on the first ``fit_rows`` defined rows of ``bars`` and export it."""
    bars = bars.reset_index(drop=True)
    x = build_features(bars, SPEC, timeframe="M5").to_numpy()
    ahead = np.sign(np.diff(bars["close"].to_numpy(), n=3, append=[np.nan] * 3))
    rows = np.flatnonzero(np.isfinite(x).all(axis=1) & np.isfinite(ahead))[:fit_rows]
    model = _fitted(algorithm, x[rows], ahead[rows].astype(int))
    details = {**DETAILS, "feature_spec": SPEC.model_dump(mode="json")}
    info = SimpleNamespace(
        id=1, ref="XAUUSD-M5-scalper:v1", timeframe="M5", details=details, is_demo=False,
        data_origin="imported", trained_on=None,
    )  # fmt: skip
    exported = build_onnx(model, details, ref=info.ref)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(exported.data, options, providers=["CPUExecutionProvider"])
    return Exported(algorithm, bars, model, SignalModel(model, info), exported, session)
