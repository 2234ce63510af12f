"""The bar recorder batches the bars of signal requests off the request thread and stores
exactly what storing each request on its own, in order, stored (the path before batching)."""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, text

from engine.api import recorder as recorder_module
from engine.api.models import Bars
from engine.api.recorder import BarRecorder
from engine.data.store import upsert_bars
from engine.data.synthetic import generate_bars
from engine.db.schema import Bar
from engine.services import Desk

STORED = 150  # bars each series holds before the requests


def _bars(frame: pd.DataFrame, *, volume: bool = True) -> Bars:
    """A request's bars as the bridge reads them (columns, UTC seconds)."""
    return Bars(
        time=(frame["time"].astype("int64") // 1_000_000_000).tolist(),
        open=frame["open"].tolist(),
        high=frame["high"].tolist(),
        low=frame["low"].tolist(),
        close=frame["close"].tolist(),
        tick_volume=frame["tick_volume"].astype(int).tolist() if volume else None,
        spread=frame["spread_points"].astype(int).tolist() if volume else None,
    )


def _moved(frame: pd.DataFrame, close: str) -> pd.DataFrame:
    """The window with its last bar still forming: its close at the bar's high or low."""
    out = frame.copy()
    out.loc[out.index[-1], "close"] = out.loc[out.index[-1], close]
    return out


def _requests(history: pd.DataFrame) -> list[Bars | None]:
    """Windows as EAs send them (None: the batch is written there). Covers: the stored newest
    bar sent changed, a forming bar repeated, finished, and changed back and forth within one
    batch, an older window, a window without volume and spread, a gap-free jump ahead."""
    h = history
    return [
        _bars(_moved(h.iloc[120:STORED], "high")),  # the stored newest bar changed: updated
        _bars(_moved(h.iloc[130:155], "high")),
        _bars(_moved(h.iloc[131:155], "high")),  # the same forming bar again
        _bars(_moved(h.iloc[132:156], "low")),  # 154 finished, 155 forming
        _bars(h.iloc[100:140]),  # an older window: nothing newer
        _bars(_moved(h.iloc[133:156], "high")),
        _bars(_moved(h.iloc[133:156], "low")),  # back to the batch's first value
        None,
        _bars(_moved(h.iloc[140:158], "high"), volume=False),
        _bars(h.iloc[141:158], volume=False),  # the same bar, values equal, no volume
        _bars(h.iloc[150:170]),
        None,
        _bars(h.iloc[169:185]),
        _bars(h.iloc[170:190]),
    ]


def _one_by_one(desk: Desk, symbol: str, requests: list[Bars | None]) -> None:
    """The recorder before batching: each request stored in its own transaction, in order,
    from the newest bar handed over before it (the stored series' newest for the first)."""
    known: int | None = None
    for bars in requests:
        if bars is None:
            continue
        if known is not None and bars.time[-1] < known:
            continue
        floor = known if known is not None else _stored_newest(desk, symbol)
        known = bars.time[-1]
        start = 0 if floor is None else bisect_left(bars.time, floor)
        frame = pd.DataFrame(
            {
                "time": pd.to_datetime(np.asarray(bars.time[start:]), unit="s", utc=True),
                **{c: np.asarray(_tail(bars, c, start), float) for c in ("open", "high", "low")},
                "close": np.asarray(bars.close[start:], float),
                "tick_volume": pd.array(_tail(bars, "tick_volume", start), dtype="Int64"),
                "spread_points": pd.array(_tail(bars, "spread", start), dtype="Int64"),
            }
        )
        with desk.db.session(write=True) as s:
            upsert_bars(s, frame, symbol=symbol, timeframe="M5", origin="live")


def _tail(bars: Bars, name: str, start: int) -> list[Any]:
    """A column from `start` on (None for each bar when the request left it out)."""
    values = getattr(bars, name)
    return [None] * (len(bars.time) - start) if values is None else values[start:]


def _stored_newest(desk: Desk, symbol: str) -> int | None:
    last = desk.bars(symbol, "M5")["time"].iloc[-1]
    return int(last.timestamp())


def _series(desk: Desk, symbol: str) -> pd.DataFrame:
    """Every stored value of the series, with each bar's origin."""
    with desk.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ts, open, high, low, close, tick_volume, spread_points, origin FROM bars "
                "WHERE symbol = :symbol AND timeframe = 'M5' ORDER BY ts"
            ),
            {"symbol": symbol},
        ).all()
    return pd.DataFrame(rows, columns=["ts", "o", "h", "l", "c", "vol", "spread", "origin"])


