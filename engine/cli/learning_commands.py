"""`aurum train | sessions | session | signal`."""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.commands import _desk, _progress
from engine.cli.main import _actor, _emit
from engine.cli.render import fmt_dsr, fmt_metric, table
from engine.learner.records import candidate_name

HEADLINE = ("trades", "win_rate", "profit_factor", "expectancy", "sharpe", "max_drawdown_pct")


def cmd_train(args: argparse.Namespace) -> None:
    if args.queue:
        with _desk(args) as desk:
            session_id = desk.request_learning(actor=_actor(args))
            leader = desk.service_status().leader
        print(
            f"queued learning session #{session_id}; "
            + (
                f"the services ({leader}) will pick it up within seconds"
                if leader
                else "no services are running: start them with `aurum services` or `make run`"
            )
        )
        return
    with _desk(args) as desk:
        outcome = desk.learn(
            actor=_actor(args), progress=_progress, symbol=args.symbol, timeframe=args.timeframe
        )
        session = desk.learning_session(outcome.session_id)
        currency = desk.config().account.currency

    def text() -> str:
        lines = [f"session #{outcome.session_id}: {outcome.status} — {outcome.message}"]
        lines += _candidate_lines(session.result, currency)
        if outcome.activated:
            lines.append(f"{outcome.version_ref} is now active (the lineage had no active model)")
        return "\n".join(lines)

    _emit(args, outcome, text)


