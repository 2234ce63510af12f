"""What each endpoint of the HTTP bridge does, without HTTP: the FastAPI routes are one-line
calls into `Bridge`, which serves through the seed-compatible controller and logs through the
desk's ledger (so the API, the CLI and the Python callers share one serving and one ledger path).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import numpy as np

from engine.api import models
from engine.api.trade_times import check_trade_times
from engine.controller import Phase3Controller
from engine.data.errors import DataError
from engine.errors import AurumError, NotFoundError, RegistryError, TradeError
from engine.features import BarArrays
from engine.registry.card import ModelCard
from engine.registry.search import VersionQuery
from engine.services import Desk

FUTURE_SLACK_SECONDS = 120  # a bar opening later than this after the server's clock is refused
_VERSION_FIELDS = set(models.VersionOut.model_fields) - {"ref", "data_origin"}


class Bridge:
    """The HTTP bridge's service object for one desk."""

    def __init__(self, desk: Desk, *, clock: Callable[[], datetime] | None = None) -> None:
        self.desk = desk
        self.controller = Phase3Controller(desk=desk)
        self.clock = clock or (lambda: datetime.now(UTC))  # trade times are checked against it

    def warm(self) -> list[str]:
        """Load every active version now, so the first signal is not slowed by a model load;
        returns what could not be loaded (a request for it gets the same error, as a 4xx/503)."""
        problems = []
        for lineage in self.desk.registry.lineages():
            try:
                self.controller.get_active_model_for_prediction(lineage.name)
            except RegistryError:
                continue  # a lineage without an active version serves nothing
            except AurumError as err:
                problems.append(f"{lineage.name}: {err}")
        return problems

    def health(self, notes: list[str] | None = None) -> models.HealthOut:
        return models.HealthOut(
            status="ok",
            time=datetime.now(UTC),
            active_models=len(self.active().active),
            notes=notes or [],
        )

    def active(self, symbol: str | None = None, timeframe: str | None = None) -> models.ActiveList:
        """The active version of every lineage (of `symbol`/`timeframe` when given)."""
        from engine.features import signal_history

        out = []
        for lineage in self.desk.registry.lineages():
            if (symbol and lineage.symbol != symbol) or (
                timeframe and lineage.timeframe != timeframe
            ):
                continue
            info = self.desk.registry.active_version(lineage.name)
            if info is None:
                continue
            history = signal_history(info.details, info.timeframe)
            out.append(
                models.ActiveOut(
                    lineage=info.lineage,
                    symbol=info.symbol,
                    timeframe=info.timeframe,
                    version_id=info.id,
                    version_ref=info.ref,
                    algorithm=info.algorithm,
                    trained_to=info.train_end,
                    min_confidence=info.details.get("min_confidence"),
                    bars_needed=history and history.min_history_bars,
                    bars_used=history and history.bars_used,
                    min_history_bars=history and history.min_history_bars,
                    fixed_window=history and history.fixed_window,
                    demo=info.is_demo,
                    data_origin=info.data_origin,  # type: ignore[arg-type]
                    trained_on=info.trained_on,
                    reason=self.controller.serving_refusal(info),
                )
            )
        state = self.desk.pause_state()
        return models.ActiveList(
            active=out, paused=state.paused, pause=pause_out(state) if state.paused else None
        )

    def signal(self, request: models.SignalRequest) -> models.SignalOut:
        """The active model's signal for the last of the request's bars."""
        bars = bar_arrays(request.bars)
        account = request.account or models.AccountIn()
        signal = self.controller.predict_signal(
            bars,
            request.lineage,
            symbol=request.symbol,
            timeframe=request.timeframe,
            balance=account.balance,
            open_risk=account.open_risk,
        )
        return models.SignalOut(
            **vars(signal),
            lineage=signal.version_ref.rsplit(":v", 1)[0],
            symbol=request.symbol,
            timeframe=request.timeframe,
        )

    def pause(self, request: models.PauseRequest, *, actor: str) -> models.PauseOut:
        """Hold every signal from the next request on (audited and alerted as `actor`)."""
        return pause_out(self.desk.pause(request.reason, actor=actor))

    def resume(self, request: models.ResumeRequest, *, actor: str) -> models.PauseOut:
        return pause_out(self.desk.resume(request.reason, actor=actor))

    def log_trades(self, request: models.TradesRequest, *, actor: str) -> models.TradesOut:
        """Log the trades in one transaction (all or nothing), audited as `actor`. A trade without
        `version_id` goes to the version it was first logged with, else to the active version of
        its market, so a retry after a model switch is still `unchanged`."""
        stored = self._stored_versions([t.ticket for t in request.trades])
        rows = []
        for trade in request.trades:
            row = trade.model_dump(exclude={"lineage", "timeframe"})
            if row["version_id"] is None:
                row["version_id"] = stored.get(trade.ticket) or self._version_for(trade)
            rows.append(row)
        check_trade_times(self.desk, rows, now=self.clock())
        logged = self.desk.log_trades(rows, actor=actor)
        return models.TradesOut(
            new=sum(t.outcome == "new" for t in logged),
            unchanged=sum(t.outcome == "unchanged" for t in logged),
            trades=[models.LoggedOut.model_validate(asdict(t)) for t in logged],
        )

    def _version_for(self, trade: models.TradeIn) -> int:
        try:
            return self.controller.active_version_id(
                trade.lineage, symbol=trade.symbol, timeframe=trade.timeframe
            )
        except (NotFoundError, RegistryError) as err:
            raise TradeError(
                f"trade {trade.ticket}: no model to attribute it to ({err}); "
                "send the signal's version_id with the trade"
            ) from None

    def _stored_versions(self, tickets: list[str]) -> dict[str, int | None]:
        from engine.ledger import logged_versions

        with self.desk.db.session() as s:
            return logged_versions(s, tickets)

    def versions(self, query: VersionQuery) -> models.VersionPageOut:
        """A page of versions (engine.registry.search.VersionQuery in, its page out)."""
        from engine.registry.search import version_origin

        page = self.desk.find_versions(query)
        out = [
            models.VersionOut.model_validate(
                {**{name: getattr(v, name) for name in _VERSION_FIELDS}, "ref": v.ref,
                 "data_origin": version_origin(v)}
            )
            for v in page.versions
        ]  # fmt: skip
        return models.VersionPageOut(
            versions=out,
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            next_offset=page.next_offset,
            order=page.order,
            direction=page.direction,
        )

    def version_card(self, ref: str) -> ModelCard:
        """One version's model card (what `aurum export` writes as model-card.json)."""
        return self.desk.model_card(ref)

    def onnx(self, ref: str) -> Any:
        """The version's ONNX file (`aurum export-onnx` without writing files)."""
        return self.desk.onnx_file(int(ref) if ref.isdigit() else ref)

    def report(self) -> dict[str, Any]:
        """The status report (`aurum report`), built from stored state; a GET writes no file."""
        from engine.reports import build_report

        return build_report(self.desk)


