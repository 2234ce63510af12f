"""What has no faithful graph is refused with the list of what blocks it, never approximated."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from engine.errors import AurumError, NotExportableError
from engine.features import FIXED_WINDOW, FeatureSpec
from engine.onnx_export import features
from engine.onnx_export.build import build_onnx, onnx_blockers

FIXED = {"feature_spec": FeatureSpec().model_dump(mode="json"), "feature_window": FIXED_WINDOW,
         "timeframe": "M5"}  # fmt: skip


def test_a_supported_pipeline_has_no_blockers(small_model: Any) -> None:
    assert onnx_blockers(small_model, FIXED) == []


def test_a_version_not_trained_by_a_session_is_refused(small_model: Any) -> None:
    with pytest.raises(NotExportableError, match="not trained by a learning session") as err:
        build_onnx(small_model, {}, ref="XAUUSD-M5-scalper:v3")
    assert isinstance(err.value, AurumError)
    assert "XAUUSD-M5-scalper:v3" in str(err.value)


def test_every_blocker_is_listed(xy: Any) -> None:
    model = Pipeline([("minmax", MinMaxScaler()), ("s", StandardScaler()),
                      ("m", KNeighborsClassifier())]).fit(*xy)  # fmt: skip
    details = {**FIXED, "labels": {"unit": "pips", "take_profit": 1, "stop_loss": 1}}
    with pytest.raises(NotExportableError) as err:
        build_onnx(model, details, ref="XAUUSD-M5-scalper:v4")
    assert err.value.blockers == [
        "barrier unit 'pips'",
        "pipeline step 'minmax' (MinMaxScaler) has no graph",
        "estimator KNeighborsClassifier has no faithful graph (exported: LogisticRegression, "
        "RandomForestClassifier, ExtraTreesClassifier, HistGradientBoostingClassifier, "
        "LGBMClassifier, XGBClassifier, XGBLabelClassifier)",
    ]


def test_features_of_the_whole_history_are_refused(small_model: Any) -> None:
    """A version trained before fixed windows: each feature depends on all the history sent."""
    details = {**FIXED}
    del details["feature_window"]
    blockers = onnx_blockers(small_model, details)
    assert len(blockers) == 1 and "before fixed windows" in blockers[0]


def test_a_graph_with_an_operator_outside_metatraders_runtime_is_refused(
    small_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """onnxruntime 1.15 (MetaTrader 5 documents 1.14) has no float64 Cos: a graph needing it
    is refused, not written."""
    from engine.onnx_export import context

    def with_cos(g: Any, w: Any, spec: Any) -> dict[str, str]:
        angle = g.cast(context.last(g, w.secs), context.DOUBLE)
        return {name: g.op("Cos", angle) for name in ("tod_sin", "tod_cos", "dow_sin", "dow_cos")}

    monkeypatch.setitem(features.BUILDERS, "time", with_cos)
    details = {**FIXED, "feature_spec": FeatureSpec(groups=["returns", "time"]).model_dump()}
    x = np.random.default_rng(0).normal(size=(200, 8))
    model = Pipeline([("s", StandardScaler()), ("m", LogisticRegression())])
    model.fit(x, (x[:, 0] > 0).astype(int))
    with pytest.raises(
        NotExportableError, match=r"outside MetaTrader 5's runtime: \['ai.onnx.Cos'\]"
    ):
        build_onnx(model, details, ref="XAUUSD-M5-scalper:v5")
