"""Results broken down by trading session (the same UTC hours as the session features)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from engine.features._calendar import _session_table
from engine.features.names import SESSIONS


@dataclass(frozen=True)
class SessionResult:
    session: str
    trades: int
    net_profit: float
    win_rate: float
    expectancy: float


def session_index(times: Sequence[datetime] | pd.DatetimeIndex) -> np.ndarray:
    """For each time, the index into SESSIONS of its UTC hour's trading session."""
    hours = np.asarray(pd.DatetimeIndex(pd.to_datetime(times, utc=True)).hour, dtype=int)
    return np.argmax(_session_table()[:, hours], axis=0) if hours.size else hours


def results_by_session(
    times: Sequence[datetime] | pd.DatetimeIndex, profits: Sequence[float] | np.ndarray
) -> list[SessionResult]:
    """Trades, net result, win rate and expectancy per session (Asia, London, NY, rollover)."""
    p = np.asarray(profits, dtype=float)
    idx = session_index(times)
    out = []
    for k, name in enumerate(SESSIONS):
        mine = p[idx == k]
        n = len(mine)
        out.append(
            SessionResult(
                name,
                n,
                float(mine.sum()),
                float((mine > 0).mean()) if n else float("nan"),
                float(mine.mean()) if n else float("nan"),
            )
        )
    return out
