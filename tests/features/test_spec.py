"""FeatureSpec: defaults, bounds, cross-field rules; feature names and warm-up lengths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from engine.data import generate_bars, timeframe_seconds
from engine.features import (
    GROUPS,
    FeatureSpec,
    build_features,
    feature_names,
    history_bars,
    warmup_bars,
)


def test_defaults_are_valid_and_round_trip() -> None:
    spec = FeatureSpec()
    assert spec.groups == [g for g in GROUPS if g != "regime"]  # the regime group is opt-in
    assert spec.return_lags == [1, 3, 6, 12]
    assert (spec.macd_fast, spec.macd_slow, spec.higher_timeframe) == (12, 26, "H1")
    assert FeatureSpec.model_validate(spec.model_dump()) == spec
    assert FeatureSpec.model_validate_json(spec.model_dump_json()) == spec


def test_every_field_has_a_default_and_a_description() -> None:
    for name, field in FeatureSpec.model_fields.items():
        assert not field.is_required(), name
        assert field.description and "\n" not in field.description, name


def test_numeric_fields_are_bounded() -> None:
    for name, field in FeatureSpec.model_fields.items():
        bounds = ("ge", "le", "min_length", "max_length")
        kinds = {k for m in field.metadata for k in bounds if getattr(m, k, None) is not None}
        if field.annotation in (int, float):
            assert {"ge", "le"} <= kinds, name
        elif name != "higher_timeframe":
            assert {"min_length", "max_length"} <= kinds, name


@pytest.mark.parametrize(
    "bad",
    [
        {"rsi_period": 0},
        {"rsi_period": 501},
        {"bb_std": 0.0},
        {"atr_period": -1},
        {"return_lags": []},
        {"return_lags": [0, 1]},
        {"return_lags": [3, 3]},
        {"ema_periods": [1]},
        {"vol_windows": [12, 12]},
        {"groups": []},
        {"groups": ["returns", "returns"]},
        {"groups": ["astrology"]},
        {"higher_timeframe": "D1"},
        {"range_window": 1},
    ],
)
def test_out_of_bounds_values_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as info:
        FeatureSpec.model_validate(bad)
    assert next(iter(bad)) in str(info.value)


@pytest.mark.parametrize(("fast", "slow"), [(26, 26), (30, 26)])
def test_macd_fast_must_be_shorter_than_slow(fast: int, slow: int) -> None:
    with pytest.raises(ValidationError, match="macd_fast"):
        FeatureSpec(macd_fast=fast, macd_slow=slow)


def test_assignment_is_validated() -> None:
    spec = FeatureSpec()
    with pytest.raises(ValidationError):
        spec.rsi_period = 0
    with pytest.raises(ValidationError, match="macd_fast"):
        spec.macd_fast = 40


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="rsi_len"):
        FeatureSpec.model_validate({"rsi_len": 14})


def test_default_names_and_count() -> None:
    names = feature_names(FeatureSpec(), "M5")
    assert len(names) == len(set(names)) == 37
    assert names[:4] == ["ret_1", "ret_3", "ret_6", "ret_12"]
    assert names[-4:] == ["h1_ret", "h1_rsi", "h1_close_ema", "h1_gap"]


def test_group_order_is_canonical() -> None:
    a = feature_names(FeatureSpec(groups=["time", "returns"]), "M5")
    b = feature_names(FeatureSpec(groups=["returns", "time"]), "M5")
    expected = ["ret_1", "ret_3", "ret_6", "ret_12", "tod_sin", "tod_cos", "dow_sin", "dow_cos"]
    assert a == b == expected


@pytest.mark.parametrize(
    ("timeframe", "higher", "prefix"),
    [
        ("M5", "H1", "h1_"),
        ("M1", "M15", "m15_"),
        ("H1", "H1", None),
        ("H1", "H4", "h4_"),
        ("M5", "none", None),
        ("D1", "H4", None),
    ],
)
def test_higher_group_only_when_longer(timeframe: str, higher: str, prefix: str | None) -> None:
    names = feature_names(FeatureSpec(higher_timeframe=higher), timeframe)  # type: ignore[arg-type]
    htf = [n for n in names if n.endswith("_gap")]
    assert htf == ([] if prefix is None else [f"{prefix}gap"])


SPECS = [
    FeatureSpec(),
    FeatureSpec(groups=["returns", "spread", "session"], return_lags=[2]),
    FeatureSpec(ema_periods=[5], vol_windows=[30], higher_timeframe="M15", htf_ema_period=5),
    FeatureSpec(macd_fast=3, macd_slow=60, macd_signal=20, stoch_k=5, stoch_d=7, adx_period=40),
    FeatureSpec(groups=["higher_tf"], higher_timeframe="H4", rsi_period=3, htf_ema_period=2),
    FeatureSpec(groups=["regime", "returns", "time"]),
    FeatureSpec(groups=list(GROUPS)),
]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("timeframe", ["M1", "M5", "M15"])
def test_names_match_columns_and_warmup_is_tight(spec: FeatureSpec, timeframe: str) -> None:
    n_bars = history_bars(spec, timeframe) + 500
    bars = generate_bars(start="2025-01-06", n_bars=n_bars, timeframe=timeframe, seed=5)
    step = pd.Timedelta(seconds=timeframe_seconds(timeframe))  # no breaks: every higher bar full
    bars["time"] = pd.date_range("2025-01-06", periods=n_bars, freq=step, tz="UTC")
    features = build_features(bars, spec, timeframe=timeframe)
    assert list(features.columns) == feature_names(spec, timeframe)
    assert (features.dtypes == np.float64).all()
    warmup = warmup_bars(spec, timeframe)
    assert not features.iloc[warmup:].isna().any().any()
    if warmup:  # the start is hour-aligned, so the bound is reached exactly
        assert features.iloc[warmup - 1].isna().any()
    assert np.isfinite(features.iloc[warmup:].to_numpy()).all()


def test_warmup_default_m5() -> None:
    # H1 context: the H1 RSI 14 is Wilder's average of 63 H1 moves (64 closes): 64 x 12 M5 bars
    assert history_bars(FeatureSpec(), "M5") == 768
    assert warmup_bars(FeatureSpec(), "M5") == 767
    # ADX 14: the DX from 63 bars' moves (64 bars), then averaged over 63 DX values
    assert warmup_bars(FeatureSpec(higher_timeframe="none"), "M5") == 125
    assert warmup_bars(FeatureSpec(groups=["time", "session"]), "M5") == 0
    # regime: ATR 14 (from bar 14) ranked among 288 ATR values
    assert warmup_bars(FeatureSpec(groups=["regime", "returns"]), "M5") == 14 + 288 - 1