@pytest.fixture
def two_markets(desk: Desk) -> tuple[Desk, pd.DataFrame]:
    """The same 150 imported bars stored as two symbols: one for each path."""
    history = generate_bars(n_bars=200, seed=11)
    with desk.db.session(write=True) as s:
        for symbol in ("XAUUSD", "XAGUSD"):
            upsert_bars(s, history.iloc[:STORED], symbol=symbol, timeframe="M5")
    return desk, history


def test_batched_bars_are_stored_as_one_request_at_a_time_stored_them(
    two_markets: tuple[Desk, pd.DataFrame],
):
    desk, history = two_markets
    requests = _requests(history)
    _one_by_one(desk, "XAGUSD", requests)
    recorder = BarRecorder(desk, interval=3600)  # written only by flush and close here
    offered = []
    for bars in requests:
        if bars is None:
            recorder.flush()
        else:
            offered.append(recorder.offer("XAUUSD", "M5", bars))
    assert offered == [True, True, True, True, False, True, True, True, True, True, True, True]
    recorder.close()
    batched, reference = _series(desk, "XAUUSD"), _series(desk, "XAGUSD")
    pd.testing.assert_frame_equal(batched, reference)
    assert len(batched) == 190
    live = batched.set_index("ts")["origin"]
    assert (live.iloc[STORED - 1 :] == "live").all() and (
        live.iloc[: STORED - 1] == "imported"
    ).all()
    # 149 was sent changed, then as stored, in one batch: its stored values, but live
    assert batched["c"].iloc[STORED - 1] == history["close"].iloc[STORED - 1]
    assert batched["c"].iloc[157] == history["close"].iloc[157]  # finished after forming
    assert batched["vol"].iloc[156] == 0 and pd.isna(batched["spread"].iloc[156])  # not sent
    assert recorder.failures == 0


def test_nothing_is_written_on_the_request_thread_and_close_stores_the_rest(
    two_markets: tuple[Desk, pd.DataFrame],
):
    desk, history = two_markets
    recorder = BarRecorder(desk, interval=3600)
    assert recorder.offer("XAUUSD", "M5", _bars(history.iloc[140:170]))
    assert recorder.offer("XAUUSD", "M5", _bars(history.iloc[141:171]))
    assert len(desk.bars("XAUUSD", "M5")) == STORED
    recorder.close()
    stored = desk.bars("XAUUSD", "M5")
    assert len(stored) == 171
    assert stored["close"].iloc[-1] == history["close"].iloc[170]


def test_the_writer_thread_stores_within_its_interval(two_markets: tuple[Desk, pd.DataFrame]):
    import time

    desk, history = two_markets
    recorder = BarRecorder(desk, interval=0.05)
    recorder.offer("XAUUSD", "M5", _bars(history.iloc[140:160]))
    deadline = time.monotonic() + 10
    while len(desk.bars("XAUUSD", "M5")) < 160 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(desk.bars("XAUUSD", "M5")) == 160
    assert recorder.stored == 10  # 150 to 159 new; 149, the newest stored, unchanged
    recorder.close()


def test_a_stopped_server_has_stored_every_request_s_bars(
    api_desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """Stopping the bridge writes the bars still waiting (the timer never fired here)."""
    import httpx

    from engine.api.tokens import add_token
    from tests.api.conftest import running_server

    monkeypatch.setattr(recorder_module, "FLUSH_SECONDS", 3600.0)
    history = api_desk.bars("XAUUSD", "M5")
    keep = len(history) - 5
    with api_desk.db.session(write=True) as s:
        s.execute(delete(Bar).where(Bar.ts >= history["time"].iloc[keep].to_pydatetime()))
    token = add_token(api_desk, "ea-stop", actor="test").token
    body: dict[str, Any] = {"symbol": "XAUUSD", "timeframe": "M5"}
    with running_server(api_desk) as url:
        window = history.iloc[len(history) - 800 :]
        bars = _bars(window)
        body["bars"] = bars.model_dump()
        reply = httpx.post(
            f"{url}/v1/signal", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert reply.status_code == 200, reply.text
        assert len(api_desk.bars("XAUUSD", "M5")) == keep  # waiting for the timer
    stored = api_desk.bars("XAUUSD", "M5")
    assert len(stored) == len(history)
    assert (stored["close"].to_numpy() == history["close"].to_numpy()).all()
