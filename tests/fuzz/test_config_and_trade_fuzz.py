"""`config set` with random keys and out-of-range values, and trade logging with random dicts:
only the engine's own errors come out, each naming what was wrong, and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.config.schema import Phase3Config
from engine.config.store import flatten
from engine.errors import ConfigError, PermissionDeniedError, TradeError
from engine.ledger import TradeInput, parse_trade
from engine.services import Desk

KEYS = sorted(flatten(Phase3Config().model_dump(mode="json")))
RUNS = {"config set": 0, "config refused": 0, "trades": 0}
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

raw_values = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "true", "null", "[]", "{}", '"x"', ""]),
    st.text(max_size=12),
    st.lists(st.integers(-5, 5000), max_size=4).map(json.dumps),
)


@SETTINGS
@given(
    key=st.one_of(
        st.sampled_from(KEYS),
        st.sampled_from(["bogus", "learning.bogus", "learning", "a..b", ".", "learning."]),
    ),
    value=raw_values,
)
def test_config_set_takes_valid_values_and_refuses_the_rest_naming_the_key(
    desk: Desk, key: str, value: str
):
    RUNS["config set"] += 1
    path = desk.paths.config_file
    before_file, before_history = path.read_bytes(), len(desk.config_history())
    try:
        change = desk.set_config(key, value, actor="fuzz")
    except ConfigError as err:
        RUNS["config refused"] += 1
        message = str(err)
        leaf = key.split(".")[-1] or key
        assert leaf in message or key in message or "key" in message, message
        assert path.read_bytes() == before_file  # the file on disk is untouched
        assert len(desk.config_history()) == before_history
    else:
        stored = json.loads(path.read_text(encoding="utf-8"))
        Phase3Config.model_validate(stored)  # what was saved is valid as a whole
        assert len(desk.config_history()) == before_history + (1 if change else 0)
        if change:  # put it back for the next example (function-scoped fixtures are shared)
            desk.revert_config(change.id, actor="fuzz")


trade_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=70),
    st.sampled_from(["buy", "SELL", "2025-01-02T10:00:00", "2025-13-40", "nan", "-1"]),
    st.lists(st.integers(), max_size=2),
)


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from([*TradeInput.model_fields, "colour"]),
        trade_values,
        max_size=15,
    )
)
def test_random_trades_are_logged_whole_or_refused_with_the_field(desk: Desk, data: dict[str, Any]):
    RUNS["trades"] += 1
    before = desk.counts()["trades"]
    try:
        logged = desk.log_trade(data)
    except TradeError as err:
        named = [f for f in (*TradeInput.model_fields, "colour") if f in str(err)]
        assert str(err).startswith("trade refused") and named, str(err)
        assert desk.counts()["trades"] == before
    except PermissionDeniedError:  # never: the default desk acts as an operator
        raise
    else:  # a dict that happens to be a valid trade is stored exactly once
        assert logged.ticket == str(data["ticket"]).strip()
        assert desk.counts()["trades"] in (before, before + 1)


RUNS["bounds"] = RUNS["bounds refused"] = 0
NUMBER_FIELDS = {  # field: (lowest allowed, highest allowed, lowest excluded)
    "version_id": (1, 2**31 - 1, False),
    "open_price": (0, 1e9, True),
    "close_price": (0, 1e9, True),
    "volume": (0, 1000, True),
    "profit": (-1e9, 1e9, False),
    "commission": (-1e9, 1e9, False),
    "swap": (-1e9, 1e9, False),
    "confidence": (0, 1, False),
}
EPOCH_2000, LAST_SECOND = 946_684_800, 253_402_300_799


def _around(low: float, high: float) -> st.SearchStrategy[Any]:
    """Values at, just inside and just past a range's ends, and far beyond them."""
    edges = [low, high, low - 1, high + 1, low - 1e-7, high + 1e-3, (low + high) / 2]
    far = [2**70, -(2**70), 2**63, 2**31, 10**300, 1e308, -1e308]
    return st.one_of(
        st.sampled_from(edges + far),
        st.integers(-(2**80), 2**80),
        st.floats(allow_nan=False, allow_infinity=False),
    )


def _base_trade() -> dict[str, Any]:
    return {
        "ticket": "b1",
        "side": "buy",
        "open_time": "2025-02-04T10:00:00Z",
        "close_time": "2025-02-04T10:25:00Z",
        "volume": 0.1,
        "profit": 1.0,
    }


@SETTINGS
@given(data=st.data())
def test_every_number_and_time_of_a_trade_is_bounded(data: Any):
    """The bounds of issue 16: each number is refused past its range naming the field; a time
    is ISO 8601 or UNIX seconds (numbers never read as milliseconds), refused before 2000."""
    RUNS["bounds"] += 1
    field = data.draw(st.sampled_from([*NUMBER_FIELDS, "open_time"]))
    trade = _base_trade()
    if field == "open_time":
        value = data.draw(
            st.one_of(
                st.integers(-(2**70), 2**70),
                st.floats(allow_nan=True, allow_infinity=True),
                st.sampled_from([EPOCH_2000 - 1, EPOCH_2000, 10**12, LAST_SECOND + 1]),
                st.integers(0, 2**45).map(str),
            )
        )
        trade["close_time"] = "9999-12-31T23:59:59Z"
        seconds = float(value)
        inside = EPOCH_2000 <= seconds <= LAST_SECOND
    else:
        low, high, open_low = NUMBER_FIELDS[field]
        value = data.draw(_around(low, high))
        inside = (value > low if open_low else value >= low) and value <= high
        whole = isinstance(value, int) or float(value).is_integer()  # 5.0 is an id, 5.5 not
        inside = inside and (field != "version_id" or whole)
    trade[field] = value
    try:
        parsed = parse_trade(trade)
    except TradeError as err:
        RUNS["bounds refused"] += 1
        assert not inside, (field, value, str(err))
        assert f"{field}:" in str(err), str(err)
    else:
        assert inside, (field, value)
        if field == "open_time":  # seconds, never milliseconds
            assert parsed.open_time.timestamp() == pytest.approx(float(value), abs=1e-3)


def test_report_how_many_cases_ran():
    """Printed for docs/RELIABILITY.md; runs after the fuzz tests of this module."""
    print(f"config/trade fuzz: {RUNS}")
    assert RUNS["config set"] > 0 and RUNS["trades"] > 0
