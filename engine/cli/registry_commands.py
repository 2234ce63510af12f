"""`aurum tag | untag | describe | alias | export | import-model`: what people note about versions,
named pointers with history, and moving a version to another desk."""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager
from dataclasses import asdict
from typing import TYPE_CHECKING

from engine.cli.main import _actor, _emit
from engine.cli.render import table
from engine.errors import AurumError

if TYPE_CHECKING:
    from engine.services import Desk


def _desk(args: argparse.Namespace) -> AbstractContextManager[Desk]:
    """The desk of `--home` (imported here, not at parse time: the parser stays quick)."""
    from engine.cli.commands import _desk as open_desk

    return open_desk(args)


def add_arguments(p: dict[str, argparse.ArgumentParser]) -> None:
    """The arguments of these commands (called by engine.cli.main.build_parser)."""
    version_help = "id (12), lineage:vN or lineage@alias"
    p["tag"].add_argument("version", metavar="VERSION", help=version_help)
    p["tag"].add_argument("tag", metavar="KEY=VALUE", help="e.g. reviewed=yes")
    p["untag"].add_argument("version", metavar="VERSION", help=version_help)
    p["untag"].add_argument("key", metavar="KEY")
    p["describe"].add_argument("version", metavar="VERSION", help=version_help)
    p["describe"].add_argument(
        "text", metavar="TEXT", help="the description ('' clears it, - reads standard input)"
    )
    alias = p["alias"]
    alias.add_argument("version", metavar="VERSION", nargs="?", help=version_help)
    alias.add_argument("name", metavar="NAME", nargs="?", help="e.g. staging, candidate")
    alias.add_argument("--remove", metavar="NAME", help="remove NAME (or lineage@NAME)")
    alias.add_argument("--lineage", help="the lineage of --remove NAME (if several exist)")
    alias.add_argument("--reason", default="", help="why (kept in the history)")
    p["export"].add_argument("version", metavar="VERSION", help=version_help)
    p["export"].add_argument("--out", metavar="DIR", required=True, help="a new or empty folder")
    p["export"].add_argument(
        "--onnx", action="store_true", help="write one ONNX file for MetaTrader 5 (as export-onnx)"
    )
    p["import-model"].add_argument("folder", metavar="DIR", help="a folder from `aurum export`")
    for name in ("tag", "untag", "describe", "alias", "export", "import-model"):
        p[name].add_argument("--json", action="store_true", help="print JSON")


def cmd_tag(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        change = desk.tag(args.version, args.tag, actor=_actor(args))
    was = "" if change.before is None else f" (was {change.before!r})"
    _emit(args, change, lambda: f"{change.ref}: {change.item[4:]}={change.after}{was}")


def cmd_untag(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        change = desk.untag(args.version, args.key, actor=_actor(args))
    _emit(args, change, lambda: f"{change.ref}: tag {args.key} removed (was {change.before!r})")


def cmd_describe(args: argparse.Namespace) -> None:
    text = sys.stdin.read() if args.text == "-" else args.text
    with _desk(args) as desk:
        change = desk.describe(args.version, text, actor=_actor(args))
    _emit(
        args,
        change,
        lambda: (
            f"{change.ref}: description "
            + (f"set ({len(change.after or '')} characters)" if change.after else "cleared")
        ),
    )


def cmd_alias(args: argparse.Namespace) -> None:
    if args.remove and (args.version or args.name):
        raise AurumError("give either VERSION NAME (set an alias) or --remove NAME, not both")
    if args.remove:
        with _desk(args) as desk:
            move = desk.remove_alias(
                args.remove, lineage=args.lineage, actor=_actor(args), reason=args.reason
            )
        _emit(args, move, lambda: f"{move.lineage}@{move.alias} removed (was {move.from_ref})")
        return
    if args.version and args.name:
        with _desk(args) as desk:
            move = desk.set_alias(args.version, args.name, actor=_actor(args), reason=args.reason)
        was = f" (was {move.from_ref})" if move.from_ref else ""
        _emit(args, move, lambda: f"{move.lineage}@{move.alias} → {move.to_ref}{was}")
        return
    if args.version:
        raise AurumError("give the alias NAME after VERSION (e.g. aurum alias 12 staging)")
    _list_aliases(args)


def _list_aliases(args: argparse.Namespace) -> None:
    """`aurum alias` alone: every pointer now, and the named ones' recent moves."""
    with _desk(args) as desk:
        pointers = desk.aliases(args.lineage)
        moves = desk.alias_history(args.lineage)

    def text() -> str:
        now = [
            [f"{a.lineage}@{a.alias}", a.ref, f"{a.updated_at:%Y-%m-%d %H:%M}"] for a in pointers
        ]
        rows = [
            [f"{m.created_at:%Y-%m-%d %H:%M:%S}", f"{m.lineage}@{m.alias}", m.kind,
             m.from_ref or "—", m.to_ref or "—", m.actor, m.reason]
            for m in moves[:30]
        ]  # fmt: skip
        return (
            table(["alias", "version", "since (UTC)"], now)
            + "\n\nmoves of named aliases (newest first):\n"
            + (table(["time (UTC)", "alias", "event", "from", "to", "actor", "reason"], rows)
               if rows else "none yet")
        )  # fmt: skip

    _emit(args, {"aliases": pointers, "history": moves}, text)


def cmd_export(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        result = desk.export_version(args.version, args.out, actor=_actor(args))

    def text() -> str:
        model = result.card.model_file()
        sha = model.sha256 if model else "?"
        return (
            f"exported {result.card.ref} to {result.folder}: {', '.join(result.files)}\n"
            f"  model file sha256 {sha}\n"
            f"  import it on another desk with `aurum import-model {result.folder}`"
        )

    _emit(args, lambda: {"folder": result.folder, "files": result.files,
                         "card": result.card.model_dump(mode="json")}, text)  # fmt: skip


def cmd_import_model(args: argparse.Namespace) -> None:
    with _desk(args) as desk:
        result = desk.import_model(args.folder, actor=_actor(args))

    def text() -> str:
        lines = [f"imported {result.card.ref} as {result.version.ref} (a candidate, not active)"]
        lines += [f"  ok  {check}" for check in result.checks]
        lines.append(f"  activate it with `aurum activate {result.version.ref}` when ready")
        return "\n".join(lines)

    def data() -> dict[str, object]:
        return {"ref": result.version.ref, "id": result.version.id, "from": result.card.ref,
                "checks": result.checks, "version": asdict(result.version)}  # fmt: skip

    _emit(args, data, text)