def _candidate_lines(
    result: dict[str, Any], currency: str = "USD", *, decision: bool = True
) -> list[str]:
    """The session's candidates, their DSR with its trials and the baselines they met."""
    cands = result.get("candidates") or []
    rows = []
    for c in cands:
        m = c["metrics"]
        rows.append(
            [("★ " if c["winner"] else "  ") + candidate_name(c)]
            + [fmt_metric(k, m.get(k), currency) for k in HEADLINE]
            + [
                fmt_dsr(m),
                fmt_metric("expectancy", m.get("baseline_expectancy"), currency),
                fmt_metric("expectancy", m.get("strongest_baseline_expectancy"), currency),
                f"{c['seconds']:.1f}s",
                c["reason"],
            ]
        )
    headers = [
        "candidate",
        "trades",
        "win rate",
        "PF",
        "expect.",
        "Sharpe",
        "max DD %",
        "DSR (trials)",
        "50/50 baseline exp.",
        "strongest baseline exp.",
        "time",
        "verdict",
    ]
    out = [
        f"out-of-sample ({_span(result)}), after spread, slippage and commission:",
        table(headers, rows),
    ]
    out += _baseline_lines(cands, currency)
    out += [f"ensembles: {note}" for note in result.get("ensemble_notes") or []]
    out += [f"features: {note}" for note in result.get("feature_notes") or []]
    promotion = result.get("promotion") or {}
    if promotion and decision:
        from engine.selection import decision_basis

        out.append(
            f"decision: {promotion.get('decision')} — compared "
            f"{decision_basis(promotion.get('evidence') or {})}"
        )
        out += [f"  - {r}" for r in promotion.get("reasons") or []]
    stages = result.get("stage_seconds") or {}
    if stages:
        out.append("stage times: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items() if k))
    return out


def _span(result: dict[str, Any]) -> str:
    window = result.get("oos_window") or []
    trials = result.get("n_trials")
    span = f"{window[0][:16]} → {window[1][:16]} UTC" if len(window) == 2 else "window not recorded"
    return span + (f"; {trials} trials on the lineage so far" if trials is not None else "")


def _baseline_lines(cands: list[dict[str, Any]], currency: str) -> list[str]:
    """The winner's baselines: every no-skill baseline at its entry bars, the strongest marked."""
    winner = next((c for c in cands if c.get("winner")), None)
    baselines = (winner or {}).get("baselines") or []
    if not baselines:
        return []
    rows = [
        [
            ("★ " if b["strongest"] else "  ") + b["label"],
            b["seeds"],
            fmt_metric("expectancy", b["mean_expectancy"], currency),
            fmt_metric("net_profit", b["mean_net_profit"], currency),
            fmt_metric("sharpe", b["mean_sharpe"]),
            fmt_metric("win_rate", b["share_at_least_model"]),
        ]
        for b in baselines
    ]
    headers = ["baseline (★ strongest)", "runs", "expect.", "net", "Sharpe", "runs ≥ model"]
    return ["the winner's baselines (same entry bars and costs):", table(headers, rows)]


def cmd_sessions(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        sessions = desk.learning_sessions()

    def text() -> str:
        if not sessions:
            return "No learning sessions yet: run `aurum train` (after `aurum import-bars`)."
        rows = [
            [
                s.id,
                f"{s.created_at:%Y-%m-%d %H:%M}",
                s.trigger,
                s.status,
                f"{s.duration_seconds:.1f}s" if s.duration_seconds else "—",
                s.version_id or "—",
                s.message,
            ]
            for s in sessions
        ]
        return table(
            ["id", "started (UTC)", "trigger", "outcome", "took", "version", "message"], rows
        )

    _emit(args, sessions, text)


def cmd_cancel_session(args: argparse.Namespace) -> None:
    """Cancel a queued session now, or ask a running one to stop at its next fit boundary."""
    with _desk(args) as desk:
        request = desk.cancel_learning(args.session_id, actor=_actor(args), reason=args.reason)
    _emit(args, request, request.message)


def cmd_session(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        s = desk.learning_session(args.session_id)
        currency = desk.config().account.currency

    def text() -> str:
        lines = [
            f"session #{s.id} ({s.trigger}, by {s.requested_by}): {s.status} {s.message}",
            f"data: {s.symbol} {s.timeframe} {s.window_start} → {s.window_end}",
            f"config hash {s.config_hash[:12]}…, seed {s.seed}",
        ]
        if s.config_diff:
            lines.append("config changed since the previous session: " + ", ".join(s.config_diff))
        if s.error:
            lines.append(f"error: {s.error}")
        lines += _candidate_lines(s.result, currency)
        if s.result.get("selected_features"):
            lines.append("selected features: " + ", ".join(s.result["selected_features"]))
        return "\n".join(lines)

    _emit(args, s, text)


MT5_CLOCK_WARNING = (
    "{file} is an MT5 export read without --tz: its times were taken as UTC, but MT5 writes "
    "the broker's server time (often NY+7, i.e. UTC+2 in winter and UTC+3 in summer), so the "
    "bar time and the time-of-day features may be hours off. Give --tz (e.g. --tz NY+7; "
    "docs/TIME_ZONES.md says how to tell)."
)


def cmd_signal(args: argparse.Namespace) -> None:
    import sys
    from dataclasses import asdict

    from engine.controls.serving import account_report
    from engine.data.importers import read_bars
    from engine.metrics.catalog import money

    account = account_report(args.balance, args.open_risk)
    with _desk(args) as desk:
        timeframe = args.timeframe or desk.config().learning.timeframe
        parsed = read_bars(
            args.file,
            timeframe=timeframe,
            fmt=args.fmt,
            tz=args.tz or "UTC",
            ambiguous=args.ambiguous,
        )
        signal = desk.signal(parsed.frame, lineage=args.lineage, account=account)
        version = desk.registry.get(signal.version_id)
        currency = desk.config().account.currency
    warning = (
        MT5_CLOCK_WARNING.format(file=args.file)
        if parsed.source_format == "mt5" and args.tz is None
        else None
    )
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr)

    def data() -> dict[str, Any]:
        where = {"lineage": version.lineage, "symbol": version.symbol, "timeframe": timeframe}
        return {**where, **asdict(signal), "time_zone": args.tz or "UTC", "warning": warning}

    def text() -> str:
        levels = ""
        if signal.stop_loss is not None:
            levels = f"  SL {signal.stop_loss:.2f}  TP {signal.take_profit:.2f}"
        sizing = f"\n{signal.sizing}" if signal.sizing else ""
        if signal.reason:
            return (
                f"{signal.side} at bar {signal.bar_time:%Y-%m-%d %H:%M} UTC: {signal.reason} "
                f"— {signal.version_ref}{sizing}"
            )
        size = ""
        if signal.lots:
            at_risk = "unknown" if signal.risk_money is None else money(signal.risk_money, currency)
            size = f"  {signal.lots:g} lots, {at_risk} at risk"
        return (
            f"{signal.side} {signal.confidence * 100:.1f} % (long {signal.p_long:.3f}, short "
            f"{signal.p_short:.3f}; threshold {signal.min_confidence}) at bar "
            f"{signal.bar_time:%Y-%m-%d %H:%M} UTC close {signal.entry_price:.2f}{levels}{size} "
            f"— {signal.version_ref}"
            + (" (DEMO: trained on generated bars)" if signal.demo else "")
            + sizing
        )

    _emit(args, data, text)


def version_detail_lines(details: dict[str, Any], currency: str = "USD") -> list[str]:
    """Folds, candidates with the baseline, selected features and importances of a version."""
    lines: list[str] = []
    folds = details.get("folds") or []
    if folds:
        rows = [
            [
                f["fold"],
                f"{f['test_start'][:16]} → {f['test_end'][:16]}",
                f["train_samples"],
                f["trades"],
                fmt_metric("net_profit", f["net_profit"], currency),
                fmt_metric("win_rate", f["win_rate"]),
                fmt_metric("sharpe", f.get("sharpe")),
                f"{f['roc_auc']:.3f}",
                f"{f['log_loss']:.3f}",
            ]
            for f in folds
        ]
        lines += [
            "walk-forward folds (out of sample, after costs):",
            table(
                [
                    "fold",
                    "test window (UTC)",
                    "train n",
                    "trades",
                    "net",
                    "win rate",
                    "Sharpe",
                    "ROC AUC",
                    "log loss",
                ],
                rows,
            ),
        ]
    lines += _candidate_lines(details, currency, decision=False)  # `show` lists decisions
    importances = details.get("importances") or {}
    top = [(k, v) for k, v in importances.items() if v][:10]  # type: ignore[attr-defined]
    if top:
        lines.append(
            "out-of-sample permutation importance (log-loss increase): "
            + ", ".join(f"{k} {v:+.4f}" for k, v in top)
        )
    if details.get("selected_features"):
        lines.append("selected features: " + ", ".join(details["selected_features"]))  # type: ignore[arg-type]
    return lines
