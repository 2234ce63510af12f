"""`aurum serve-api`: the bridge's app under uvicorn, on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import sys
from typing import Any

from engine.api.app import MAX_BODY_BYTES, create_app
from engine.services import Desk

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def make_server(
    desk: Desk,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_body_bytes: int = MAX_BODY_BYTES,
    access_log: bool = False,
    store_bars: bool = True,
    docs: bool = False,
) -> Any:
    """A uvicorn Server for `desk` (not started): one process, one event loop; port 0 picks a
    free port (read it from `bound_port` once started). On stop, once the last request is
    answered, the bars still waiting to be stored are written."""
    import asyncio

    import uvicorn

    class BridgeServer(uvicorn.Server):
        async def shutdown(self, sockets: Any = None) -> None:
            await super().shutdown(sockets=sockets)
            if recorder is not None:
                await asyncio.to_thread(recorder.close)

    app = create_app(desk, max_body_bytes=max_body_bytes, store_bars=store_bars, docs=docs)
    recorder = app.state.recorder
    for problem in app.state.bridge.warm():
        print(f"warning: cannot serve {problem}", file=sys.stderr, flush=True)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=access_log,
        log_level="info",
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=30,
        lifespan="off",
    )
    return BridgeServer(config)


def bound_port(server: Any) -> int:
    """The port a started uvicorn Server listens on."""
    return int(server.servers[0].sockets[0].getsockname()[1])


def exposure_warning(host: str) -> str | None:
    """What to say when the bridge listens beyond this machine (None on loopback)."""
    if host in LOOPBACK:
        return None
    line = "!" * 78
    return (
        f"{line}\n"
        f"WARNING: the Aurum HTTP bridge listens on {host}, not only on this machine.\n"
        "Anyone who reaches this port can try tokens, and plain HTTP carries them in clear\n"
        "text. Prefer 127.0.0.1 with the EA on the same machine, or an SSH tunnel / VPN /\n"
        "TLS reverse proxy in front; firewall the port; revoke tokens you no longer use.\n"
        f"{line}"
    )


def serve(
    desk: Desk,
    *,
    host: str,
    port: int,
    max_body_bytes: int = MAX_BODY_BYTES,
    access_log: bool = True,
    store_bars: bool = True,
    docs: bool = False,
) -> None:
    """Run the bridge in the foreground until Ctrl-C / SIGTERM."""
    from engine.api.tokens import list_tokens

    warning = exposure_warning(host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    live = [t for t in list_tokens(desk) if t.revoked_at is None]
    if not live:
        print(
            "note: no API token exists, so every request but /v1/health is refused: "
            "create one with `aurum token add NAME`",
            file=sys.stderr,
            flush=True,
        )
    server = make_server(
        desk,
        host=host,
        port=port,
        max_body_bytes=max_body_bytes,
        access_log=access_log,
        store_bars=store_bars,
        docs=docs,
    )
    where = f"[{host}]" if ":" in host else host
    print(
        f"Aurum HTTP bridge: http://{where}:{port}/v1/  (OpenAPI: /openapi.json"
        f"{', open to all (--docs)' if docs else ' with a token'}; "
        f"body limit {max_body_bytes:,} bytes; {len(live)} live token(s); Ctrl-C stops it)",
        flush=True,
    )
    server.run()
