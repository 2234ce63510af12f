"""When a trade reported over HTTP can have happened: not more than a day after this server's
clock, and not before the model version it is attributed to was registered (no signal of that
version can have opened it). The ledger's own rules (ISO 8601 or UNIX seconds, from 2000 on,
close after open) come first, in `engine.ledger.TradeInput`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine.db.schema import Lineage, ModelVersion
from engine.errors import TradeError

FUTURE_LIMIT = timedelta(days=1)
REGISTRATION_SLACK = timedelta(minutes=5)  # clocks of the trading side and the desk may differ


def check_trade_times(desk: Any, rows: Sequence[Mapping[str, Any]], *, now: datetime) -> None:
    """Refuse the batch (TradeError naming `trades.K.field` and the reason) when a trade is
    dated more than a day after `now` or opened before its version was registered."""
    for k, row in enumerate(rows):
        for field in ("open_time", "close_time"):
            if row[field] > now + FUTURE_LIMIT:
                raise TradeError(
                    f"trades.{k}.{field}: trade {row['ticket']} is dated {_shown(row[field])}, "
                    f"more than a day after this server's clock ({_shown(now)}): send times in "
                    "UTC (MQL5: subtract TimeTradeServer() - TimeGMT()) as ISO 8601 or UNIX seconds"
                )
    born = _registered(desk, {row["version_id"] for row in rows if row["version_id"]})
    for k, row in enumerate(rows):
        version = born.get(row["version_id"])
        if version is not None and row["open_time"] < version[1] - REGISTRATION_SLACK:
            raise TradeError(
                f"trades.{k}.open_time: trade {row['ticket']} opened {_shown(row['open_time'])}, "
                f"before {version[0]} was registered ({_shown(version[1])}): no signal of that "
                "version can have opened it; send the signal's version_id and UTC times"
            )


def _registered(desk: Any, version_ids: set[int]) -> dict[int, tuple[str, datetime]]:
    """{version id: (lineage:vN, when it was registered, UTC)} of the versions that exist."""
    if not version_ids:
        return {}
    with desk.db.session() as s:
        found = s.execute(
            select(ModelVersion.id, Lineage.name, ModelVersion.version, ModelVersion.created_at)
            .join(Lineage, Lineage.id == ModelVersion.lineage_id)
            .where(ModelVersion.id.in_(version_ids))
        ).all()
    return {vid: (f"{name}:v{number}", _aware(created)) for vid, name, number, created in found}


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _shown(moment: datetime) -> str:
    return f"{_aware(moment):%Y-%m-%d %H:%M:%S} UTC"
