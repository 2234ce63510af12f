"""Automatic pause rules over the live trade ledger: a daily loss limit and a maximum drawdown.

Both count live trades (`source = live`, every model) closed since the last resume: resuming is
the trader's acknowledgement of what tripped a rule, so the rules count afresh from there (the
day's loss from the resume on; the equity peak from the equity at the resume). The figures are
pure functions; `find_breach` reads the ledger for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.config.schema import Phase3Config
from engine.controls.pause import PauseState
from engine.db.connection import Database
from engine.db.schema import Trade
from engine.metrics.catalog import money

DAILY_LOSS = "daily_loss_limit"
DRAWDOWN = "max_drawdown_pct"


@dataclass(frozen=True)
class LimitBreach:
    """A rule that tripped: its name (the config key), the figure, the limit, and the words."""

    rule: str
    figure: float
    threshold: float
    message: str


def day_loss(net_profits: np.ndarray) -> float:
    """Money lost by these trades together (0 when they made money)."""
    return max(0.0, -float(np.sum(net_profits)))


def drawdown_from_peak(start_equity: float, net_profits: np.ndarray) -> tuple[float, float, float]:
    """(percent below the peak now, the peak, equity now) of `start_equity` plus the trades in
    order; the starting equity counts as a peak."""
    equity = start_equity + np.cumsum(np.asarray(net_profits, dtype=float))
    now = float(equity[-1]) if len(equity) else start_equity
    peak = max(start_equity, float(equity.max()) if len(equity) else start_equity)
    return ((peak - now) / peak * 100.0 if peak > 0 else 0.0), peak, now


def daily_loss_breach(loss: float, limit: float, day: str, currency: str) -> LimitBreach | None:
    if limit <= 0 or loss < limit:
        return None
    return LimitBreach(
        DAILY_LOSS,
        round(loss, 2),
        limit,
        f"daily loss limit: live trades closed on {day} (UTC) lost {money(loss, currency)}, "
        f"limit {money(limit, currency)} (risk.daily_loss_limit)",
    )


def drawdown_breach(
    start_equity: float, net_profits: np.ndarray, limit_pct: float, currency: str
) -> LimitBreach | None:
    if limit_pct <= 0:
        return None
    pct, peak, now = drawdown_from_peak(start_equity, net_profits)
    if pct < limit_pct:
        return None
    return LimitBreach(
        DRAWDOWN,
        round(pct, 4),
        limit_pct,
        f"maximum drawdown: live equity {money(now, currency)} is {pct:.2f}% below its peak "
        f"{money(peak, currency)}, limit {limit_pct:g}% (risk.max_drawdown_pct)",
    )


def find_breach(
    db: Database, cfg: Phase3Config, state: PauseState, at: datetime
) -> LimitBreach | None:
    """The first rule of the `risk` section that trips at `at` (daily loss first), or None;
    nothing is judged while the switch is already paused or both rules are off."""
    risk, currency = cfg.risk, cfg.account.currency
    if state.paused or (risk.daily_loss_limit <= 0 and risk.max_drawdown_pct <= 0):
        return None
    with db.session() as s:
        if risk.daily_loss_limit > 0:
            loss = day_loss(np.array([_day_net(s, at, state.resumed_at)]))
            found = daily_loss_breach(loss, risk.daily_loss_limit, f"{at:%Y-%m-%d}", currency)
            if found is not None:
                return found
        if risk.max_drawdown_pct > 0:
            start, nets = _equity_path(s, cfg.account.initial_balance, state.resumed_at)
            return drawdown_breach(start, nets, risk.max_drawdown_pct, currency)
    return None


_NET = Trade.profit + Trade.commission + Trade.swap
_LIVE = Trade.source == "live"


def _day_net(s: Session, at: datetime, since: datetime | None) -> float:
    """Net result of the live trades closed on `at`'s UTC day (from `since` on, when later)."""
    day_start = datetime.combine(at.astimezone(UTC).date(), time(), tzinfo=UTC)
    start = max(day_start, since) if since is not None else day_start
    total = s.scalar(
        select(func.coalesce(func.sum(_NET), 0.0)).where(
            _LIVE, Trade.close_time >= start, Trade.close_time < day_start + timedelta(days=1)
        )
    )
    return float(total or 0.0)


def _equity_path(
    s: Session, initial_balance: float, since: datetime | None
) -> tuple[float, np.ndarray]:
    """Equity at `since` (the initial balance plus every live trade closed by then) and the
    net results of the live trades closed after it, in close-time order."""
    start, after = initial_balance, [_LIVE]
    if since is not None:
        before = s.scalar(
            select(func.coalesce(func.sum(_NET), 0.0)).where(_LIVE, Trade.close_time <= since)
        )
        start += float(before or 0.0)
        after.append(Trade.close_time > since)
    rows = s.scalars(select(_NET).where(*after).order_by(Trade.close_time, Trade.id)).all()
    return start, np.asarray(rows, dtype=float)
