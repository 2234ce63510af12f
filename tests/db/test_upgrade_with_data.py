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
        assert [(s.symbol, s.bars, s.origin) for s in desk.bar_series()] == [
            ("XAUUSD", 1, "imported")  # bars from before origins, no demo session: imported
        ]
        assert {v.data_origin for v in desk.registry.list_versions()} == {"imported"}
        assert desk.config_history()[-1].diff == {"max_models_to_keep": (10, 7)}
        assert any(e.action == "kept" for e in desk.audit_log())
        event = desk.rollback(actor="t", reason="after upgrade")  # the history still works
        assert event.to_version_id == 1
        assert desk.counts()["trades"] == 1
        # the old history is the `active` pointer's; tags, notes and named aliases start empty
        assert [m.kind for m in desk.activation_history()] == ["rollback", "activate", "activate"]
        assert desk.version(2).description == "" and desk.version(2).tags == {}
        desk.set_alias(2, "staging", actor="t")
        assert desk.version("XAUUSD-M5-scalper@staging").id == 2
        assert [a.alias for a in desk.aliases()] == ["active", "staging"]
        assert not desk.pause_state().paused  # the pause switch starts on, and works
        assert desk.pause("after upgrade", actor="t").paused
        assert desk.pause_history()[0].reason == "after upgrade"
        assert desk.backtest_runs() == []  # backtests on demand: their tables, empty


def test_downgrading_the_registry_revision_keeps_the_active_history(
    tmp_path: Path, small_model: Any
):
    """0013 down to 0007: named aliases and their moves go, `active` and its history stay."""
    from alembic import command

    from engine.db.migrate import _alembic_config

    home = tmp_path / "down"
    init_home(str(home))
    paths = resolve_home(str(home))
    db = Database(paths.database_url)
    upgrade_to_head(db, revision="0007_bridge_alerts_shadow")
    _seed_old_desk(db, paths.artifacts_dir, small_model)
    upgrade_to_head(db)
    with Desk.open(str(home)) as desk:
        desk.set_alias(1, "staging", actor="t")
        desk.tag(1, "reviewed=yes", actor="t")
        desk.describe(1, "notes", actor="t")
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":  # batch migrations recreate tables, as in upgrades
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        with conn.begin():
            cfg = _alembic_config(db)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007_bridge_alerts_shadow")
    with db.engine.connect() as conn:
        aliases = conn.execute(text("SELECT alias, version_id FROM aliases")).all()
        kinds = conn.execute(text("SELECT kind FROM activation_events ORDER BY id")).all()
    assert [tuple(a) for a in aliases] == [("active", 2)]
    assert [k[0] for k in kinds] == ["activate", "activate"]
    upgrade_to_head(db)
    db.dispose()
    with Desk.open(str(home)) as desk:
        assert desk.registry.active_version().id == 2  # type: ignore[union-attr]
        assert desk.aliases()[0].alias == "active" and len(desk.aliases()) == 1


PROVENANCE_BEFORE = "0007_bridge_alerts_shadow"
DAYS = ("2025-01-06 10:00:00", "2025-01-06 11:00:00", "2025-01-06 12:00:00")


def _seed_demo_and_real(db: Database) -> None:
    """An old desk seeded by `aurum demo` (session trigger 'demo' on XAUUSD M5) that also holds
    a real XAUUSD H1 series, with versions trained on each and two without bars in their window."""
    session = (
        "INSERT INTO learning_sessions (id, trigger, requested_by, status, stage, percent, "
        "message, symbol, timeframe, config_hash, config_json, config_diff_json, result_json, "
        "error, library_versions_json, seed, created_at) VALUES ({id}, '{trigger}', 'x', "
        "'succeeded', '', 100, '', 'XAUUSD', '{tf}', '', '{{}}', '{{}}', '{{}}', '', '{{}}', 0, "
        f"'{T}')"
    )
    version = (
        "INSERT INTO model_versions (id, lineage_id, version, algorithm, params_json, "
        "features_json, train_start, train_end, data_hash, library_versions_json, "
        "artifact_format, artifact_size, artifact_sha256, status, pinned, notes, session_id, "
        "created_at) VALUES ({id}, {lineage}, {id}, 'logistic_regression', '{{}}', '[]', "
        "{start}, {end}, '', '{{}}', 'skops', 0, '', 'candidate', FALSE, '', {session}, "
        f"'{T}')"
    )
    rows = [
        "INSERT INTO lineages (id, name, symbol, timeframe, purpose, created_at) VALUES "
        f"(1, 'XAUUSD-M5-scalper', 'XAUUSD', 'M5', 'scalper', '{T}'), "
        f"(2, 'XAUUSD-H1-scalper', 'XAUUSD', 'H1', 'scalper', '{T}')",
        session.format(id=1, trigger="demo", tf="M5"),
        session.format(id=2, trigger="manual", tf="H1"),
        *[
            "INSERT INTO bars (symbol, timeframe, ts, open, high, low, close, tick_volume) "
            f"VALUES ('XAUUSD', '{tf}', '{day}', 2650.0, 2651.0, 2649.0, 2650.5, 100)"
            for tf in ("M5", "H1")
            for day in DAYS
        ],
        version.format(id=1, lineage=1, start=f"'{DAYS[0]}'", end=f"'{DAYS[2]}'", session=1),
        version.format(id=2, lineage=2, start=f"'{DAYS[1]}'", end=f"'{DAYS[2]}'", session=2),
        version.format(  # a demo session's version whose window has no stored bars
            id=3, lineage=1, start="'2020-01-01 00:00:00'", end="'2020-02-01 00:00:00'", session=1
        ),
        version.format(id=4, lineage=1, start="NULL", end="NULL", session="NULL"),
    ]
    with db.engine.begin() as conn:
        for sql in rows:
            conn.execute(text(sql))


