"""The regime trigger: fires once when the regime changes, names the old and new regime."""

from __future__ import annotations

import pytest

from engine.data.store import upsert_bars
from engine.scheduler.evaluate import evaluate_cycle
from engine.services import Desk
from engine.triggers import RegimeChange, regime_trigger
from tests.regimes.constructed import CALM_AT, calm_then_violent

LOW_TREND = "low vol · range"


@pytest.mark.parametrize(
    ("previous", "current", "fired", "reason"),
    [
        (None, LOW_TREND, False, f"regime now {LOW_TREND} (first check)"),
        (LOW_TREND, LOW_TREND, False, f"regime unchanged: {LOW_TREND}"),
        (LOW_TREND, None, False, "not enough bars for a regime yet"),
        (LOW_TREND, "high vol · up", True, f"regime changed from {LOW_TREND} to high vol · up"),
    ],
)
def test_regime_trigger_fires_only_on_a_change(
    previous: str | None, current: str | None, fired: bool, reason: str
) -> None:
    result = regime_trigger(previous, current)
    assert (result.name, result.fired, result.reason) == ("regime", fired, reason)
    assert (result.old, result.new) == (previous, current)
    assert result.as_dict()["new"] == current


def _store(desk: Desk, bars: object) -> None:
    with desk.db.session(write=True) as s:
        upsert_bars(s, bars, symbol="XAUUSD", timeframe="M5")


def _regime(desk: Desk) -> RegimeChange:
    result = evaluate_cycle(desk)
    check = next(t for t in result.triggers if t.name == "regime")
    assert isinstance(check, RegimeChange)
    return check


def test_the_evaluate_cycle_fires_once_when_the_stored_bars_change_regime(desk: Desk) -> None:
    for key, value in [
        ("regimes.trigger", "true"),
        ("regimes.atr_period", "5"),
        ("regimes.vol_lookback", "100"),
        ("regimes.trend_window", "20"),
    ]:
        desk.set_config(key, value, actor="test")
    bars = calm_then_violent()
    _store(desk, bars.iloc[:CALM_AT])  # equal swings only
    first = _regime(desk)
    assert (first.fired, first.old, first.new) == (False, None, "normal vol · range")
    assert not _regime(desk).fired  # no new bar: unchanged
    _store(desk, bars.iloc[CALM_AT:])  # the calm, then the violent bars arrive
    change = _regime(desk)
    assert change.fired and change.old == "normal vol · range"
    assert change.new is not None and change.new.startswith("high vol")
    assert change.reason == f"regime changed from normal vol · range to {change.new}"
    again = _regime(desk)
    assert (again.fired, again.old, again.new) == (False, change.new, change.new)


def test_the_regime_trigger_is_off_by_default(desk: Desk) -> None:
    assert desk.config().regimes.trigger is False
    _store(desk, calm_then_violent())
    assert all(t.name != "regime" for t in evaluate_cycle(desk).triggers)