def pause_out(state: Any) -> models.PauseOut:
    """The switch as the bridge answers it (engine.controls.pause.PauseState in)."""
    event = state.event
    if event is None:
        return models.PauseOut(paused=state.paused, changed=state.changed)
    return models.PauseOut(
        paused=state.paused,
        changed=state.changed,
        reason=event.reason,
        actor=event.actor,
        at=event.at,
        rule=event.rule,
        figure=event.figure,
        limit=event.threshold,
    )


def bar_arrays(bars: models.Bars) -> BarArrays:
    """The request's columns as the serving path's arrays, checked as `BarArrays.from_frame`
    checks a frame, plus: no bar in the future (broker time sent as UTC), highs and lows that
    bound open and close."""
    secs = np.asarray(bars.time, dtype=np.int64)
    _check_times(secs)
    open_, high, low, close = (
        np.asarray(column, dtype=np.float64)
        for column in (bars.open, bars.high, bars.low, bars.close)
    )
    bad = np.flatnonzero((high < np.maximum(open_, close)) | (low > np.minimum(open_, close)))
    if bad.size:
        raise DataError(
            f"bars.high.{bad[0]}/bars.low.{bad[0]}: high must be the highest and low the lowest "
            "of the bar's open, high, low and close"
        )
    spread = (
        np.full(len(secs), np.nan)
        if bars.spread is None
        else np.asarray(bars.spread, dtype=np.float64)
    )
    return BarArrays(open=open_, high=high, low=low, close=close, spread_points=spread, secs=secs)


def _check_times(secs: np.ndarray) -> None:
    ahead = int(secs[-1]) - int(time.time())
    if ahead > FUTURE_SLACK_SECONDS:
        raise DataError(
            f"bars.time.{len(secs) - 1}: the last bar opens {ahead / 3600:.1f} h after this "
            "server's clock: bar times must be UTC; subtract the broker's offset "
            "(MQL5: TimeTradeServer() - TimeGMT())"
        )
    bad = np.flatnonzero(np.diff(secs) <= 0)
    if bad.size:
        raise DataError(
            f"bars.time.{bad[0] + 1}: bar times must be strictly increasing (oldest bar first)"
        )
