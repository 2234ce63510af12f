"""The FastAPI app of the HTTP bridge: routes are one-line calls into `Bridge`; Aurum's errors
become 4xx (or 503 when the desk itself cannot serve) with the engine's message; a traceback
never leaves the server."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Annotated, Any, Literal

import pydantic_core
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.api import models
from engine.api.bridge import Bridge
from engine.api.recorder import BarRecorder
from engine.api.tokens import TokenGuard
from engine.errors import (
    ArtifactError,
    AurumError,
    AuthError,
    ConfigError,
    DatabaseError,
    NotFoundError,
    PermissionDeniedError,
    RegistryError,
    SchemaError,
    TicketConflictError,
)
from engine.registry.card import ModelCard
from engine.registry.search import MAX_LIMIT, MAX_OFFSET, MAX_TAG_FILTERS, VersionQuery
from engine.services import Desk

MAX_BODY_BYTES = 1024 * 1024
log = logging.getLogger("aurum.api")

# most specific first: the first class an error is an instance of gives its status
_STATUS: tuple[tuple[type[AurumError], int], ...] = (
    (AuthError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (TicketConflictError, 409),
    (RegistryError, 409),
    (SchemaError, 503),
    (DatabaseError, 503),
    (ConfigError, 503),
    (ArtifactError, 503),
    (AurumError, 422),
)
_REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {"model": models.ErrorOut, "description": text}
    for code, text in (
        (401, "No token, or a token that is unknown or revoked."),
        (404, "No active model for that market (the message says how to get one)."),
        (
            409,
            "The desk's state refuses it: several lineages active, a ticket logged with other "
            "values.",
        ),
        (413, "The body is larger than the server's limit."),
        (
            422,
            "A field is missing or wrong (`errors` names each), or the bars cannot give a signal.",
        ),
        (503, "The desk cannot serve now (database locked or stale, model file refused)."),
    )
}
_bearer = HTTPBearer(auto_error=False, description="A token from `aurum token add NAME`.")


async def token_name(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller's token name; 401 without a live token. One indexed read (tens of µs), run on
    the event loop: a hop to the thread pool would cost more than the read."""
    guard: TokenGuard = request.app.state.guard
    found = None if credentials is None else guard.match(credentials.credentials)
    if found is None:
        raise HTTPException(
            401,
            "a valid API token is required: send `Authorization: Bearer <token>` "
            "(create one with `aurum token add NAME`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if guard.touch_due(found[0]):  # at most once a minute, off the event loop
        asyncio.get_running_loop().run_in_executor(None, guard.touch, found[0])
    return found[1]


Caller = Annotated[str, Depends(token_name)]


def create_app(
    desk: Desk,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    store_bars: bool = True,
    docs: bool = False,
) -> FastAPI:
    """The bridge's app for one open desk; with `store_bars`, the bars of each signal request
    from the newest stored one on are kept in the desk's bar store (engine.api.recorder).
    `/openapi.json`, `/docs` and `/redoc` need a token unless `docs` opens them."""
    from importlib.metadata import version

    bridge = Bridge(desk)
    closed: dict[str, Any] = (
        {} if docs else {"openapi_url": None, "docs_url": None, "redoc_url": None}
    )
    app = FastAPI(
        title="Aurum HTTP bridge",
        version=version("aurum"),
        description="Signals for the trading side and its trade results, with a token.",
        **closed,
    )
    if not docs:
        _documents_with_a_token(app)
    app.router.route_class = _QuickJSONRoute
    app.state.bridge = bridge
    recorder = BarRecorder(desk) if store_bars else None
    app.state.recorder = recorder
    app.state.guard = TokenGuard(desk)

    @app.get(
        "/v1/health",
        tags=["status"],
        summary="Liveness (no token needed)",
        responses={503: _REFUSALS[503]},
    )
    def health() -> models.HealthOut:
        return bridge.health(list(recorder.skipped.values()) if recorder is not None else None)

    @app.get(
        "/v1/active",
        tags=["signals"],
        summary="The active version per symbol/timeframe",
        responses=_REFUSALS,
    )
    def active(
        caller: Caller,
        symbol: Annotated[str | None, Query(max_length=32)] = None,
        timeframe: models.Timeframe | None = None,
    ) -> models.ActiveList:
        return bridge.active(symbol, timeframe)

    @app.post(
        "/v1/signal",
        tags=["signals"],
        summary="Recent bars in, signal for the last out",
        responses=_REFUSALS,
    )
    async def signal(request: models.SignalRequest, caller: Caller) -> models.SignalOut:
        out = bridge.signal(request)  # CPU-bound and about a millisecond: no thread hop
        if recorder is not None:  # only bars a signal was served on; written off this path
            recorder.offer(request.symbol, request.timeframe, request.bars)
        return out

    @app.post(
        "/v1/trades",
        tags=["trades"],
        summary="Log closed trades (idempotent by ticket)",
        responses=_REFUSALS,
    )
    def trades(request: models.TradesRequest, caller: Caller) -> models.TradesOut:
        return bridge.log_trades(request, actor=f"api:{caller}")

    @app.post(
        "/v1/pause",
        tags=["controls"],
        summary="Pause trading: every signal HOLD, with the reason",
        responses=_REFUSALS,
    )
    def pause(request: models.PauseRequest, caller: Caller) -> models.PauseOut:
        return bridge.pause(request, actor=f"api:{caller}")

    @app.post(
        "/v1/resume",
        tags=["controls"],
        summary="Resume trading after a pause",
        responses=_REFUSALS,
    )
    def resume(request: models.ResumeRequest, caller: Caller) -> models.PauseOut:
        return bridge.resume(request, actor=f"api:{caller}")

    @app.get(
        "/v1/versions",
        tags=["registry"],
        summary="Versions, filtered, ordered and paged",
        responses=_REFUSALS,
    )
    def versions(
        caller: Caller,
        lineage: Annotated[
            str | None, Query(min_length=1, max_length=64, pattern=models.LINEAGE_PATTERN)
        ] = None,
        tag: Annotated[
            list[Annotated[str, Field(max_length=321, pattern=models.TAG_FILTER_PATTERN)]] | None,
            Query(
                max_length=MAX_TAG_FILTERS,
                description="`key` (has the tag) or `key=value`; repeat for more (all must "
                f"match; at most {MAX_TAG_FILTERS}).",
            ),
        ] = None,
        alias: Annotated[
            str | None, Query(min_length=1, max_length=32, pattern=models.ALIAS_PATTERN)
        ] = None,
        status: models.VersionStatus | None = None,
        origin: models.DataOrigin | None = None,
        order: models.VersionOrder = "score",
        direction: Literal["best", "asc", "desc"] = "best",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> models.VersionPageOut:
        query = VersionQuery(
            lineage=lineage, tags=tuple(tag or ()), alias=alias, status=status, origin=origin,
            order=order, direction=direction, limit=limit, offset=offset,
        )  # fmt: skip
        return bridge.versions(query)

    @app.get(
        "/v1/versions/{ref}",
        tags=["registry"],
        summary="One version's model card",
        responses=_REFUSALS,
    )
    def version_card(
        caller: Caller,
        ref: Annotated[
            str,
            Path(
                min_length=1,
                max_length=100,
                pattern=models.VERSION_REF_PATTERN,
                description="id (12), lineage:vN or lineage@alias",
            ),
        ],
    ) -> ModelCard:
        return bridge.version_card(ref)

    @app.get(
        "/v1/report",
        tags=["status"],
        summary="The status report (`aurum report`)",
        responses=_REFUSALS,
    )
    def report(caller: Caller) -> dict[str, Any]:
        return bridge.report()

    @app.get(
        "/v1/versions/{ref}/onnx",
        tags=["models"],
        summary="The version as one ONNX file: raw bars in, signal out (docs/ONNX.md)",
        response_class=Response,
        responses={
            200: {"content": {"application/octet-stream": {}}, "description": "the .onnx bytes"},
            **_REFUSALS,
        },
    )
    def onnx_file(ref: Annotated[str, Path(max_length=80)], caller: Caller) -> Response:
        found = bridge.onnx(ref)
        return Response(
            found.data,
            media_type="application/octet-stream",
            headers={
                "Content-Disposition": f'attachment; filename="{found.name}"',
                "X-Aurum-Sha256": found.sha256,
            },
        )

    _add_error_handlers(app)
    app.add_middleware(ContainedErrors)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    return app


def _documents_with_a_token(app: FastAPI) -> None:
    """The OpenAPI document and its two viewers, for token holders only (`serve-api --docs`
    serves them to anyone, for a trusted network)."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(caller: Caller) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def swagger(caller: Caller) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=app.title)

    @app.get("/redoc", include_in_schema=False)
    def redoc(caller: Caller) -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=app.title)


class _QuickJSONRequest(Request):
    """Reads a JSON body with pydantic-core's parser (Rust): a 500-bar body parses in a
    fraction of the standard library's time; a bad body is the same 422 as before."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            # MQL5's StringToCharArray adds the string's terminating NUL unless told the length
            body = (await self.body()).removesuffix(b"\x00")
            try:
                self._json = pydantic_core.from_json(body)
            except ValueError as err:
                text = body.decode("utf-8", "replace")
                raise json.JSONDecodeError(str(err), text, 0) from None
        return self._json


class _QuickJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def quick(request: Request) -> Response:
            return await handler(_QuickJSONRequest(request.scope, request.receive))

        return quick


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AurumError)
    async def aurum_error(request: Request, err: AurumError) -> JSONResponse:
        status = next(code for kind, code in _STATUS if isinstance(err, kind))
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, err)
        return _error(status, str(err))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        problems = [_problem(e) for e in err.errors()]
        shown = "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        return _error(422, f"request refused: {shown}{more}", problems[:50])

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> JSONResponse:
        return _error(err.status_code, str(err.detail), headers=err.headers)


