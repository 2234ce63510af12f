"""`aurum train | sessions | session | signal`."""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.commands import _desk, _progress
from engine.cli.main import _actor, _emit
from engine.cli.render import fmt_metric, table
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

    def text() -> str:
        lines = [f"session #{outcome.session_id}: {outcome.status} — {outcome.message}"]
        lines += _candidate_lines(session.result)
        if outcome.activated:
            lines.append(f"{outcome.version_ref} is now active (the lineage had no active model)")
        return "\n".join(lines)

    _emit(args, outcome, text)


def _candidate_lines(result: dict[str, object]) -> list[str]:
    cands = result.get("candidates") or []
    rows = []
    for c in cands:  # type: ignore[attr-defined]
        m = c["metrics"]
        base = m.get("baseline_expectancy")
        rows.append(
            [("★ " if c["winner"] else "  ") + candidate_name(c)]
            + [fmt_metric(k, m.get(k)) for k in HEADLINE]
            + [fmt_metric("expectancy", base), f"{c['seconds']:.1f}s", c["reason"]]
        )
    headers = [
        "candidate",
        "trades",
        "win rate",
        "PF",
        "expect.",
        "Sharpe",
        "max DD %",
        "baseline exp.",
        "time",
        "verdict",
    ]
    out = ["out-of-sample, after spread, slippage and commission:", table(headers, rows)]
    out += [f"ensembles: {note}" for note in result.get("ensemble_notes") or []]  # type: ignore[attr-defined]
    out += [f"features: {note}" for note in result.get("feature_notes") or []]  # type: ignore[attr-defined]
    stages = result.get("stage_seconds") or {}
    if stages:
        out.append("stage times: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items() if k))  # type: ignore[attr-defined]
    return out


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


def cmd_session(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        s = desk.learning_session(args.session_id)

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
        lines += _candidate_lines(s.result)
        if s.result.get("selected_features"):
            lines.append("selected features: " + ", ".join(s.result["selected_features"]))
        return "\n".join(lines)

    _emit(args, s, text)


def cmd_signal(args: argparse.Namespace) -> None:
    from engine.data.importers import read_bars

    with _desk(args) as desk:
        timeframe = args.timeframe or desk.config().learning.timeframe
        bars = read_bars(
            args.file, timeframe=timeframe, fmt=args.fmt, tz=args.tz, ambiguous=args.ambiguous
        ).frame
        signal = desk.signal(bars, lineage=args.lineage)

    def text() -> str:
        levels = ""
        if signal.stop_loss is not None:
            levels = f"  SL {signal.stop_loss:.2f}  TP {signal.take_profit:.2f}"
        return (
            f"{signal.side} {signal.confidence * 100:.1f} % (long {signal.p_long:.3f}, short "
            f"{signal.p_short:.3f}; threshold {signal.min_confidence}) at bar "
            f"{signal.bar_time:%Y-%m-%d %H:%M} UTC close {signal.entry_price:.2f}{levels} "
            f"— {signal.version_ref}"
        )

    _emit(args, signal, text)


def version_detail_lines(details: dict[str, Any]) -> list[str]:
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
                f"${f['net_profit']:,.2f}",
                fmt_metric("win_rate", f["win_rate"]),
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
                    "ROC AUC",
                    "log loss",
                ],
                rows,
            ),
        ]
    lines += _candidate_lines(details)
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
