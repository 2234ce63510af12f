"""What shadow trading shows: each shadowed version's paper results next to its live and
backtest numbers, and whether a challenger's paper edge over its champion is significant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.data.timeframes import timeframe_seconds
from engine.metrics.catalog import money
from engine.metrics.significance import EdgeTest, welch_edge_test
from engine.metrics.summary import summarize
from engine.shadow.store import last_bar_time, shadow_series, shadowed_version_ids


def shadow_start(version: Any, *, live_bars_only: bool) -> datetime | None:
    """The moment after which the version's signal bars count: the end of its training window
    (never an in-sample bar), or its registration when that is later and `live_bars_only`.
    None for a version without a recorded training window (it cannot be shadowed)."""
    if version.train_end is None:
        return None
    if live_bars_only:
        return max(version.train_end, version.created_at)
    return version.train_end


@dataclass(frozen=True)
class ShadowEdge:
    """A challenger's paper trades against its champion's over their common period: trades
    opened after `since` (after both versions' first countable bar)."""

    challenger_ref: str
    champion_ref: str
    since: datetime
    test: EdgeTest
    max_p_value: float
    currency: str = "USD"

    @property
    def verdict(self) -> str:
        return self.test.verdict(self.max_p_value)

    @property
    def significant(self) -> bool:
        return self.test.significant(self.max_p_value)

    def reason(self) -> str:
        """One line for a promotion decision."""
        t = self.test
        return (
            f"shadow edge over {self.champion_ref}: {money(t.edge, self.currency)} per trade "
            f"({t.challenger_trades} vs {t.champion_trades} paper trades opened after "
            f"{self.since:%Y-%m-%d %H:%M} UTC), {self.verdict}"
        )


def edge_over_champion(desk: Any, cfg: Any, challenger: Any, champion: Any) -> ShadowEdge | None:
    """The one-sided Welch test of the challenger's paper trades against the champion's over
    their common period; None when either cannot be shadowed."""
    live_only = cfg.shadow.live_bars_only
    mine_from = shadow_start(challenger, live_bars_only=live_only)
    theirs_from = shadow_start(champion, live_bars_only=live_only)
    if mine_from is None or theirs_from is None:
        return None
    # entries more than one bar after the later start: their signal bars are after both
    bar = timedelta(seconds=timeframe_seconds(challenger.timeframe))
    since = max(mine_from, theirs_from) + bar
    with desk.db.session() as s:
        mine = shadow_series(s, challenger.id, opened_after=since)
        theirs = shadow_series(s, champion.id, opened_after=since)
    test = welch_edge_test(mine.net_profit, theirs.net_profit, min_trades=cfg.shadow.min_trades)
    return ShadowEdge(
        challenger.ref, champion.ref, since, test, cfg.shadow.max_p_value, cfg.account.currency
    )


def champion_of(version: Any, actives: list[Any]) -> Any | None:
    """The active version a challenger is measured against: its own lineage's, else that of
    its market's `SYMBOL-TIMEFRAME-scalper` lineage, else its market's only active version."""
    market = [a for a in actives if (a.symbol, a.timeframe) == (version.symbol, version.timeframe)]
    for wanted in (version.lineage, f"{version.symbol}-{version.timeframe}-scalper"):
        found = [a for a in market if a.lineage == wanted]
        if found:
            return found[0]
    return market[0] if len(market) == 1 else None


@dataclass(frozen=True)
class ShadowStanding:
    """One shadowed version: its paper, live and backtest numbers (metric name -> value) and,
    for a challenger, its edge over its champion."""

    ref: str
    version_id: int
    symbol: str
    timeframe: str
    role: str  # champion (the active version) | challenger
    since: datetime | None
    shadow: dict[str, float]
    live: dict[str, float]
    backtest: dict[str, float]
    edge: ShadowEdge | None


def shadow_board(desk: Any, cfg: Any, targets: list[Any]) -> list[ShadowStanding]:
    """Every version that paper-trades now (`targets`) or did before, market by market: the
    champion first, then its challengers in leaderboard order."""
    ongoing = {t.version.id for t in targets}
    with desk.db.session() as s:
        ids = set(shadowed_version_ids(s)) | ongoing
    if not ids:  # nothing paper-trades or did: no need to list every version
        return []
    board = desk.leaderboard()
    rank = {v.id: k for k, v in enumerate(board)}
    actives = [v for v in board if v.status == "active"]
    shown = sorted(
        (v for v in board if v.id in ids),
        key=lambda v: (v.symbol, v.timeframe, v.status != "active", rank[v.id]),
    )
    return [_standing(desk, cfg, v, champion_of(v, actives), v.id in ongoing) for v in shown]


def shadow_window(
    version: Any, paper: Any, *, live_bars_only: bool, last_bar: datetime | None
) -> tuple[datetime, datetime] | None:
    """The evaluated window of a version's paper trades: from its shadow start to the later of
    its last paper trade and `last_bar` (the last stored bar while it still paper-trades)."""
    start = shadow_start(version, live_bars_only=live_bars_only)
    if start is None:
        return None
    ends = [start] + ([last_bar] if last_bar is not None else [])
    if len(paper):
        ends.append(paper.close_time[-1].to_pydatetime())
    return start, max(ends)


def _standing(
    desk: Any, cfg: Any, version: Any, champion: Any | None, ongoing: bool
) -> ShadowStanding:
    is_champion = version.status == "active"
    with desk.db.session() as s:
        paper = shadow_series(s, version.id)
        last_bar = last_bar_time(s, version.symbol, version.timeframe) if ongoing else None
    initial = cfg.account.initial_balance
    window = shadow_window(
        version, paper, live_bars_only=cfg.shadow.live_bars_only, last_bar=last_bar
    )
    edge = None
    if not is_champion and champion is not None:
        edge = edge_over_champion(desk, cfg, desk.version(version.id), desk.version(champion.id))
    return ShadowStanding(
        ref=version.ref,
        version_id=version.id,
        symbol=version.symbol,
        timeframe=version.timeframe,
        role="champion" if is_champion else "challenger",
        since=shadow_start(version, live_bars_only=cfg.shadow.live_bars_only),
        shadow=summarize(
            paper.net_profit,
            paper.close_time,
            initial_equity=initial,
            window=window,
            n_trials=max(1, desk.trial_count(version.lineage)),
        ).as_dict(),
        live=desk.live_metrics(version.id),
        backtest={k: v for k, v in desk.version(version.id).metrics.items() if v is not None},
        edge=edge,
    )
