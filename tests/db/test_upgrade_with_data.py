"""Upgrading from every earlier schema revision with a desk's data in it: models, the active
pointer and its history, trades, bars, config history and audit all survive, the active model
still loads, and the SQLite file was snapshotted first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from engine.db import Database, upgrade_to_head
from engine.db.migrate import HEAD_REVISION, known_revisions
from engine.home import resolve_home
from engine.registry.artifacts import serialize, write_artifact
from engine.services import Desk, init_home
from tests.conftest import on_postgres

OLD = sorted(known_revisions() - {HEAD_REVISION})
T = "2025-01-02 10:00:00"


def _seed_old_desk(db: Database, artifacts: Path, model: Any) -> None:
    """Rows written with the columns every revision since 0001 has (as an old Aurum would)."""
    stored = write_artifact(artifacts, "XAUUSD-M5-scalper", serialize(model))
    rows = [
        "INSERT INTO lineages (id, name, symbol, timeframe, purpose, created_at) "
        f"VALUES (1, 'XAUUSD-M5-scalper', 'XAUUSD', 'M5', 'scalper', '{T}')",
        *[
            "INSERT INTO model_versions (id, lineage_id, version, algorithm, params_json, "
            "features_json, data_hash, library_versions_json, artifact_path, artifact_format, "
            "artifact_size, artifact_sha256, status, pinned, notes, created_at) VALUES "
            f"({v}, 1, {v}, 'logistic_regression', '{{}}', '[\"f0\",\"f1\",\"f2\",\"f3\"]', '', "
            f"'{{}}', '{stored.relative_path}', 'skops', {stored.size}, '{stored.sha256}', "
            f"'candidate', FALSE, '', '{T}')"
            for v in (1, 2)
        ],
        "INSERT INTO activation_events (lineage_id, kind, from_version_id, to_version_id, "
        f"actor, reason, created_at) VALUES (1, 'activate', NULL, 1, 'old', 'first', '{T}')",
        "INSERT INTO activation_events (lineage_id, kind, from_version_id, to_version_id, "
        f"actor, reason, created_at) VALUES (1, 'activate', 1, 2, 'old', 'better', '{T}')",
        "INSERT INTO aliases (lineage_id, alias, version_id, updated_at) "
        f"VALUES (1, 'active', 2, '{T}')",
        "INSERT INTO trades (ticket, symbol, side, open_time, close_time, open_price, "
        "close_price, volume, profit, commission, swap, version_id, source, logged_at) VALUES "
        f"('OLD-1', 'XAUUSD', 'buy', '{T}', '{T}', 2650.0, 2652.0, 0.1, 20.0, -0.7, 0, 2, "
        f"'live', '{T}')",
        "INSERT INTO bars (symbol, timeframe, ts, open, high, low, close, tick_volume) VALUES "
        f"('XAUUSD', 'M5', '{T}', 2650.0, 2651.0, 2649.0, 2650.5, 100)",
        "INSERT INTO config_changes (actor, reason, diff_json, before_json, after_json, "
        "created_at) VALUES ('old', 'set', '{\"max_models_to_keep\": [10, 7]}', '{}', '{}', "
        f"'{T}')",
        "INSERT INTO audit_events (actor, action, target, detail_json, created_at) VALUES "
        f"('old', 'kept', 'x', '{{}}', '{T}')",
    ]
    with db.engine.begin() as conn:
        for sql in rows:
            conn.execute(text(sql))


@pytest.mark.parametrize("old", OLD)
def test_upgrade_from_each_revision_keeps_the_desk(tmp_path: Path, small_model: Any, old: str):
    home = tmp_path / old
    paths = resolve_home(str(home))
    paths.ensure_dirs()
    db = Database(paths.database_url)
    upgrade_to_head(db, revision=old)
    _seed_old_desk(db, paths.artifacts_dir, small_model)
    db.dispose()

    result = init_home(str(home))
    assert (result.revision_before, result.revision_after) == (old, HEAD_REVISION)
    if on_postgres():  # PostgreSQL is backed up with its own tools (pg_dump), not snapshotted
        assert result.backup is None
    else:
        assert result.backup is not None and Path(result.backup).exists()

    with Desk.open(str(home)) as desk:
        assert sorted(v.id for v in desk.registry.list_versions()) == [1, 2]
        active = desk.registry.active_version()
        assert active is not None and active.id == 2
        desk.registry.load_model(active.id)  # the file verifies and loads after the upgrade
        assert [t.ticket for t in desk.trades(source=None)] == ["OLD-1"]
        assert [(s.symbol, s.bars) for s in desk.bar_series()] == [("XAUUSD", 1)]
        assert desk.config_history()[-1].diff == {"max_models_to_keep": (10, 7)}
        assert any(e.action == "kept" for e in desk.audit_log())
        event = desk.rollback(actor="t", reason="after upgrade")  # the history still works
        assert event.to_version_id == 1
        assert desk.counts()["trades"] == 1
        assert desk.backtest_runs() == []  # backtests on demand: their tables, empty
