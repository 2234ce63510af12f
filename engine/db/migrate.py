"""Alembic migrations shipped inside the package; `aurum init` upgrades, everything else checks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from engine.errors import SchemaError

if TYPE_CHECKING:
    from engine.db.connection import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest revision in migrations/versions; a test keeps it equal to Alembic's head so that the
# schema check needs no Alembic import (commands like `aurum models` must start fast).
HEAD_REVISION = "0012_backtest_runs"


def current_revision(db: Database) -> str | None:
    """The revision stamped in the database, or None when it has no Aurum schema yet."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def require_current_schema(db: Database) -> None:
    """Refuse to run on a missing or stale schema, saying which command fixes it."""
    try:
        revision = current_revision(db)
    except Exception as err:  # unreachable server, unreadable file
        raise SchemaError(f"cannot open the database at {db.url}: {err}") from err
    if revision is None:
        raise SchemaError(
            f"the database at {db.url} has no Aurum schema yet: run `aurum init` first."
        )
    if revision != HEAD_REVISION:
        raise SchemaError(
            f"the database schema is at revision {revision}, this Aurum needs {HEAD_REVISION}: "
            "run `aurum init` to upgrade it (back up the database first)."
        )


def _alembic_config(db: Database):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade_to_head(db: Database, *, revision: str = "head") -> str:
    """Create or upgrade the schema to `revision`; returns the revision now stamped."""
    from alembic import command

    cfg = _alembic_config(db)
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # batch migrations recreate tables; SQLite checks keys at the end instead
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                if sqlite:
                    _check_foreign_keys(conn)
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
    return current_revision(db) or ""


def _check_foreign_keys(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise SchemaError(f"the upgrade would break {len(broken)} reference(s); nothing changed")


def script_head() -> str:
    """Alembic's own view of the newest revision (used by tests to check HEAD_REVISION)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    if len(heads) != 1:
        raise SchemaError(f"the migrations have {len(heads)} heads; expected exactly one")
    return heads[0]


def known_revisions() -> set[str]:
    """Every revision this Aurum ships (a backup or database at one of them can be upgraded)."""
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
