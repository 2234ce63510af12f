"""`aurum serve-api` and `aurum token`: the HTTP bridge and its tokens."""

from __future__ import annotations

import argparse
import sys

from engine.api.tokens import TokenInfo
from engine.cli.main import _actor, _emit
from engine.cli.render import table
from engine.services import Desk


def cmd_serve_api(args: argparse.Namespace) -> None:
    try:
        from engine.api.server import serve
    except ImportError as err:
        from engine.errors import AurumError

        raise AurumError(
            f"the HTTP bridge needs the api extra ({err.name} is missing): "
            "pip install -e '.[api]' (make run/test install it)"
        ) from None
    with Desk.open(args.home) as desk:
        serve(  # uvicorn stops cleanly on Ctrl-C / SIGTERM
            desk,
            host=args.host,
            port=args.port,
            max_body_bytes=args.max_body_bytes,
            access_log=not args.no_access_log,
            store_bars=not args.no_store_bars,
            docs=args.docs,
        )


def cmd_token(args: argparse.Namespace) -> None:
    from engine.api import tokens

    with Desk.open(args.home) as desk:
        action = args.token_command
        if action == "add":
            new = tokens.add_token(desk, args.name, actor=_actor(args))
            print(new.token)
            print(
                f"token {new.info.name} created: it is shown only this once (Aurum keeps its "
                "sha256); send it as `Authorization: Bearer <token>`",
                file=sys.stderr,
            )
        elif action == "revoke":
            info = tokens.revoke_token(desk, args.name, actor=_actor(args))
            print(f"token {info.name} revoked at {info.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
        else:
            listed = tokens.list_tokens(desk)
            _emit(args, listed, lambda: _token_table(listed))


def _token_table(listed: list[TokenInfo]) -> str:
    if not listed:
        return "No API tokens: create one with `aurum token add NAME`."

    def when(value: object) -> str:
        return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"

    return table(
        ["name", "prefix", "created (UTC)", "by", "last used (UTC)", "revoked (UTC)"],
        [
            [
                t.name,
                t.prefix + "…",
                when(t.created_at),
                t.created_by,
                when(t.last_used_at),
                when(t.revoked_at),
            ]
            for t in listed
        ],
    )
