"""Engine and session factory: SQLite pragmas, write locking, one transaction per service call."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import DatabaseError

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000


def busy_timeout_ms() -> int:
    """How long a SQLite caller waits for a lock before giving up (env AURUM_SQLITE_BUSY_MS)."""
    raw = os.environ.get("AURUM_SQLITE_BUSY_MS", "")
    return int(raw) if raw.isdigit() else SQLITE_BUSY_TIMEOUT_MS


def _sqlite_setup(engine: Engine, timeout_ms: int) -> None:
    """WAL, foreign keys, busy timeout; BEGIN IMMEDIATE for writes (no lock-upgrade races)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("aurum_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """Create the SQLAlchemy engine for `url`; SQLite gets its folder created and its pragmas."""
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        timeout_ms = busy_timeout_ms()
        engine = create_engine(url, connect_args={"timeout": timeout_ms / 1000})
        _sqlite_setup(engine, timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def _as_aurum_errors() -> Iterator[None]:
    """Database errors become ours, with the database's own reason."""
    try:
        yield
    except exc.OperationalError as err:
        raise DatabaseError(f"the database refused the operation: {err.orig}") from err
    except exc.IntegrityError as err:
        raise DatabaseError(f"the change conflicts with stored data: {err.orig}") from err


class Database:
    """Owns the engine; hands out short read or write sessions that commit or roll back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._write_engine = self.engine.execution_options(aurum_write=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        self._watch: Any = None  # SQLite: a connection kept only to ask for data_version
        self._watch_lock = threading.Lock()
        self._reads: dict[str, tuple[int, Any]] = {}

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error, DB errors made ours."""
        factory = self._write if write else self._read
        session = factory()
        with _as_aurum_errors():
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Connection]:
        """`session` without the ORM, for hot paths written as Core statements: one connection,
        one transaction, committed on success and rolled back on any error."""
        engine = self._write_engine if write else self.engine
        with _as_aurum_errors(), engine.begin() as connection:
            yield connection

    def unchanged_or(self, key: str, read: Callable[[], T]) -> T:
        """`read()`, or what it returned last time under `key` while nothing was committed to
        the database since, by any connection of any process (SQLite's data_version: a few µs
        instead of a pooled read; the serving path's active versions, tokens and pause switch).
        Other databases read every time. `read` must return a value nobody changes."""
        version = self._data_version()
        if version is not None:
            cached = self._reads.get(key)
            if cached is not None and cached[0] == version:
                return cached[1]  # type: ignore[no-any-return]
        value = read()  # read after the version: a commit in between only re-reads next time
        if version is not None:
            self._reads[key] = (version, value)
        return value

    def _data_version(self) -> int | None:
        """Changes whenever another connection commits (this one never writes)."""
        if self.dialect != "sqlite" or ":memory:" in self.url:
            return None
        try:
            with self._watch_lock:
                if self._watch is None:
                    watch = self.engine.raw_connection()
                    watch.detach()  # its own, outside the pool
                    self._watch = watch
                cursor = self._watch.cursor()
                cursor.execute("PRAGMA data_version")
                version = int(cursor.fetchone()[0])
                cursor.close()
                return version
        except self.engine.dialect.loaded_dbapi.Error:
            return None  # no watch: read every time

    def dispose(self) -> None:
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
            self._reads.clear()
        self.engine.dispose()


def open_database(url: str, *, check_schema: bool = True) -> Database:
    """Open the database; by default refuse a missing or stale schema with the fix to run."""
    db = Database(url)
    if check_schema:
        from engine.db.migrate import require_current_schema

        try:
            require_current_schema(db)
        except BaseException:
            db.dispose()
            raise
    return db
