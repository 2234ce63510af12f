"""Per-bar barrier inputs: the array forms the signal path uses agree with the frame forms."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data.synthetic import generate_bars
from engine.features import BarArrays
from engine.labels import (
    LabelError,
    barrier_distances,
    causal_atr,
    distances_from_atr,
    spread_from_points,
    spread_prices,
)
from engine.labels.inputs import ATR_PERIOD, POINT, Unit


def test_spreads_from_points_match_the_frame_form_and_fill_bad_values() -> None:
    bars = generate_bars(n_bars=200, seed=5)
    bars["spread_points"] = bars["spread_points"].astype(object)
    bars.loc[[3, 4, 5], "spread_points"] = [None, -2, "junk"]
    points = BarArrays.from_frame(bars).spread_points
    np.testing.assert_array_equal(spread_from_points(points, 25.0), spread_prices(bars, 25.0))
    assert spread_from_points(points, 25.0)[3:6].tolist() == [25.0 * POINT] * 3
    no_column = bars.drop(columns="spread_points")
    np.testing.assert_array_equal(
        spread_from_points(np.full(len(bars), np.nan), 25.0), spread_prices(no_column, 25.0)
    )
    with pytest.raises(LabelError, match="default_spread_points"):
        spread_from_points(points, -1.0)


@pytest.mark.parametrize("unit", ["atr", "usd"])
def test_distances_from_the_atr_match_the_frame_form(unit: Unit) -> None:
    bars = generate_bars(n_bars=300, seed=6)
    atr = causal_atr(bars)
    want = barrier_distances(bars, take_profit=1.5, stop_loss=0.8, unit=unit)
    got = distances_from_atr(atr, 1.5, 0.8, unit)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    latest_atr = BarArrays.from_frame(bars).atr(ATR_PERIOD)[-1:]
    last = distances_from_atr(latest_atr, 1.5, 0.8, unit)
    assert (last[0][0], last[1][0]) == (want[0][-1], want[1][-1])
    with pytest.raises(LabelError, match="stop_loss"):
        distances_from_atr(atr, 1.5, 0.0, unit)
