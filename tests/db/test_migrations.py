"""Migrations from empty, the schema check, and SQLite settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from engine.db import HEAD_REVISION, Database, open_database, upgrade_to_head
from engine.db.migrate import current_revision, script_head
from engine.db.schema import Base
from engine.errors import SchemaError
from engine.home import resolve_home
from engine.services import Desk


def test_head_constant_matches_alembic_head():
    assert script_head() == HEAD_REVISION


def test_migration_from_empty_creates_every_table(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    assert current_revision(db) is None
    assert upgrade_to_head(db) == HEAD_REVISION
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert upgrade_to_head(db) == HEAD_REVISION  # idempotent
    db.dispose()


def test_migrated_schema_matches_the_models(tmp_path: Path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade_to_head(db)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    db.dispose()


def test_missing_schema_is_refused_with_the_fix(tmp_path: Path):
    with pytest.raises(SchemaError, match="run `aurum init`"):
        open_database(f"sqlite:///{tmp_path / 'empty.db'}")


def test_stale_schema_is_refused_with_the_fix(home: Path):
    db = Database(resolve_home(str(home)).database_url)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_old'"))
    db.dispose()
    with pytest.raises(SchemaError, match=r"revision 0000_old.*run `aurum init` to upgrade"):
        Desk.open(str(home))


@pytest.mark.sqlite_only
def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(desk: Desk):
    with desk.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_foreign_keys_are_enforced(desk: Desk):
    from engine.db.schema import Alias
    from engine.errors import DatabaseError

    with pytest.raises(DatabaseError), desk.db.session(write=True) as s:
        s.add(Alias(lineage_id=999, alias="active", version_id=999))
        s.flush()


def test_database_url_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from engine.home import resolve_home

    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("AURUM_DATABASE_URL", url)
    assert resolve_home(str(tmp_path)).database_url == url
    monkeypatch.setenv("AURUM_HOME", str(tmp_path / "h"))
    assert resolve_home().root == (tmp_path / "h").resolve()


def test_upgrade_from_the_first_revision_keeps_existing_rows(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_to_head(db, revision="0001_initial")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO lineages (id, name, symbol, timeframe, purpose, created_at) "
                "VALUES (1, 'XAUUSD-M5-scalper', 'XAUUSD', 'M5', 'scalper', '2025-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO model_versions (id, lineage_id, version, algorithm, params_json, "
                "features_json, data_hash, library_versions_json, artifact_format, artifact_size, "
                "artifact_sha256, status, pinned, notes, created_at) VALUES (1, 1, 1, 'rf', '{}', "
                "'[]', '', '{}', 'skops', 0, '', 'candidate', 0, 'old', '2025-01-01')"
            )
        )
        conn.execute(text("INSERT INTO aliases VALUES (1, 'active', 1, '2025-01-01')"))
        conn.execute(
            text(
                "INSERT INTO activation_events (lineage_id, kind, to_version_id, actor, reason, "
                "created_at) VALUES (1, 'activate', 1, 'x', '', '2025-01-01')"
            )
        )
    assert upgrade_to_head(db) == HEAD_REVISION
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT notes, details_json, session_id FROM model_versions")).one()
    assert tuple(row) == ("old", "{}", None)
    db.dispose()
    with _desk_on(tmp_path / "old.db") as desk:
        assert desk.registry.active_version().notes == "old"


def _desk_on(path: Path) -> Desk:
    from engine.home import resolve_home

    paths = resolve_home(str(path.parent))
    return Desk(paths, open_database(f"sqlite:///{path}"))