def _problem(error: Any) -> models.FieldProblem:
    loc = [str(p) for p in error.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:] or [loc[0]]
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "decode error")
        return models.FieldProblem(field="body", message=f"not valid JSON ({reason})")
    return models.FieldProblem(field=".".join(loc) or "body", message=str(error.get("msg")))


def _error(
    status: int,
    detail: str,
    problems: list[models.FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = models.ErrorOut(detail=detail, errors=problems or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


class BodyLimit:
    """Refuses a request body larger than `max_bytes` with 413: at once from its Content-Length,
    or while it streams in (chunked uploads), before the app reads more of it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            status = 413 if declared.isdigit() else 400
            await _send_error(send, status, self._message(status))
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413, self._message(413))
            return message

        await self.app(scope, limited, send)

    def _message(self, status: int) -> str:
        if status == 400:
            return "the Content-Length header is not a number"
        return f"the request body is larger than this server's limit of {self.max_bytes} bytes"


class ContainedErrors:
    """An error no handler knows becomes a 500 without a traceback, logged, and the connection
    stays usable: Starlette's own 500 path re-raises to the server, which drops the connection
    (the next request on it was reset)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as err:
            log.error("%s %s failed", scope.get("method"), scope.get("path"), exc_info=err)
            if started:  # too late for a clean answer: let the server close the connection
                raise
            detail = "internal error: the server's log has the details"
            await _send_error(send, 500, detail, close=False)


async def _send_error(send: Send, status: int, detail: str, *, close: bool = True) -> None:
    body = models.ErrorOut(detail=detail).model_dump_json().encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"connection", b"close")] if close else headers,
        }
    )
    await send({"type": "http.response.body", "body": body})
