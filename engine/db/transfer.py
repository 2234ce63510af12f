"""Move a desk's database to another database (`aurum migrate-db`), verified row by row.

The source must be at the schema head. The target gets the schema from the shipped Alembic
migrations and must hold no Aurum rows. Every table of the ORM metadata is copied parents first,
in batches, with its primary keys, inside one write transaction on the target; per-table row
counts and sha256 checksums (over rows ordered by primary key, values normalised so that SQLite
and PostgreSQL compare equal) are then compared before that transaction commits. Any failure
leaves the target without copied rows. Model files are not moved: the rows keep their paths,
relative to the home's artifacts folder, and missing files are reported.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    Table,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy import table as bare_table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from engine.db.connection import Database, open_database
from engine.db.schema import Base, ModelVersion
from engine.errors import AurumError

BATCH_ROWS = 5_000
Progress = Callable[[str, float], None]


class MigrationError(AurumError):
    """A database migration was refused or failed; the target holds no copied rows."""


@dataclass(frozen=True)
class TableSum:
    """One table's row count and checksum in one database."""

    table: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class TableReport:
    """One copied table: rows and checksum in the target, and whether they match the source."""

    table: str
    rows: int
    checksum: str
    ok: bool


@dataclass(frozen=True)
class MigrationReport:
    source: str  # password masked
    target: str  # password masked
    revision: str
    tables: list[TableReport]
    seconds: float
    missing_artifacts: list[str] = field(default_factory=list)
    artifacts_dir: str | None = None

    @property
    def verified(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


# --- URLs ---------------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL; `postgresql://` (or `postgres://`) without a driver gets psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise MigrationError(f"{mask_url(url)} is not a database URL") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def mask_url(url: str) -> str:
    """The URL with its password shown as ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        if "@" in url and "://" in url:  # scheme://user:secret@host → scheme://user:***@host
            scheme, rest = url.split("://", 1)
            creds, host = rest.rsplit("@", 1)
            return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
        return url


def _secrets(urls: Iterable[str]) -> list[tuple[str, str]]:
    """(text to hide, replacement) pairs for the given URLs: whole URLs first, then passwords."""
    pairs: list[tuple[str, str]] = []
    passwords: list[str] = []
    for url in urls:
        try:
            parsed = make_url(url)
        except ArgumentError:
            continue
        if not parsed.password:
            continue
        masked = parsed.render_as_string(hide_password=True)
        pairs += [(url, masked), (parsed.render_as_string(hide_password=False), masked)]
        passwords.append(str(parsed.password))
    from urllib.parse import quote_plus

    for password in passwords:
        pairs += [(quote_plus(password), "***"), (password, "***")]
    return sorted(set(pairs), key=lambda p: -len(p[0]))


def scrub(message: str, urls: Iterable[str]) -> str:
    """`message` without any password contained in `urls`."""
    for secret, replacement in _secrets(urls):
        if secret:
            message = message.replace(secret, replacement)
    return message


def _same_database(a: str, b: str) -> bool:
    ua, ub = make_url(a), make_url(b)
    if ua.get_backend_name() == ub.get_backend_name() == "sqlite":
        pa, pb = ua.database or "", ub.database or ""
        if ":memory:" in (pa, pb) or not pa or not pb:
            return False
        return Path(pa).resolve() == Path(pb).resolve()
    keys = ("host", "port", "database")
    return ua.get_backend_name() == ub.get_backend_name() and all(
        getattr(ua, k) == getattr(ub, k) for k in keys
    )


# --- checksums ----------------------------------------------------------------------------------


def normalise_value(value: Any) -> str:
    """One value as dialect-independent text: a type tag and its canonical form."""
    if value is None:
        return "n"
    if isinstance(value, bool):
        return "b1" if value else "b0"
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, float):
        return f"f{value!r}"
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return f"d{aware.astimezone(UTC).isoformat()}"
    if isinstance(value, str):
        return f"s{value}"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"x{bytes(value).hex()}"
    return f"o{type(value).__name__}:{value}"


def row_line(row: Sequence[Any]) -> bytes:
    """A row as one unambiguous line of the checksum."""
    return json.dumps([normalise_value(v) for v in row], ensure_ascii=False).encode() + b"\n"


def _copied_tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _ordered(conn: Connection, table: Table) -> Any:
    """SELECT every row ordered by primary key; text keys in byte order on PostgreSQL (as
    SQLite compares them), so that both dialects stream rows in the same order."""
    keys: list[ColumnElement[Any]] = []
    for column in table.primary_key.columns:
        if conn.dialect.name == "postgresql" and isinstance(column.type, String):
            keys.append(column.collate("C"))
        else:
            keys.append(column)
    return select(table).order_by(*keys)


def _batches(conn: Connection, table: Table, size: int) -> Iterator[list[Any]]:
    result = conn.execute(_ordered(conn, table).execution_options(yield_per=size))
    for part in result.partitions(size):
        yield list(part)


def table_sum(conn: Connection, table: Table, *, batch: int = BATCH_ROWS) -> TableSum:
    """Row count and sha256 of one table as seen by `conn`."""
    digest, rows = hashlib.sha256(), 0
    for part in _batches(conn, table, batch):
        for row in part:
            digest.update(row_line(row))
        rows += len(part)
    return TableSum(table.name, rows, digest.hexdigest())


def database_sums(db: Database) -> dict[str, TableSum]:
    """Every Aurum table's row count and checksum, read in one transaction."""
    with _snapshot(db) as conn:
        return {t.name: table_sum(conn, t) for t in _copied_tables()}


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """One read transaction that sees one state of the database for all its statements."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


# --- the copy -----------------------------------------------------------------------------------


def _row_counts(conn: Connection, tables: Iterable[str]) -> dict[str, int]:
    """Rows per table for the tables that exist (by name: works on any schema revision)."""
    inspector = inspect(conn)
    counts = {}
    for name in tables:
        if inspector.has_table(name):
            count = conn.execute(select(func.count()).select_from(bare_table(name))).scalar()
            counts[name] = int(count or 0)
    return counts


def _refuse_rows(counts: Mapping[str, int], target: str) -> None:
    filled = {name: n for name, n in counts.items() if n}
    if filled:
        listed = ", ".join(
            f"{name} ({n:,} row{'' if n == 1 else 's'})" for name, n in filled.items()
        )
        raise MigrationError(
            f"the target database {target} already holds Aurum data: {listed}. "
            "Migrate into a new, empty database; nothing was written."
        )


def _insert_batch(conn: Connection, table: Table, rows: list[Any]) -> None:
    """Insert one batch of source rows (keys included) into the target table."""
    conn.execute(insert(table), [dict(row._mapping) for row in rows])


def _reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move every SERIAL/IDENTITY sequence past the copied keys (max(id))."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        column = pk[0]
        sequence = conn.execute(select(func.pg_get_serial_sequence(table.name, column.name)))
        name = sequence.scalar()
        if name is None:
            continue
        top = select(func.max(column)).scalar_subquery()
        conn.execute(select(func.setval(name, func.coalesce(top, 1), top.is_not(None))))


def _missing_artifacts(conn: Connection, artifacts_dir: Path | None) -> list[str]:
    """Model file paths that kept versions reference and the artifacts folder lacks."""
    if artifacts_dir is None:
        return []
    query = select(ModelVersion.artifact_path).where(
        ModelVersion.artifact_path.is_not(None), ModelVersion.status != "cleaned"
    )
    paths = sorted({str(p) for p in conn.execute(query).scalars() if p})
    return [p for p in paths if not (artifacts_dir / p).is_file()]


def _services_running(db: Database) -> bool:
    from engine.scheduler.lease import state

    return state(db).alive


def migrate_database(
    source_url: str,
    target_url: str,
    *,
    artifacts_dir: Path | None = None,
    actor: str | None = None,
    batch: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> MigrationReport:
    """Copy the desk at `source_url` into the empty database at `target_url` and verify it.

    With `actor`, an audit event recording the migration is written into the target, after the
    verification and in the same transaction. Every password is masked in messages."""
    urls = [source_url, target_url]
    try:
        source, target = normalise_url(source_url), normalise_url(target_url)
        urls += [source, target]
        return _migrate(source, target, artifacts_dir, actor, batch, progress)
    except AurumError as err:
        raise type(err)(scrub(str(err), urls)) from None
    except DBAPIError as err:
        raise MigrationError(scrub(f"the database refused: {err.orig}", urls)) from None
    except (SQLAlchemyError, OSError) as err:
        raise MigrationError(scrub(f"the migration failed: {err}", urls)) from None


def _migrate(
    source_url: str,
    target_url: str,
    artifacts_dir: Path | None,
    actor: str | None,
    batch: int,
    progress: Progress | None,
) -> MigrationReport:
    from engine.db.migrate import (
        HEAD_REVISION,
        current_revision,
        known_revisions,
        upgrade_to_head,
    )

    started = time.monotonic()
    shown_source, shown_target = mask_url(source_url), mask_url(target_url)
    if _same_database(source_url, target_url):
        raise MigrationError(f"the source and the target are the same database ({shown_target})")
    step = progress or (lambda _stage, _fraction: None)
    tables = _copied_tables()
    source = open_database(source_url)
    target: Database | None = None
    try:
        if _services_running(source):
            raise MigrationError(
                "the background services (or the dashboard) are running on the source desk: "
                "stop them first, so that nothing is written while the desk moves"
            )
        target = Database(target_url)
        try:
            with target.engine.connect() as conn:
                counts = _row_counts(conn, [t.name for t in tables])
        except DBAPIError as err:
            raise MigrationError(
                f"cannot open the target database {shown_target}: {err.orig}"
            ) from err
        _refuse_rows(counts, shown_target)
        found = current_revision(target)
        if found is not None and found not in known_revisions():
            raise MigrationError(
                f"the target database {shown_target} has schema {found}, unknown to this Aurum "
                "(made by a newer version?): refused"
            )
        step("creating the schema in the target", 0.0)
        revision = upgrade_to_head(target)
        if revision != HEAD_REVISION:
            raise MigrationError(f"the target's schema is at {revision}, not {HEAD_REVISION}")
        with _snapshot(source) as src, target.transaction(write=True) as dst:
            _refuse_rows(_row_counts(dst, [t.name for t in tables]), shown_target)
            expected = _copy(src, dst, tables, batch, step)
            _reset_sequences(dst, tables)
            step("verifying counts and checksums", 0.95)
            reports = _verify(dst, tables, expected, batch)
            missing = _missing_artifacts(dst, artifacts_dir)
            if actor is not None:
                from engine.audit import insert_audit

                insert_audit(
                    dst,
                    actor,
                    "migrate-db",
                    shown_source,
                    {
                        "from": shown_source,
                        "to": shown_target,
                        "rows": sum(r.rows for r in reports),
                        "tables": {r.table: r.rows for r in reports},
                        "missing_artifacts": missing,
                    },
                )
        step("verified", 1.0)
    finally:
        source.dispose()
        if target is not None:
            target.dispose()
    return MigrationReport(
        shown_source,
        shown_target,
        revision,
        reports,
        round(time.monotonic() - started, 3),
        missing,
        None if artifacts_dir is None else str(artifacts_dir),
    )


def _copy(
    src: Connection, dst: Connection, tables: list[Table], batch: int, step: Progress
) -> dict[str, TableSum]:
    """Copy every table in batches; returns the source's counts and checksums of what was read."""
    totals = _row_counts(src, [t.name for t in tables])
    grand = max(1, sum(totals.values()))
    done, shown = 0, -1
    sums: dict[str, TableSum] = {}
    for table in tables:
        digest, rows = hashlib.sha256(), 0
        try:
            for part in _batches(src, table, batch):
                for row in part:
                    digest.update(row_line(row))
                _insert_batch(dst, table, part)
                rows += len(part)
                done += len(part)
                percent = int(90 * done / grand)
                if percent != shown:  # at most one progress line per percent
                    step(f"copying {table.name}", percent / 100)
                    shown = percent
        except DBAPIError as err:
            raise MigrationError(
                f"copying table {table.name} failed, nothing was kept in the target: {err.orig}"
            ) from err
        sums[table.name] = TableSum(table.name, rows, digest.hexdigest())
    return sums


def _verify(
    dst: Connection, tables: list[Table], expected: Mapping[str, TableSum], batch: int
) -> list[TableReport]:
    """The target's counts and checksums against the source's; any mismatch is an error."""
    reports = []
    for table in tables:
        got, want = table_sum(dst, table, batch=batch), expected[table.name]
        ok = got.rows == want.rows and got.checksum == want.checksum
        reports.append(TableReport(table.name, got.rows, got.checksum, ok))
    wrong = [r for r in reports if not r.ok]
    if wrong:
        details = "; ".join(
            f"{r.table}: {expected[r.table].rows} rows {expected[r.table].checksum[:12]} in the "
            f"source, {r.rows} rows {r.checksum[:12]} in the target"
            for r in wrong
        )
        raise MigrationError(f"verification failed, nothing was kept in the target: {details}")
    return reports
