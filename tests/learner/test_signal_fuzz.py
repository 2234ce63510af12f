"""The signal call on malformed bar frames: only the engine's own errors, with a message."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import AurumError

BREAKS = [
    "drop_column",
    "nan_prices",
    "inf_prices",
    "negative",
    "shuffle",
    "naive_time",
    "strings",
    "empty",
    "short",
    "duplicate_times",
]


def broken(bars: pd.DataFrame, how: str, rng: np.random.Generator) -> pd.DataFrame:
    frame = bars.copy()
    k = int(rng.integers(0, len(frame)))
    if how == "drop_column":
        return frame.drop(columns=[str(rng.choice(["close", "high", "time", "low"]))])
    if how == "nan_prices":
        frame.loc[k:, "close"] = np.nan
    elif how == "inf_prices":
        frame.loc[k, "high"] = np.inf
    elif how == "negative":
        frame.loc[k:, ["open", "high", "low", "close"]] = -1.0
    elif how == "shuffle":
        frame = frame.sample(frac=1.0, random_state=int(k)).reset_index(drop=True)
    elif how == "naive_time":
        frame["time"] = frame["time"].dt.tz_localize(None)
    elif how == "strings":
        frame["close"] = frame["close"].astype(str) + "x"
    elif how == "empty":
        frame = frame.iloc[0:0]
    elif how == "short":
        frame = frame.tail(int(rng.integers(1, 50)))
    elif how == "duplicate_times":
        frame.loc[k:, "time"] = frame["time"].iloc[0]
    return frame


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(how=st.sampled_from(BREAKS), seed=st.integers(0, 10_000))
def test_malformed_bars_give_engine_errors_only(trained: Any, how: str, seed: int):
    desk, _ = trained
    bars = desk.bars("XAUUSD", "M5", last=800)  # the fixed window is 768 bars
    frame = broken(bars, how, np.random.default_rng(seed))
    try:
        signal = desk.signal(frame)
    except AurumError as err:
        assert str(err)
    else:  # e.g. a NaN far in the past that the latest bar's features never look at
        assert signal.side in {"BUY", "SELL", "HOLD"}
