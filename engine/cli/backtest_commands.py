"""`aurum backtest VERSION ...` (a version replayed over stored bars) and `aurum backtests`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli.main import _actor, _emit
from engine.cli.render import fmt_metric, table
from engine.metrics.catalog import money

HEADLINE = (
    "trades",
    "net_profit",
    "win_rate",
    "profit_factor",
    "expectancy",
    "sharpe",
    "max_drawdown_pct",
    "psr",
)


def add_arguments(backtest: argparse.ArgumentParser, runs: argparse.ArgumentParser) -> None:
    """The options of `aurum backtest` and `aurum backtests`."""
    backtest.add_argument("version", metavar="VERSION", help="id (12) or lineage:vN")
    backtest.add_argument(
        "--from", dest="start", metavar="DATE",
        help="first bar, UTC (YYYY-MM-DD or 'YYYY-MM-DD HH:MM'); default: the first bar after "
        "the version's training window",
    )  # fmt: skip
    backtest.add_argument(
        "--to", dest="end", metavar="DATE",
        help="last bar, UTC (a date means its whole day); default: the newest stored bar",
    )  # fmt: skip
    backtest.add_argument("--symbol", help="series to replay on (default: the version's own)")
    backtest.add_argument("--timeframe", help="must be the version's timeframe (the default)")
    backtest.add_argument(
        "--spread-points", type=float, metavar="N",
        help="every trade pays N points of spread instead of its entry bar's recorded spread",
    )  # fmt: skip
    backtest.add_argument(
        "--slippage-points", type=float, metavar="N", help="slippage per fill (default costs.*)"
    )
    backtest.add_argument(
        "--commission-per-lot", type=float, metavar="X", help="round-turn commission per lot"
    )
    backtest.add_argument(
        "--queue", action="store_true", help="queue the run for the background worker instead"
    )
    runs.add_argument("--version", help="only the runs of this version")
    runs.add_argument("--limit", type=int, default=30, help="newest runs listed (default 30)")
    for parser in (backtest, runs):
        parser.add_argument("--json", action="store_true", help="print JSON")


def cmd_backtest(args: argparse.Namespace) -> None:
    from engine.backtest.replay import backtest_request, window_bound
    from engine.cli.commands import _desk, _progress  # the desk's modules load only here

    request = backtest_request(
        args.version,
        start=window_bound(args.start, end=False),
        end=window_bound(args.end, end=True),
        symbol=args.symbol,
        timeframe=args.timeframe,
        spread_points=args.spread_points,
        slippage_points=args.slippage_points,
        commission_per_lot=args.commission_per_lot,
    )
    with _desk(args) as desk:
        if args.queue:
            run_id = desk.request_backtest(request, actor=_actor(args))
            leader = desk.service_status().leader
            _emit(args, {"id": run_id, "status": "queued"}, lambda: _queued(run_id, leader))
            return
        run = desk.backtest(request, actor=_actor(args), progress=_progress)
        currency = desk.config().account.currency
    if run.warning and args.json:  # said in the text itself otherwise
        print(f"WARNING: {run.warning}", file=sys.stderr)
    _emit(args, run, lambda: "\n".join(run_lines(run, currency)))


def _queued(run_id: int, leader: str | None) -> str:
    return f"queued backtest run #{run_id}; " + (
        f"the services ({leader}) will pick it up within seconds (`aurum backtests`)"
        if leader
        else "no services are running: start them with `aurum services` or `make run`"
    )


def run_lines(run: Any, currency: str = "USD") -> list[str]:
    """One run in words: what was replayed, with which costs, its metrics, the in-sample flag
    (money in `currency`, account.currency)."""
    first = f"{run.first_bar:%Y-%m-%d %H:%M}" if run.first_bar else "?"
    last = f"{run.last_bar:%Y-%m-%d %H:%M}" if run.last_bar else "?"
    lines = [
        f"backtest run #{run.id}: {run.version_ref} on {run.symbol} {run.timeframe}, "
        f"{first} → {last} UTC ({run.bars:,} bars): {run.status} — {run.error or run.message}",
        "costs: " + cost_words(run.costs, run.overrides, currency),
    ]
    if run.warning:
        lines.insert(0, f"!!! {run.warning}")
    if run.status == "succeeded":
        values = [fmt_metric(k, run.metrics.get(k), currency) for k in HEADLINE]
        lines.append(
            table(
                ["trades", "net", "win rate", "PF", "expect.", "Sharpe", "max DD %", "PSR"],
                [values],
            )
        )
        lines.append(
            'its trades are stored as "manual backtest" trades of this run only (never in the '
            "ledger, the version's out-of-sample or paper trades)"
        )
    if run.warning:
        lines.append(f"!!! {run.warning}")
    return lines


def cost_words(costs: dict[str, float], overrides: dict[str, float], currency: str = "USD") -> str:
    """The costs a run paid, saying which were changed for it."""
    spread = (
        f"{overrides['spread_points']:g} points on every trade (changed)"
        if "spread_points" in overrides
        else f"each bar's own (else {costs.get('default_spread_points', 0):g} points)"
    )
    changed = {k: " (changed)" if k in overrides else "" for k in costs}
    return (
        f"spread {spread}, slippage {costs.get('slippage_points', 0):g} points per fill"
        f"{changed.get('slippage_points', '')}, commission "
        f"{money(costs.get('commission_per_lot', 0), currency)}"
        f" per lot{changed.get('commission_per_lot', '')}, {costs.get('lot_size', 0):g} lot"
    )


def cmd_backtests(args: argparse.Namespace) -> None:
    from engine.cli.commands import _desk  # the desk's modules load only here

    with _desk(args) as desk:
        runs = desk.backtest_runs(args.version, limit=args.limit)
        currency = desk.config().account.currency

    def text() -> str:
        if not runs:
            return "No backtest runs yet: `aurum backtest VERSION` replays one over stored bars."
        rows = [
            [
                r.id,
                r.version_ref,
                f"{r.symbol} {r.timeframe}",
                f"{r.first_bar:%Y-%m-%d}→{r.last_bar:%Y-%m-%d}"
                if r.first_bar and r.last_bar
                else "—",
                r.status if r.finished else f"{r.status} {r.percent:.0f} %",
                r.trades if r.status == "succeeded" else "—",
                fmt_metric("net_profit", r.metrics.get("net_profit"), currency),
                fmt_metric("sharpe", r.metrics.get("sharpe")),
                f"IN-SAMPLE {r.in_sample_percent:.1f} %" if r.in_sample else "out of sample",
                ", ".join(f"{k} {v:g}" for k, v in r.overrides.items()) or "desk costs",
            ]
            for r in runs
        ]
        headers = ["id", "version", "series", "window (UTC)", "status", "trades", "net",
                   "Sharpe", "sample", "costs"]  # fmt: skip
        return table(headers, rows)

    _emit(args, runs, text)
