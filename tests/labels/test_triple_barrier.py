"""Triple-barrier labels on hand-built bars: every outcome checked against a hand calculation.

Spread 20 points = $0.20, barriers $1: a long entered at open 100 buys at 100.20 and has its
take-profit at bid 101.20 and its stop at bid 99.20; a short sells at 100 and has its take-profit
at ask 99 (bid low <= 98.80) and its stop at ask 101 (bid high >= 100.80).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from engine.data.synthetic import generate_bars
from engine.labels import LABEL_COLUMNS, LabelError, labelled_mask, triple_barrier_labels
from tests.labels.bars import flat, make_bars

USD = {"take_profit": 1.0, "stop_loss": 1.0, "unit": "usd"}


def labels(rows: list[tuple[float, float, float, float]], horizon: int = 4, **kw: object):
    """Label hand-built bars (spread 20 points unless given) with $1 barriers by default."""
    spread = kw.pop("spread_points", 20)
    params = {**USD, **kw}
    return triple_barrier_labels(make_bars(rows, spread), horizon=horizon, **params)  # type: ignore[arg-type]


def test_long_take_profit_at_t_plus_3() -> None:
    rows = [
        (100.0, 100.05, 99.95, 100.0),  # t = 0
        (100.0, 100.5, 99.8, 100.3),  # entry bar
        (100.3, 100.7, 100.0, 100.6),  # short stop needs high >= 100.80: not yet
        (100.6, 101.3, 100.5, 101.1),  # long TP (101.20) and short stop, bar t+3
        *flat(3, 101.1),
    ]
    out = labels(rows).iloc[0]
    assert out["label"] == 1
    assert out["long_return"] == pytest.approx(1.0)
    assert out["short_return"] == pytest.approx(-1.0)
    assert out["entry_index"] == 1
    assert out["end_index"] == 3
    assert out["end_time"] == pd.Timestamp("2025-01-06 00:15", tz="UTC")


def test_stop_hit_before_take_profit() -> None:
    rows = [*flat(1), (100.0, 100.3, 99.1, 99.5), (99.5, 101.5, 99.4, 101.4), *flat(3, 101.4)]
    out = labels(rows).iloc[0]
    assert out["long_return"] == pytest.approx(99.2 - 100.2)  # stopped at bar 1
    assert out["short_return"] == pytest.approx(100.0 - 101.0)  # short stopped at bar 2
    assert out["label"] == 0
    assert out["end_index"] == 2


def test_both_barriers_in_one_bar_assume_the_stop() -> None:
    rows = [*flat(1), (100.0, 101.5, 99.1, 100.0), *flat(4)]
    out = labels(rows).iloc[0]
    assert out["long_return"] == pytest.approx(-1.0)
    assert out["short_return"] == pytest.approx(-1.0)
    assert out["label"] == 0
    assert out["end_index"] == 1


def test_time_barrier_exits_at_close_of_last_bar() -> None:
    rows = [*flat(1), *flat(2), (100.0, 100.4, 99.9, 100.37), *flat(3, 100.37)]
    out = labels(rows, horizon=3).iloc[0]
    assert out["label"] == 0
    assert out["end_index"] == 3  # e + H - 1 = 1 + 3 - 1
    assert out["long_return"] == pytest.approx(100.37 - 100.2)  # sold at the bid close
    assert out["short_return"] == pytest.approx(100.0 - (100.37 + 0.2))  # bought at the ask


def test_short_side_mirrored() -> None:
    rows = [
        *flat(1),
        (100.0, 100.2, 99.3, 99.5),  # long stop 99.20 not hit; short TP needs low <= 98.80
        (99.5, 99.6, 98.7, 98.9),  # short TP (ask low 98.90) and long stop, bar t+2
        *flat(3, 98.9),
    ]
    out = labels(rows).iloc[0]
    assert out["label"] == -1
    assert out["short_return"] == pytest.approx(1.0)
    assert out["long_return"] == pytest.approx(-1.0)
    assert out["end_index"] == 2


def test_spread_turns_a_marginal_take_profit_into_a_miss() -> None:
    rows = [*flat(1), (100.0, 101.05, 99.95, 101.0), *flat(4, 101.0)]
    without = labels(rows, horizon=2, spread_points=0).iloc[0]
    assert without["label"] == 1  # bid reaches 101.00 = entry + $1
    with_spread = labels(rows, horizon=2, spread_points=20).iloc[0]
    assert with_spread["label"] == 0  # needs bid 101.20
    assert with_spread["long_return"] == pytest.approx(101.0 - 100.2)


def test_entry_bar_spread_and_default_when_missing() -> None:
    rows = [*flat(1), (100.0, 101.25, 99.95, 101.2), *flat(4, 101.2)]
    assert labels(rows, horizon=2, spread_points=[0, 30, 0, 0, 0, 0]).iloc[0]["label"] == 0
    assert labels(rows, horizon=2, spread_points=[0, 20, 0, 0, 0, 0]).iloc[0]["label"] == 1
    missing = labels(rows, horizon=2, spread_points=[0, None, 0, 0, 0, 0], default_spread_points=30)
    assert missing.iloc[0]["label"] == 0


def test_both_sides_win_the_first_to_resolve_counts_ties_are_zero() -> None:
    wide = {"take_profit": 1.0, "stop_loss": 3.0}
    rows = [*flat(1), (100.0, 100.1, 98.7, 99.0), (99.0, 101.3, 98.9, 101.0), *flat(3, 101.0)]
    out = labels(rows, **wide).iloc[0]
    assert out["long_return"] == pytest.approx(1.0)
    assert out["short_return"] == pytest.approx(1.0)
    assert out["label"] == -1  # the short resolved at bar 1, the long at bar 2
    assert out["end_index"] == 2
    tie = [*flat(1), (100.0, 101.3, 98.7, 100.0), *flat(4)]
    assert labels(tie, **wide).iloc[0]["label"] == 0


def test_stop_gapped_through_fills_at_the_open() -> None:
    rows = [*flat(1), (100.0, 100.1, 99.6, 99.7), (98.5, 98.6, 98.0, 98.2), *flat(3, 98.2)]
    out = labels(rows).iloc[0]
    assert out["long_return"] == pytest.approx(98.5 - 100.2)  # worse than the 99.20 stop


def test_last_horizon_bars_are_unlabelled() -> None:
    out = labels(flat(10), horizon=4)
    mask = labelled_mask(out)
    assert mask.tolist() == [True] * 6 + [False] * 4  # t <= n - 1 - H
    assert (out.loc[~mask, "end_index"] == -1).all()
    assert out.loc[~mask, "end_time"].isna().all()
    assert out.loc[mask, "end_index"].tolist() == [t + 4 for t in range(6)]
    assert list(out.columns) == list(LABEL_COLUMNS)


def test_atr_unit_scales_barriers_and_missing_atr_is_unlabelled() -> None:
    rows = [*flat(1), (100.0, 100.5, 99.8, 100.3), (100.3, 100.8, 100.0, 100.6), *flat(4, 100.6)]
    bars = make_bars(rows)
    atr = np.full(len(bars), 0.5)
    atr[1] = np.nan
    out = triple_barrier_labels(bars, take_profit=1.0, stop_loss=2.0, horizon=3, atr=atr)
    assert out.loc[0, "label"] == 1  # TP at bid 100.20 + 0.50
    assert out.loc[0, "long_return"] == pytest.approx(0.5)
    assert np.isnan(out.loc[1, "label"])


def test_default_atr_is_causal() -> None:
    bars = generate_bars(start="2025-01-06", n_bars=400, seed=3)
    full = triple_barrier_labels(bars, take_profit=1.5, stop_loss=1.0, horizon=6)
    assert full["label"].iloc[:14].isna().all()  # ATR(14) warm-up
    cut = triple_barrier_labels(bars.iloc[:300], take_profit=1.5, stop_loss=1.0, horizon=6)
    pd.testing.assert_frame_equal(cut.iloc[:290], full.iloc[:290])


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"take_profit": 0.0}, "take_profit"),
        ({"stop_loss": -1.0}, "stop_loss"),
        ({"horizon": 0}, "horizon"),
        ({"unit": "pips"}, "unit"),
        ({"unit": "atr", "atr": np.ones(3)}, "atr"),
    ],
)
def test_bad_arguments_are_refused(kw: dict[str, object], match: str) -> None:
    params: dict[str, object] = {**USD, "horizon": 3, **kw}
    with pytest.raises(LabelError, match=match):
        triple_barrier_labels(make_bars(flat(5)), **params)  # type: ignore[arg-type]


def test_sixty_thousand_bars_take_milliseconds() -> None:
    bars = generate_bars(start="2025-01-06", n_bars=60_000, seed=5)
    atr = np.full(len(bars), 1.0)
    start = time.perf_counter()
    out = triple_barrier_labels(bars, take_profit=1.5, stop_loss=1.0, horizon=12, atr=atr)
    assert time.perf_counter() - start < 1.0
    assert labelled_mask(out).sum() == len(bars) - 12
