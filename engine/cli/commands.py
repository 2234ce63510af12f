"""The `aurum` commands: parse nothing, call engine.services, print the result."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from engine.cli.main import _actor, _emit
from engine.cli.render import fmt_dsr, fmt_metric, pairs, table
from engine.services import Desk, init_home

LEADERBOARD_METRICS = (
    "trades",
    "win_rate",
    "profit_factor",
    "expectancy",
    "sharpe",
    "max_drawdown_pct",
    "psr",
)


@contextmanager
def _desk(args: argparse.Namespace) -> Iterator[Desk]:
    desk = Desk.open(args.home)
    try:
        yield desk
    finally:
        desk.close()


def _progress(stage: str, fraction: float) -> None:
    """A progress bar on stderr: redrawn in place on a terminal, one line per stage otherwise."""
    filled = round(max(0.0, min(1.0, fraction)) * 30)
    bar = f"[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}%  {stage}"
    if sys.stderr.isatty():
        end = "\n" if fraction >= 1.0 else ""
        print(f"\r{bar:<100}", end=end, file=sys.stderr, flush=True)
    else:
        print(bar, file=sys.stderr, flush=True)


def cmd_import_bars(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        report = desk.import_bars(
            args.file,
            symbol=args.symbol,
            timeframe=args.timeframe,
            fmt=args.fmt,
            tz=args.tz,
            ambiguous=args.ambiguous,
            actor=_actor(args),
            progress=_progress,
        )

    def text() -> str:
        from engine.data.zones import parse_clock

        gaps = ", ".join(f"{n} {k.replace('_', ' ')}(s)" for k, n in report.gap_counts.items())
        clock = parse_clock(report.time_zone)
        lines = [
            f"imported {report.rows:,} {report.symbol} {report.timeframe} bars "
            f"({report.source_format}, times read as {clock.name}: {clock.describe()}; "
            "stored in UTC)",
            f"  new {report.new:,}, updated {report.updated:,}, unchanged {report.unchanged:,}",
            f"  first {report.first:%Y-%m-%d %H:%M} UTC, last {report.last:%Y-%m-%d %H:%M} UTC",
            f"  gaps: {gaps or 'none'}",
        ]
        lines += [
            f"  hole {h.start:%Y-%m-%d %H:%M} → {h.end:%Y-%m-%d %H:%M} UTC ({h.hours} h)"
            for h in report.holes
        ]
        return "\n".join(lines)

    _emit(args, report, text)


def cmd_bars(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        series = desk.bar_series()

    def text() -> str:
        if not series:
            return (
                "No bars yet. Import an MT5 export with `aurum import-bars FILE --symbol XAUUSD "
                "--timeframe M5 --tz Europe/Athens`."
            )
        rows = [
            [
                s.symbol,
                s.timeframe,
                "+".join(s.origins) or s.origin,
                f"{s.bars:,}",
                f"{s.first:%Y-%m-%d %H:%M}",
                f"{s.last:%Y-%m-%d %H:%M}",
            ]
            for s in series
        ]
        return table(["symbol", "timeframe", "origin", "bars", "first (UTC)", "last (UTC)"], rows)

    _emit(args, series, text)


def cmd_init(args: argparse.Namespace) -> None:
    result = init_home(args.home)
    before = result.revision_before or "empty"
    print(f"database {result.database_url}: schema {before} -> {result.revision_after}")
    state = "written with defaults" if result.config_created else "kept"
    print(f"config {result.config_file}: {state}")
    if result.backup:
        print(f"the database before the upgrade was saved to {result.backup}")


def cmd_demo(args: argparse.Namespace) -> None:
    from engine.demo import seed_demo

    if args.remove:
        _remove_demo(args)
        return
    with _desk(args) as desk:
        if desk.counts()["versions"] > 0:
            if args.if_empty:
                print("demo skipped: the desk already has models")
                return
            from engine.errors import AurumError

            raise AurumError("the desk already has models; use a fresh --home for another demo")
        result = seed_demo(desk, n_bars=args.bars, progress=_progress)
    _emit(
        args,
        result,
        lambda: (
            f"demo: {result.bars} generated bars, versions {', '.join(result.versions)}\n"
            f"active: {result.active} with {result.live_trades} live trades (generated data; "
            "DEMO versions answer HOLD to a real feed unless serving.allow_demo_models is set)"
        ),
    )


def _remove_demo(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        removal = desk.remove_demo(actor=_actor(args))

    def text() -> str:
        if not removal.removed_anything:
            lines = ["nothing of the demo's found: no generated bars, no DEMO versions"]
        else:
            lines = [
                f"removed {removal.bars:,} generated bars ({', '.join(removal.series) or '—'}), "
                f"{len(removal.versions)} DEMO version(s) ({', '.join(removal.versions) or '—'})",
                f"  with {removal.trades:,} trades, {removal.shadow_trades:,} shadow trades, "
                f"{removal.sessions} learning sessions, {removal.decisions} promotion "
                f"decisions, {removal.metrics:,} metric rows, {removal.activations} activations",
                f"  {removal.files} model file(s) deleted, {removal.freed_bytes:,} bytes freed",
            ]
        lines += [f"kept: {line}" for line in removal.kept]
        return "\n".join(lines)

    _emit(args, removal, text)


def cmd_models(args: argparse.Namespace) -> None:
    from engine.metrics.catalog import CONVENTION

    with _desk(args) as desk:
        board = desk.leaderboard(args.lineage)
        currency = desk.config().account.currency

    def text() -> str:
        if not board:
            return "No models yet. Run `aurum demo` for a demo desk, or import bars and train."
        rows = [
            [
                v.id,
                v.ref,
                v.algorithm,
                v.status,
                "DEMO" if v.is_demo else v.data_origin,
                v.metrics_source or "—",
                f"{v.score:.2f}" if v.score is not None else "n/a",
            ]
            + [fmt_metric(m, v.metrics.get(m), currency) for m in LEADERBOARD_METRICS]
            + [fmt_dsr(v.metrics)]
            for v in board
        ]
        headers = [
            "id",
            "version",
            "algorithm",
            "status",
            "data",
            "source",
            "score",
            "trades",
            "win rate",
            "PF",
            "expect.",
            "Sharpe",
            "max DD %",
            "PSR",
            "DSR (trials)",
        ]
        notes = (
            "score: weighted percentile of Sharpe, profit factor, win rate, expectancy and "
            "max drawdown (selection.weight_*); n/a = fewer than selection.min_trades trades."
            "\nsource: which trades each row's figures come from — live once a version has "
            "selection.min_live_trades live trades, else backtest (out of sample)."
            "\ndata: what the version learnt from (imported, live, mixed = both); DEMO = "
            "generated bars, not market data (never served unless serving.allow_demo_models)."
            f"\n{CONVENTION}. Money in {currency}."
        )
        return table(headers, rows) + "\n" + notes

    _emit(args, lambda: [_version_json(v) for v in board], text)


def _version_json(v: object) -> dict[str, object]:
    from dataclasses import asdict

    from engine.features import signal_history

    data = asdict(v)  # type: ignore[call-overload]
    data["ref"] = v.ref  # type: ignore[attr-defined]
    data["demo"] = v.is_demo  # type: ignore[attr-defined]
    data["trained_on"] = asdict(v.trained_on)  # type: ignore[attr-defined]
    history = signal_history(data.get("details") or {}, data["timeframe"])
    data["min_history_bars"] = history and history.min_history_bars
    data["fixed_window"] = history and history.fixed_window
    return data


def _history_text(v: object) -> str:
    """How many bars a signal of the version needs, in words."""
    data = _version_json(v)
    if data["min_history_bars"] is None:
        return "— (no recorded feature settings)"
    if data["fixed_window"]:
        return f"{data['min_history_bars']:,} bars per signal (fixed window: more never change it)"
    return (
        f"{data['min_history_bars']:,} bars at least (trained before fixed windows: its signal "
        "moves with the bars sent; retrain to fix that)"
    )


def cmd_show(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        v = desk.version(args.version)
        currency = desk.config().account.currency
        decisions = desk.promotion_decisions(v.id, limit=5)

    def text() -> str:
        lines = [
            f"{v.ref}  (id {v.id}, {v.status}{', pinned' if v.pinned else ''})",
            f"algorithm   {v.algorithm}",
            f"created     {v.created_at:%Y-%m-%d %H:%M} UTC",
            f"trained on  {v.symbol} {v.timeframe} {v.train_start} → {v.train_end}",
            "data        "
            + ("DEMO: generated bars, not market data" if v.is_demo else v.data_origin),
            f"data hash   {v.data_hash[:16]}…",
            f"artifact    {v.artifact_path or '(cleaned)'} "
            f"{v.artifact_size:,} bytes sha256 {v.artifact_sha256[:16]}…",
            f"features    {', '.join(v.features)}",
            f"history     {_history_text(v)}",
            f"notes       {v.notes}",
            f"aliases     {', '.join(f'{v.lineage}@{a}' for a in v.aliases) or '—'}",
            f"tags        {', '.join(f'{k}={val}' for k, val in v.tags.items()) or '—'}",
        ]
        if v.description:
            lines += ["description:", *[f"  {line}" for line in v.description.splitlines()]]
        lines.append("metrics (backtest, out of sample):")
        shown = [
            (f"  {k}", fmt_dsr(v.metrics) if k == "dsr" else fmt_metric(k, val, currency))
            for k, val in v.metrics.items()
            if k != "dsr_trials"
        ]
        lines.append(pairs(shown))
        for d in decisions:
            lines.append(f"decision #{d.id}: {d.decision} — compared {d.basis}")
            lines += [f"  - {r}" for r in d.reasons]
        if v.details:
            from engine.cli.learning_commands import version_detail_lines

            lines += version_detail_lines(v.details, currency)
        return "\n".join(lines)

    _emit(args, _version_json(v), text)


def _reason(args: argparse.Namespace, what: str) -> str:
    """Why the model the trading side uses changes, as the dashboard asks: --reason, else typed
    at a terminal; --yes confirms without one; a script that gives neither is refused."""
    from engine.errors import AurumError

    if args.reason.strip():
        return str(args.reason).strip()
    if args.yes:
        return "--yes (no reason given)"
    if sys.stdin.isatty():
        typed = input(f"Reason for {what} (kept in the history; empty cancels): ").strip()
        if typed:
            return typed
        raise AurumError(f"{what} cancelled: no reason given, nothing changed")
    raise AurumError(
        f"{what} switches the model the trading side uses: give --reason TEXT (kept in the "
        "history), or --yes to confirm without one; nothing changed"
    )


def cmd_activate(args: argparse.Namespace) -> None:
    reason = _reason(args, f"activating {args.version}")
    with _desk(args) as desk:
        rec = desk.activate(args.version, actor=_actor(args), reason=reason)
    _emit(args, rec, lambda: f"active: {rec.to_ref} (was {rec.from_ref or 'none'})")


def cmd_rollback(args: argparse.Namespace) -> None:
    reason = _reason(args, "rolling back")
    with _desk(args) as desk:
        rec = desk.rollback(args.lineage, actor=_actor(args), reason=reason)
    _emit(args, rec, lambda: f"rolled back: {rec.to_ref} is active again (was {rec.from_ref})")


def cmd_pin(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        info = desk.set_pinned(args.version, True, actor=_actor(args))
    _emit(args, {"ref": info.ref, "id": info.id, "pinned": True}, lambda: f"pinned: {info.ref}")


def cmd_unpin(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        info = desk.set_pinned(args.version, False, actor=_actor(args))
    _emit(args, {"ref": info.ref, "id": info.id, "pinned": False}, lambda: f"unpinned: {info.ref}")


def cmd_cleanup(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        report = desk.cleanup(args.keep, actor=_actor(args))

    def text() -> str:
        lines = [f"cleaned {len(report.removed)} version(s), freed {report.freed_bytes:,} bytes"]
        if report.protected:
            kept = ", ".join(report.protected)
            lines.append(f"kept because active, rollback target, pinned or aliased: ids {kept}")
        return "\n".join(lines)

    _emit(args, report, text)


def cmd_history(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        moves = desk.activation_history(args.lineage)
        alias_moves = desk.alias_history(args.lineage)
        audit = desk.audit_log()

    def text() -> str:
        if not moves and not audit:
            return "No events yet."
        rows = [
            [
                f"{m.created_at:%Y-%m-%d %H:%M:%S}",
                m.kind,
                m.from_ref or "—",
                m.to_ref,
                m.actor,
                m.reason,
            ]
            for m in moves
        ]
        audit_rows = [
            [f"{a.created_at:%Y-%m-%d %H:%M:%S}", a.action, a.target, a.actor] for a in audit
        ]
        rows += [
            [f"{m.created_at:%Y-%m-%d %H:%M:%S}", f"{m.alias} {m.kind}", m.from_ref or "—",
             m.to_ref or "—", m.actor, m.reason]
            for m in alias_moves
        ]  # fmt: skip
        rows.sort(key=lambda row: row[0], reverse=True)  # moves of every pointer, newest first
        return (
            table(["time (UTC)", "event", "from", "to", "actor", "reason"], rows)
            + "\n\naudit:\n"
            + table(["time (UTC)", "action", "target", "actor"], audit_rows)
        )

    _emit(args, {"activations": moves, "aliases": alias_moves, "audit": audit}, text)


def cmd_report(args: argparse.Namespace) -> None:
    from engine.reports import build_report, write_report

    with _desk(args) as desk:
        report = build_report(desk)
        path = write_report(report, desk.paths.logs_dir)
        currency = desk.config().account.currency

    def text() -> str:
        status = report["phase3_status"]
        rows: list[tuple[str, str]] = [
            ("active model", status["active_model"] or "none"),
            ("versions", str(status["registered_versions"])),
            ("trades logged", str(status["logged_trades"])),
        ]
        live = (report.get("active_model") or {}).get("live") or {}
        for key in LEADERBOARD_METRICS:
            if key in live:
                value = float("inf") if live[key] == "inf" else live[key]
                rows.append((f"live {key}", fmt_metric(key, value, currency)))
        if live:
            rows.append(("live dsr", fmt_dsr(live)))
        story = ((report.get("adaptive_learning") or {}).get("last_session") or {}).get("story")
        if story:
            rows.append(("last session", story))
        lines = [pairs(rows)]
        lines += [f"- {r}" for r in report["recommendations"]] + [f"written to {path}"]
        lines.append(report["conventions"])
        return "\n".join(lines)

    _emit(args, report, text)


def cmd_config(args: argparse.Namespace) -> None:
    from engine.cli.config_commands import run

    run(args)


def cmd_alerts(args: argparse.Namespace) -> None:
    from engine.cli.alert_commands import run

    run(args)


def cmd_research_report(args: argparse.Namespace) -> None:
    from engine.cli.research_commands import run

    run(args)


def cmd_tag(args: argparse.Namespace) -> None:
    from engine.cli.registry_commands import cmd_tag as run

    run(args)


def cmd_backtest(args: argparse.Namespace) -> None:
    from engine.cli.backtest_commands import cmd_backtest as run

    run(args)


def cmd_untag(args: argparse.Namespace) -> None:
    from engine.cli.registry_commands import cmd_untag as run

    run(args)


def cmd_describe(args: argparse.Namespace) -> None:
    from engine.cli.registry_commands import cmd_describe as run

    run(args)


def cmd_alias(args: argparse.Namespace) -> None:
    from engine.cli.registry_commands import cmd_alias as run

    run(args)


def cmd_export(args: argparse.Namespace) -> None:
    if getattr(args, "onnx", False):  # `aurum export VERSION --onnx --out DIR`
        cmd_export_onnx(args)
        return
    from engine.cli.registry_commands import cmd_export as run

    run(args)


def cmd_import_model(args: argparse.Namespace) -> None:
    from engine.cli.registry_commands import cmd_import_model as run

    run(args)


def cmd_backtests(args: argparse.Namespace) -> None:
    from engine.cli.backtest_commands import cmd_backtests as run

    run(args)


def cmd_train(args: argparse.Namespace) -> None:
    from engine.cli.learning_commands import cmd_train as run

    run(args)


def cmd_sessions(args: argparse.Namespace) -> None:
    from engine.cli.learning_commands import cmd_sessions as run

    run(args)


def cmd_cancel_session(args: argparse.Namespace) -> None:
    from engine.cli.learning_commands import cmd_cancel_session as run

    run(args)


def cmd_session(args: argparse.Namespace) -> None:
    from engine.cli.learning_commands import cmd_session as run

    run(args)


def cmd_signal(args: argparse.Namespace) -> None:
    from engine.cli.learning_commands import cmd_signal as run

    run(args)


def cmd_pause(args: argparse.Namespace) -> None:
    from engine.cli.control_commands import cmd_pause as run

    run(args)


def cmd_resume(args: argparse.Namespace) -> None:
    from engine.cli.control_commands import cmd_resume as run

    run(args)


def cmd_export_onnx(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        done = desk.export_onnx(args.version, args.out)

    def text() -> str:
        return (
            f"{done.ref} -> {done.onnx_path} ({done.size:,} bytes, sha256 {done.sha256})\n"
            f"model card -> {done.card_path}\n"
            f"input: {done.window_bars} bars (oldest first) x (time, open, high, low, close, "
            "tick_volume, spread) as float64; see docs/ONNX.md"
        )

    _emit(args, done, text)


def cmd_serve_api(args: argparse.Namespace) -> None:
    from engine.cli.api_commands import cmd_serve_api as run

    run(args)


def cmd_token(args: argparse.Namespace) -> None:
    from engine.cli.api_commands import cmd_token as run

    run(args)


def cmd_services(args: argparse.Namespace) -> None:
    from engine.scheduler.foreground import run_foreground

    code = run_foreground(args.home, wait_for_lease=not args.no_wait)
    if code:
        raise SystemExit(code)


def cmd_import_trades(args: argparse.Namespace) -> None:
    from engine.trade_import import import_trades

    with _desk(args) as desk:
        report = import_trades(desk, args.file, actor=_actor(args))
    print(
        f"imported {report.rows} trades from {report.file}: {report.new} new, "
        f"{report.unchanged} already logged"
    )


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def cmd_dashboard(args: argparse.Namespace) -> None:
    """Run `streamlit run dashboard/app.py`; the app hosts the services when none is running."""
    import os

    from engine.cli.child_server import run_child
    from engine.home import PROJECT_ROOT, resolve_home

    app = PROJECT_ROOT / "dashboard" / "app.py"
    env = dict(os.environ)
    if args.home:
        env["AURUM_HOME"] = str(resolve_home(args.home).root)
    if args.address not in LOOPBACK:
        from engine import auth
        from engine.errors import AuthError

        with _desk(args) as desk:
            if not auth.operators_exist(desk):
                raise AuthError(
                    f"refusing to listen on {args.address}: create an operator first "
                    "(`aurum user add NAME --role operator`); others would reach an open desk"
                )
        env["AURUM_REQUIRE_LOGIN"] = "1"
    print(f"Aurum dashboard: http://{args.address}:{args.port}  (Ctrl-C stops it)", flush=True)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        f"--server.port={args.port}",
        f"--server.address={args.address}",
        "--server.headless=true",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
        "--client.toolbarMode=viewer",
    ]
    code = run_child(command, env=env, cwd=PROJECT_ROOT)
    if code:
        raise SystemExit(code)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        from engine.errors import AuthError

        raise AuthError("the two passwords differ; nothing was changed")
    return first


def cmd_user(args: argparse.Namespace) -> None:
    from engine import auth

    with _desk(args) as desk:
        action = args.user_command
        if action == "add":
            user = auth.add_user(desk, args.name, args.role, _password(args), actor=_actor(args))
            print(f"user {user.name} added as {user.role}")
        elif action == "passwd":
            auth.set_password(desk, args.name, _password(args), actor=_actor(args))
            print(f"password of {args.name} changed")
        elif action == "remove":
            auth.remove_user(desk, args.name, actor=_actor(args))
            print(f"user {args.name} removed")
        else:
            users = auth.list_users(desk)
            print(
                table(
                    ["name", "role", "created (UTC)"],
                    [[u.name, u.role, f"{u.created_at:%Y-%m-%d %H:%M}"] for u in users],
                )
                if users
                else "No users: the dashboard is open to this machine only."
            )


def cmd_backup(args: argparse.Namespace) -> None:
    from engine.backup import backup

    with _desk(args) as desk:
        report = backup(desk, args.dest)
    print(
        f"backup written to {report.folder}: {report.files} files, {report.bytes:,} bytes, "
        f"schema {report.revision}"
    )


def cmd_restore(args: argparse.Namespace) -> None:
    from engine.backup import restore, verify
    from engine.errors import AurumError
    from engine.home import resolve_home

    manifest = verify(args.src)
    if not args.yes:
        answer = input(
            f"Replace this desk with the backup of {manifest['created_at']}? "
            "Type 'restore' to go on: "
        )
        if answer.strip() != "restore":
            raise AurumError("restore cancelled; nothing was changed")
    report = restore(resolve_home(args.home), args.src)
    print(
        f"restored {report.files} files (schema {report.revision}); run `aurum init` if this "
        "Aurum is newer than the backup"
    )


def cmd_doctor(args: argparse.Namespace) -> None:
    from engine.doctor import diagnose
    from engine.errors import AurumError

    with _desk(args) as desk:
        report = diagnose(desk, repair=args.repair, quick=args.quick)

    def text() -> str:
        marks = {"ok": "ok ", "problem": "!! ", "repairable": "~~ "}
        lines = [
            f"{'fixed' if f.repaired else marks[f.status]:<5} {f.check:<20} {f.message}"
            for f in report.findings
        ]
        verdict = "consistent" if report.consistent else "NOT consistent"
        hint = "" if report.consistent or args.repair else " (aurum doctor --repair fixes ~~ lines)"
        return "\n".join([*lines, f"the desk is {verdict}{hint}"])

    _emit(args, report.as_dict(), text)
    if not report.consistent:
        raise AurumError("the desk is not consistent: see the lines marked !! or ~~ above")


def cmd_migrate_db(args: argparse.Namespace) -> None:
    from engine.db.transfer import mask_url, migrate_database
    from engine.home import resolve_home

    home = resolve_home(args.home)
    source = args.source or home.database_url
    if not args.json:
        print(f"migrating {mask_url(source)} -> {mask_url(args.target)}", file=sys.stderr)
    report = migrate_database(
        source,
        args.target,
        artifacts_dir=home.artifacts_dir,
        actor=_actor(args),
        progress=None if args.json else _progress,
    )

    def text() -> str:
        rows = [
            [t.table, f"{t.rows:,}", t.checksum, "ok" if t.ok else "MISMATCH"]
            for t in report.tables
        ]
        lines = [
            f"from {report.source}",
            f"to   {report.target} (schema {report.revision})",
            table(["table", "rows", "sha256", "check"], rows),
            f"verified: {len(report.tables)} tables, {report.rows:,} rows, counts and checksums "
            f"equal ({report.seconds:.1f} s)",
            f"model files stay in {report.artifacts_dir}: point the new desk's home at that "
            "models/artifacts folder (or copy it)",
        ]
        if report.missing_artifacts:
            lines.append(
                f"warning: {len(report.missing_artifacts)} model file(s) referenced by versions "
                f"are missing from {report.artifacts_dir}: {', '.join(report.missing_artifacts)}"
            )
        return "\n".join(lines)

    def data() -> dict[str, object]:
        from dataclasses import asdict

        return {**asdict(report), "verified": report.verified, "rows": report.rows}

    _emit(args, data, text)
