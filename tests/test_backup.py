"""Backup and restore round trip, tampered backups refused, a snapshot before every upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from engine.backup import BackupError, backup, restore
from engine.cli.main import main
from engine.db import Database, upgrade_to_head
from engine.home import resolve_home
from engine.services import Desk, init_home
from tests.conftest import spec
from tests.test_ledger import trade

# Backups copy the SQLite file; a PostgreSQL desk is backed up with pg_dump (README).
pytestmark = pytest.mark.sqlite_only


def test_round_trip_restores_versions_pointer_trades_files_and_config(
    desk: Desk, small_model: Any, forest: Any, tmp_path: Path
):
    a = desk.registry.register(small_model, spec())
    b = desk.registry.register(forest, spec("random_forest"))
    desk.activate(a.id, actor="t")
    desk.log_trade(trade("T1", 5.0, version_id=a.id))
    desk.set_config("max_models_to_keep", "7", actor="t")
    report = backup(desk, tmp_path / "bk")
    assert report.files >= 4 and report.revision

    desk.activate(b.id, actor="t")  # the desk moves on, then breaks
    desk.log_trade(trade("T2", 1.0, version_id=b.id))
    desk.set_config("max_models_to_keep", "3", actor="t")
    (desk.paths.artifacts_dir / a.artifact_path).unlink()

    restore(resolve_home(str(desk.paths.root)), tmp_path / "bk")
    with Desk.open(str(desk.paths.root)) as again:
        assert again.registry.active_version().id == a.id
        assert [t.ticket for t in again.trades(source=None)] == ["T1"]
        assert again.config().max_models_to_keep == 7
        again.registry.load_model(a.id)  # the file is back and verifies


def test_a_tampered_backup_is_refused_and_nothing_changes(
    desk: Desk, small_model: Any, tmp_path: Path
):
    v = desk.registry.register(small_model, spec())
    backup(desk, tmp_path / "bk")
    desk.activate(v.id, actor="t")
    db_file = tmp_path / "bk" / "aurum.db"
    db_file.write_bytes(db_file.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(BackupError, match="does not match its checksum"):
        restore(resolve_home(str(desk.paths.root)), tmp_path / "bk")
    assert desk.registry.active_version().id == v.id
    with pytest.raises(BackupError, match="not empty"):
        backup(desk, tmp_path / "bk")


def test_restore_refuses_while_services_run(desk: Desk, tmp_path: Path):
    from engine.scheduler import lease

    backup(desk, tmp_path / "bk")
    assert lease.acquire(desk.db, "someone:1", 60)
    with pytest.raises(BackupError, match="stop the background services"):
        restore(resolve_home(str(desk.paths.root)), tmp_path / "bk")


def test_upgrades_from_every_earlier_revision_snapshot_the_database_first(tmp_path: Path):
    for old in ("0001_initial", "0002_learning_sessions", "0003_services", "0004_users"):
        home = tmp_path / old
        paths = resolve_home(str(home))
        paths.ensure_dirs()
        db = Database(paths.database_url)
        upgrade_to_head(db, revision=old)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO audit_events (actor, action, target, detail_json, "
                    "created_at) VALUES ('x', 'kept', '', '{}', '2025-01-01')"
                )
            )
        db.dispose()
        result = init_home(str(home))
        assert result.revision_before == old and result.backup is not None
        with sqlite3.connect(result.backup) as snap:
            assert snap.execute("SELECT version_num FROM alembic_version").fetchone()[0] == old
        with Desk.open(str(home)) as desk:
            assert desk.audit_log()[0].action == "kept"
        assert init_home(str(home)).backup is None  # nothing to upgrade: no snapshot


def test_backup_and_restore_commands(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert main(["backup", str(tmp_path / "b1"), "--home", str(home)]) == 0
    assert "backup written" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "b1"), "--yes", "--home", str(home)]) == 0
    assert main(["restore", str(tmp_path / "nothing"), "--yes", "--home", str(home)]) == 1
    assert "not an Aurum backup" in capsys.readouterr().err
