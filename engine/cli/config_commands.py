"""`aurum config show | validate | set | history | revert`."""

from __future__ import annotations

import argparse

from engine.cli.main import _actor, _emit
from engine.cli.render import table
from engine.config.schema import describe_keys
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
        values = flatten(cfg.model_dump(mode="json"))
        docs = {d.key: d for d in describe_keys()}
        rows = [[k, v, docs[k].default, docs[k].description] for k, v in values.items()]
        _emit(
            args,
            cfg.model_dump(mode="json"),
            lambda: table(["key", "value", "default", "meaning"], rows),
        )
        return
    from engine.services import Desk

    with Desk.open(args.home) as desk:
        if action == "set":
            change = desk.set_config(args.key, args.value, actor=_actor(args))
            print("no change" if change is None else _diff_text(change.diff))
        elif action == "revert":
            change = desk.revert_config(args.change_id, actor=_actor(args))
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
    return "; ".join(f"{k}: {old} -> {new}" for k, (old, new) in diff.items())
