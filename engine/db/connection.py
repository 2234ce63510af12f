"""Engine and session factory: SQLite pragmas, write locking, one transaction per service call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import AurumError, DatabaseError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_setup(engine: Engine) -> None:
    """WAL, foreign keys, busy timeout; BEGIN IMMEDIATE for writes (no lock-upgrade races)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
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
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """Owns the engine; hands out short read or write sessions that commit or roll back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(aurum_write=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error, DB errors made ours."""
        factory = self._write if write else self._read
        session = factory()
        try:
            yield session
            session.commit()
        except AurumError:
            session.rollback()
            raise
        except exc.OperationalError as err:
            session.rollback()
            raise DatabaseError(f"the database refused the operation: {err.orig}") from err
        except exc.IntegrityError as err:
            session.rollback()
            raise DatabaseError(f"the change conflicts with stored data: {err.orig}") from err
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
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
