"""`aurum config show | validate | set | history | revert`."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from engine.cli.main import _actor, _emit
from engine.cli.render import table
from engine.config.schema import Phase3Config, describe_keys
from engine.config.store import ConfigStore, flatten
from engine.home import resolve_home


def run(args: argparse.Namespace) -> None:
    action = args.config_command
    paths = resolve_home(args.home)
    if action in {"show", "validate"}:
        store = ConfigStore(paths.config_file, None)
        cfg = store.load()
        if action == "validate":
            print(f"{paths.config_file}: valid ({len(flatten(cfg.model_dump()))} keys)")
            return
        _emit(
            args,
            cfg.model_dump(mode="json"),
            lambda: show_text(cfg.model_dump(mode="json"), str(paths.config_file)),
        )
        return
    from engine.services import Desk

    with Desk.open(args.home) as desk:
        if action == "set":
            change = desk.set_config(args.key, args.value, actor=_actor(args))
            print("no change" if change is None else _diff_text(change.diff))
        elif action == "revert":
            change = desk.revert_config(args.change_id, actor=_actor(args), note=args.note)
            if change is not None and args.change_id is None:
                print(f"{paths.config_file}: {change.reason}, {len(change.diff)} key(s) written")
            else:
                print("no change" if change is None else _diff_text(change.diff))
        else:
            changes = desk.config_history()
            rows = [
                [c.id, f"{c.created_at:%Y-%m-%d %H:%M:%S}", c.actor, _diff_text(c.diff)]
                for c in changes
            ]
            _emit(args, changes, lambda: table(["id", "time (UTC)", "actor", "change"], rows))


def _diff_text(diff: dict[str, tuple[object, object]]) -> str:
    return "; ".join(f"{k}: {_json(old)} -> {_json(new)}" for k, (old, new) in diff.items())


WIDTH = 100
"""Columns `config show` fills: a value too long for one line is spread over several."""


def show_text(config: dict[str, Any], source: str) -> str:
    """Every key as `KEY = VALUE`, the value as the JSON `aurum config set KEY VALUE` takes
    (a long list or object over several lines, still JSON), then `# ` lines: the default when
    the value differs from it, and the key's meaning, wrapped to WIDTH columns."""
    values = flatten(config)
    defaults = flatten(Phase3Config().model_dump(mode="json"))
    meaning = {d.key: d.description for d in describe_keys()}
    lines = [
        f"# {source}",
        "# values are JSON, as `aurum config set KEY VALUE` takes them",
        "",
    ]
    for key, value in values.items():
        lines += json_lines(value, prefix=f"{key} = ")
        notes = []
        if value != defaults.get(key):
            notes += json_lines(defaults.get(key), prefix="default: ", width=WIDTH - 6)
        notes += textwrap.wrap(meaning.get(key, ""), WIDTH - 6, break_on_hyphens=False)
        lines += [f"    # {n}" for n in notes]
    return "\n".join(lines)


def json_lines(
    value: Any, *, prefix: str = "", suffix: str = "", indent: int = 0, width: int = WIDTH
) -> list[str]:
    """`value` as JSON lines of at most `width` columns where possible: a list or object that
    does not fit on its line is opened, one item a line, each item fitted the same way."""
    flat = f"{' ' * indent}{prefix}{_json(value)}{suffix}"
    if len(flat) <= width or not isinstance(value, dict | list) or not value:
        return [flat]
    items = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    lines = [f"{' ' * indent}{prefix}{opening}"]
    for n, (name, item) in enumerate(items):
        lines += json_lines(
            item,
            prefix="" if name is None else f"{_json(name)}: ",
            suffix="," if n < len(items) - 1 else "",
            indent=indent + 2,
            width=width,
        )
    return [*lines, f"{' ' * indent}{closing}{suffix}"]


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