def test_upgrade_gives_bars_and_versions_their_origin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """The demo's series becomes generated (the whole series), every other one imported; a
    version takes its window's origin, else generated when a demo session trained it."""
    import json

    from engine.cli.main import main

    home = tmp_path / "old"
    paths = resolve_home(str(home))
    paths.ensure_dirs()
    db = Database(paths.database_url)
    upgrade_to_head(db, revision=PROVENANCE_BEFORE)
    _seed_demo_and_real(db)
    db.dispose()
    init_home(str(home))
    with Desk.open(str(home)) as desk:
        assert [(s.timeframe, s.origin, s.bars) for s in desk.bar_series()] == [
            ("H1", "imported", 3),
            ("M5", "generated", 3),
        ]
        found = {v.id: (v.data_origin, v.is_demo) for v in desk.registry.list_versions()}
        assert found == {
            1: ("generated", True),
            2: ("imported", False),
            3: ("generated", True),
            4: ("imported", False),
        }
    assert main(["models", "--json", "--home", str(home)]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows[2]["trained_on"] == {
        "symbol": "XAUUSD",
        "timeframe": "H1",
        "first": "2025-01-06T11:00:00+00:00",
        "last": "2025-01-06T12:00:00+00:00",
    }
    assert (rows[1]["data_origin"], rows[1]["demo"]) == ("generated", True)
    assert (rows[2]["data_origin"], rows[2]["demo"]) == ("imported", False)


def test_upgrade_counts_the_trials_of_stored_sessions(tmp_path: Path, small_model: Any) -> None:
    """0009: each stored session's trials come from its recorded candidates and configured
    ensembles (a skipped ensemble counted too), so the deflated Sharpe keeps counting them."""
    import json

    home = tmp_path / "trials"
    paths = resolve_home(str(home))
    paths.ensure_dirs()
    db = Database(paths.database_url)
    upgrade_to_head(db, revision="0007_bridge_alerts_shadow")
    _seed_old_desk(db, paths.artifacts_dir, small_model)
    result = json.dumps(
        {"candidates": [{"algorithm": "logistic_regression"}, {"algorithm": "random_forest"},
                        {"algorithm": "ensemble_soft_vote"}]}
    )  # fmt: skip
    config = json.dumps({"learning": {"ensembles": ["soft_vote", "stacking"]}})
    with db.engine.begin() as conn:
        for symbol, timeframe in (("XAUUSD", "M5"), ("XAUUSD", "H1")):
            conn.execute(
                text(
                    "INSERT INTO learning_sessions (trigger, requested_by, status, stage, "
                    "percent, message, symbol, timeframe, config_hash, config_json, "
                    "config_diff_json, result_json, error, library_versions_json, seed, "
                    "created_at) VALUES ('manual', 'old', 'succeeded', '', 100, '', :symbol, "
                    ":timeframe, '', :config, '{}', :result, '', '{}', 42, :t)"
                ),
                {
                    "symbol": symbol,
                    "timeframe": timeframe,
                    "config": config,
                    "result": result,
                    "t": T,
                },
            )
    db.dispose()
    init_home(str(home))
    with Desk.open(str(home)) as desk:
        # two singles + two configured ensembles; plus the two versions registered by hand
        assert desk.trial_count("XAUUSD-M5-scalper") == 4 + 2
        assert desk.trial_count("XAUUSD-H1-scalper") == 4
        assert desk.trial_count() == 10
