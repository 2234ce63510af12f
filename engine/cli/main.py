"""`aurum`: one console script; each command imports only what it needs (fast start)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from engine.errors import AurumError

COMMANDS: dict[str, str] = {
    "init": "create or upgrade the database, write the default config",
    "demo": "seed a demo desk: generated bars, fitted models, trades (--remove: take it out)",
    "import-bars": "import an MT5 'Export bars' file or a CSV of bars (all-or-nothing)",
    "import-trades": "import a trade history CSV into the ledger (all-or-nothing)",
    "bars": "the stored bar series (symbol, timeframe, count, first/last)",
    "train": "run one learning session now, with a progress bar",
    "sessions": "the history of learning sessions",
    "session": "one learning session: candidates, folds, baseline, outcome",
    "cancel-session": "cancel a queued learning session, or stop a running one between fits",
    "signal": "the active model's signal for FILE's latest bar",
    "pause": "pause trading: every signal HOLD (paused, with the reason) until resumed",
    "resume": "resume trading after a pause (manual or automatic)",
    "services": "run the background services in the foreground",
    "dashboard": "start the browser dashboard (default http://127.0.0.1:8501)",
    "serve-api": "start the HTTP bridge for the trading side (default http://127.0.0.1:8000)",
    "token": "add NAME | list | revoke NAME: API tokens of the HTTP bridge",
    "models": "the leaderboard of model versions",
    "show": "one model version: metadata, metrics, features",
    "activate": "make a version the active one",
    "rollback": "re-activate the previously active version",
    "pin": "protect a version from cleanup",
    "unpin": "remove a version's cleanup protection",
    "cleanup": "remove old versions' model files (never active/previous/pinned/aliased)",
    "history": "activation and audit events",
    "report": "the status report (also written to logs/)",
    "research-report": "one version's research report as a self-contained HTML file",
    "export-onnx": "one version as an ONNX file (raw bars in, signal out) and its model card",
    "backtest": "replay a version over stored bars (window, series, costs), stored as a run",
    "backtests": "the stored backtest runs: window, costs, metrics, in-sample share",
    "config": "show | validate | set KEY VALUE | history | revert [ID]",
    "backup": "copy database, model files and config into a new folder (with checksums)",
    "restore": "replace this desk with a verified backup (services must be stopped)",
    "doctor": "check database vs model files vs config; --repair fixes what is safe to fix",
    "migrate-db": "copy this desk's database into a new, empty one (e.g. PostgreSQL), verified",
    "user": "add NAME --role viewer|operator | passwd NAME | remove NAME | list",
    "alerts": "recent alerts | test (send one to the webhook) | check (run the rules now)",
    "tag": "set a tag KEY=VALUE on a version (audited)",
    "untag": "remove a tag from a version",
    "describe": "set a version's free-text description ('' clears it)",
    "alias": "VERSION NAME | --remove NAME: named pointers (staging, ...) with history",
    "export": "write a version's model file and model card (JSON, Markdown) into a folder",
    "import-model": "verify a folder from `aurum export` and register it as a new version",
}


TZ_HELP = (
    "clock of the file's times: an IANA name (Europe/Athens), a fixed offset (UTC+2, UTC-03:30) "
    "or NY+7 (New York time + 7 h, the common MT5 server clock); default UTC"
)
AMBIGUOUS_HELP = (
    "how to read a local time that the DST fall-back repeats: earlier (summer time) or later "
    "(winter time); without it such rows are refused with their line numbers"
)


def _actor(args: argparse.Namespace) -> str:
    if getattr(args, "actor", None):
        return str(args.actor)
    try:
        import getpass

        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    """Print JSON with --json (data may be a callable, built only then), else the text."""
    if getattr(args, "json", False):
        from engine.jsonable import to_jsonable

        value = data() if callable(data) else data
        print(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))
    else:
        print(text())


COMMON_OPTIONS = ("home", "actor")


def _add_common(parser: argparse.ArgumentParser) -> None:
    """--home and --actor, taken before or after the command name (`aurum --home D models`
    = `aurum models --home D`). Their default is SUPPRESS so that a subcommand's parser, which
    argparse runs after the main one, does not overwrite a value given earlier with None;
    `main` fills in None for options not given anywhere."""
    parser.add_argument(
        "--home",
        default=argparse.SUPPRESS,
        help="folder for database, models, config, logs (or AURUM_HOME)",
    )
    parser.add_argument(
        "--actor",
        default=argparse.SUPPRESS,
        help="name recorded in the audit trail (default cli:<user>)",
    )


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The parsed command line; --home/--actor given at any level (the last one wins)."""
    args = build_parser().parse_args(argv)
    for name in COMMON_OPTIONS:
        if not hasattr(args, name):
            setattr(args, name, None)
    return args


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common)
    parser = argparse.ArgumentParser(
        prog="aurum", description="Aurum: the XAUUSD model desk.", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p: dict[str, argparse.ArgumentParser] = {
        name: sub.add_parser(name, help=help_, description=help_, parents=[common])
        for name, help_ in COMMANDS.items()
    }
    p["demo"].add_argument("--bars", type=int, default=24_000, help="bars to generate")
    p["demo"].add_argument("--if-empty", action="store_true", help="only when no models exist")
    p["demo"].add_argument(
        "--remove",
        action="store_true",
        help="take the demo's generated bars and DEMO versions (with their trades, sessions, "
        "decisions and metrics) out again; real data stays",
    )
    imp = p["import-bars"]
    imp.add_argument("file", metavar="FILE", help="the bar file to import")
    imp.add_argument("--symbol", required=True, help="e.g. XAUUSD")
    imp.add_argument("--timeframe", required=True, help="M1, M5, M15, M30, H1, H4 or D1")
    imp.add_argument("--format", dest="fmt", choices=["mt5", "csv"], help="default: detect")
    imp.add_argument("--tz", default="UTC", help=TZ_HELP)
    imp.add_argument("--ambiguous", choices=["earlier", "later"], help=AMBIGUOUS_HELP)
    p["import-trades"].add_argument("file", metavar="FILE", help="CSV, one closed trade per row")
    p["train"].add_argument("--symbol", help="default: learning.symbol in the config")
    p["train"].add_argument("--timeframe", help="default: learning.timeframe in the config")
    p["train"].add_argument(
        "--queue", action="store_true", help="queue the session for the background worker instead"
    )
    p["services"].add_argument(
        "--no-wait", action="store_true", help="exit (code 3) when another instance holds the lease"
    )
    p["session"].add_argument("session_id", metavar="ID", type=int)
    p["cancel-session"].add_argument("session_id", metavar="ID", type=int)
    p["cancel-session"].add_argument("--reason", default="", help="why (kept in the audit)")
    p["dashboard"].add_argument("--port", type=int, default=8501, help="default 8501")
    p["dashboard"].add_argument(
        "--address", default="127.0.0.1", help="default 127.0.0.1 (this machine only)"
    )
    api = p["serve-api"]
    api.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
    api.add_argument("--port", type=int, default=8000, help="default 8000")
    api.add_argument(
        "--max-body-bytes",
        type=int,
        default=1024 * 1024,
        help="larger request bodies get 413 (default 1 MiB; 5,000 bars take about 290 KB)",
    )
    api.add_argument("--no-access-log", action="store_true", help="do not log each request")
    api.add_argument(
        "--no-store-bars",
        action="store_true",
        help="do not keep the bars of signal requests in the desk's bar store",
    )
    api.add_argument(
        "--docs",
        action="store_true",
        help="serve /docs, /redoc and /openapi.json without a token (a trusted network only)",
    )
    tokens = p["token"].add_subparsers(dest="token_command", required=True, metavar="ACTION")
    for action, help_ in (
        ("add", "create a token (printed once)"),
        ("list", "the tokens: name, prefix, created, last used, revoked"),
        ("revoke", "refuse a token from now on"),
    ):
        tp = tokens.add_parser(action, help=help_, parents=[common])
        if action != "list":
            tp.add_argument("name", metavar="NAME", help="who uses it, e.g. mt5-vps")
        else:
            tp.add_argument("--json", action="store_true", help="print JSON")
    sig = p["signal"]
    sig.add_argument("file", metavar="FILE", help="recent bars (MT5 export or CSV)")
    sig.add_argument("--timeframe", help="the file's timeframe (default: learning.timeframe)")
    sig.add_argument("--format", dest="fmt", choices=["mt5", "csv"], help="default: detect")
    sig.add_argument(
        "--tz",
        help=TZ_HELP + " (an MT5 file read without it is warned about: MT5 writes server time)",
    )
    sig.add_argument("--ambiguous", choices=["earlier", "later"], help=AMBIGUOUS_HELP)
    sig.add_argument("--lineage", help="which lineage's active model (if several)")
    sig.add_argument(
        "--balance", type=float, help="account balance to size on (default account.initial_balance)"
    )
    sig.add_argument(
        "--open-risk", type=float, help="money at the stops of open positions (for the cap)"
    )
    p["pause"].add_argument("--reason", help="why (required; shown with every held signal)")
    p["pause"].add_argument(
        "--show", action="store_true", help="only show the switch and its recent history"
    )
    p["resume"].add_argument("--reason", default="", help="why (kept in the history)")
    json_commands = (
        "demo",
        "models",
        "show",
        "history",
        "report",
        "import-bars",
        "bars",
        "train",
        "sessions",
        "session",
        "cancel-session",
        "signal",
        "doctor",
        "activate",
        "rollback",
        "pin",
        "unpin",
        "cleanup",
        "migrate-db",
        "pause",
        "resume",
    )
    for name in json_commands:
        p[name].add_argument("--json", action="store_true", help="print JSON")
    p["models"].add_argument("--lineage", help="only this lineage")
    for name in ("show", "activate", "pin", "unpin"):
        p[name].add_argument(
            "version", metavar="VERSION", help="id (12), lineage:vN or lineage@alias"
        )
    for name in ("activate", "rollback"):
        p[name].add_argument("--reason", default="", help="why (kept in the history)")
        p[name].add_argument(
            "--yes", action="store_true", help="confirm without a reason (scripts)"
        )
    p["rollback"].add_argument("--lineage", help="lineage to roll back (if several exist)")
    p["history"].add_argument("--lineage", help="only this lineage")
    p["cleanup"].add_argument("--keep", type=int, help="newest versions to keep per lineage")
    rr = p["research-report"]
    rr.add_argument("version", metavar="VERSION", help="id (12), lineage:vN or lineage@alias")
    rr.add_argument("--out", metavar="FILE", help="default: research-<lineage>-vN.html here")
    from engine.cli.backtest_commands import add_arguments as backtest_arguments

    backtest_arguments(p["backtest"], p["backtests"])

    onnx = p["export-onnx"]
    onnx.add_argument("version", metavar="VERSION", help="id (12) or lineage:vN")
    onnx.add_argument("--out", metavar="DIR", required=True, help="folder for the two files")
    onnx.add_argument("--json", action="store_true", help="print JSON")
    p["backup"].add_argument("dest", metavar="FOLDER", help="a new, empty folder")
    p["restore"].add_argument("src", metavar="FOLDER", help="a folder made by `aurum backup`")
    p["restore"].add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p["doctor"].add_argument(
        "--repair", action="store_true", help="fix what is safely repairable (temp files, ...)"
    )
    p["doctor"].add_argument(
        "--quick", action="store_true", help="check that model files exist without hashing them"
    )
    alerts = p["alerts"]
    alerts.add_argument(
        "action", nargs="?", default="list", choices=["list", "test", "check"], metavar="ACTION"
    )
    alerts.add_argument("--limit", type=int, default=30, help="newest alerts listed (default 30)")
    alerts.add_argument("--json", action="store_true", help="print JSON")
    mig = p["migrate-db"]
    mig.add_argument(
        "--from", dest="source", metavar="URL", help="source database (default: this home's)"
    )
    mig.add_argument(
        "--to", dest="target", metavar="URL", required=True, help="a new, empty database"
    )
    users = p["user"].add_subparsers(dest="user_command", required=True, metavar="ACTION")
    for action, help_ in (
        ("add", "create a dashboard user"),
        ("passwd", "change a password"),
        ("remove", "delete a user"),
        ("list", "the users and their roles"),
    ):
        sp = users.add_parser(action, help=help_, parents=[common])
        if action != "list":
            sp.add_argument("name", metavar="NAME")
        if action in ("add", "passwd"):
            sp.add_argument(
                "--password-stdin",
                action="store_true",
                help="read the password from standard input (for scripts)",
            )
        if action == "add":
            sp.add_argument("--role", required=True, choices=["viewer", "operator"])
    from engine.cli.registry_commands import add_arguments

    add_arguments(p)
    cfg = p["config"].add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = cfg.add_parser("show", help="every key with its value", parents=[common])
    show.add_argument("--json", action="store_true", help="print JSON")
    cfg.add_parser("validate", help="check the config file", parents=[common])
    setp = cfg.add_parser("set", help="set KEY to VALUE (dotted keys)", parents=[common])
    setp.add_argument("key", metavar="KEY")
    setp.add_argument("value", metavar="VALUE")
    hist = cfg.add_parser("history", help="saved changes", parents=[common])
    hist.add_argument("--json", action="store_true", help="print JSON")
    rev = cfg.add_parser(
        "revert",
        help="undo saved change ID; without ID, restore the last good config (even over a "
        "broken file)",
        parents=[common],
    )
    rev.add_argument("change_id", metavar="ID", type=int, nargs="?")
    rev.add_argument("--note", default="", help="why (kept in the change's reason and the audit)")
    return parser


BROKEN_PIPE_EXIT = 141
"""The exit code of a command whose reader went away (`aurum models | head`): 128 + SIGPIPE,
what the shell reports for `cat` or `git log` cut short the same way."""


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    from engine.cli import commands

    handler = getattr(commands, f"cmd_{args.command.replace('-', '_')}")
    try:
        handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except BrokenPipeError:
        return _reader_gone()
    except AurumError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


def _reader_gone() -> int:
    """Stop quietly when the reader of stdout closed it (`| head`): what is still buffered has
    nowhere to go, so stdout is pointed at /dev/null before Python flushes it at exit."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a file descriptor (captured in tests): nothing is flushed at exit
    finally:
        os.close(devnull)
    return BROKEN_PIPE_EXIT


if __name__ == "__main__":
    sys.exit(main())
