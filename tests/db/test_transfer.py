"""`aurum migrate-db`: a desk moved to another database keeps every row (counts and checksums
equal), refuses a target with data, leaves nothing behind on failure, masks passwords, and the
moved desk keeps working (new ids do not collide with copied ones).

With AURUM_DATABASE_URL on PostgreSQL (`make test-postgres`), the round trip is SQLite → that
PostgreSQL database → a new SQLite file; otherwise SQLite → SQLite → SQLite."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from engine import auth
from engine.cli.main import main
from engine.db import Database, open_database, transfer, upgrade_to_head
from engine.db.schema import (
    Alert,
    ApiToken,
    AuditEvent,
    BacktestRun,
    BacktestTrade,
    Base,
    PromotionDecision,
    ShadowTrade,
    TriggerCheck,
)
from engine.db.transfer import (
    MigrationError,
    database_sums,
    mask_url,
    migrate_database,
    normalise_url,
    normalise_value,
)
from engine.errors import AuthError, DatabaseError, SchemaError
from engine.services import Desk, init_home
from tests.conftest import spec

BATCH = 250  # small batches: the bars table takes several


def env_url() -> str:
    """This test's database URL (set per test by tests/conftest.py on the PostgreSQL run)."""
    return os.environ.get("AURUM_DATABASE_URL", "")


def on_postgres() -> bool:
    return env_url().startswith("postgresql")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@contextmanager
def on_sqlite(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Without AURUM_DATABASE_URL: homes use their own SQLite file (restored afterwards)."""
    with monkeypatch.context() as m:
        m.delenv("AURUM_DATABASE_URL", raising=False)
        yield


def seed(desk: Desk, small_model: Any, forest: Any) -> None:
    """A small desk with rows in every table."""
    from engine.data.store import upsert_bars
    from engine.data.synthetic import generate_bars
    from engine.scheduler.lease import acquire, release

    with desk.db.session(write=True) as s:
        upsert_bars(s, generate_bars(n_bars=1_200, seed=3), symbol="XAUUSD", timeframe="M5")
    desk.registry.register(small_model, spec(sharpe=1.0, win_rate=0.5, trades=80))
    desk.registry.register(forest, spec("random_forest", sharpe=2.0, profit_factor=float("inf")))
    desk.activate(1, actor="alice", reason="first")
    desk.activate(2, actor="alice", reason="better — ünïcode")
    desk.tag(1, "reviewed=ünïcode", actor="alice")
    desk.describe(2, "two lines\nof notes", actor="alice")
    desk.set_alias(1, "staging", actor="alice")
    desk.remove_alias("staging", actor="alice")  # an event with no version to point at
    desk.set_alias(1, "candidate", actor="alice")
    opened = datetime(2025, 3, 3, 9, 30, 0, 123456, tzinfo=UTC)
    for k in range(3):
        desk.log_trade(
            {
                "ticket": f"T-{k}",
                "side": "buy" if k % 2 else "sell",
                "open_time": opened + timedelta(hours=k),
                "close_time": opened + timedelta(hours=k, minutes=17),
                "open_price": 2650.1 + k,
                "close_price": 2651.35 + k,
                "volume": 0.1,
                "profit": 12.5 - 7 * k,
                "version_id": 2,
                "confidence": None if k == 0 else 0.61,
            }
        )
    desk.refresh_live_metrics(2)
    desk.set_config("max_models_to_keep", "7", actor="alice")
    desk.request_learning(actor="alice")
    auth.add_user(desk, "olga", "operator", "correct horse battery", actor="alice")
    auth.authenticate(desk, "olga", "correct horse battery")
    with pytest.raises(AuthError):
        auth.authenticate(desk, "olga", "wrong password")
    assert acquire(desk.db, "host:1", 30)
    release(desk.db, "host:1")
    desk.pause("NFP at 13:30 UTC — ünïcode", actor="alice")
    with desk.db.session(write=True) as s:
        s.add(TriggerCheck(fired="time", results_json='[{"name": "time"}]', session_id=1))
        s.add(PromotionDecision(session_id=1, challenger_id=2, champion_id=1, decision="promote"))
        s.add(ApiToken(name="ea", token_hash="ab" * 32, prefix="ak_1234", created_by="alice"))
        s.add(Alert(rule="drawdown", dedup_key="drawdown:v2", severity="warning", message="dd 9%"))
        s.add(
            ShadowTrade(
                version_id=1, symbol="XAUUSD", timeframe="M5", side="BUY", open_time=opened,
                close_time=opened + timedelta(minutes=25), open_price=2650.1,
                close_price=2652.2, profit=1.84, confidence=0.58, exit_reason="tp",
            )
        )  # fmt: skip
        run = BacktestRun(
            version_id=2, symbol="XAUUSD", timeframe="M5", window_start=opened, bars=300,
            in_sample_bars=12, overrides_json='{"spread_points": 35.0}', status="succeeded",
            metrics_json='{"sharpe": null, "profit_factor": "inf"}', trades=1,
        )  # fmt: skip
        s.add(run)
        s.flush()
        s.add(
            BacktestTrade(
                run_id=run.id, version_id=2, side="sell", open_time=opened,
                close_time=opened + timedelta(minutes=10), open_price=2650.1, close_price=2649.0,
                gross_profit=11.0, costs=4.6, profit=6.4, confidence=None, exit_reason="time",
            )
        )  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, small_model: Any, forest: Any) -> Path:
    """A seeded desk's home on its own SQLite file (also on the PostgreSQL run), made once."""
    root = tmp_path_factory.mktemp("template") / "home"
    with pytest.MonkeyPatch.context() as m:
        m.delenv("AURUM_DATABASE_URL", raising=False)
        init_home(str(root))
        with Desk.open(str(root)) as desk:
            seed(desk, small_model, forest)
    return root


@pytest.fixture
def source(template: Path, tmp_path: Path) -> Path:
    """This test's copy of the seeded home."""
    return Path(shutil.copytree(template, tmp_path / "src"))


def src_url(root: Path) -> str:
    return sqlite_url(root / "models" / "aurum.db")


@pytest.fixture
def target(tmp_path: Path) -> str:
    """The middle database: this test's PostgreSQL database on that run, else a new file."""
    return env_url() if on_postgres() else sqlite_url(tmp_path / "target" / "aurum.db")


def sums(url: str) -> dict[str, tuple[int, str]]:
    db = Database(url)
    try:
        return {name: (s.rows, s.checksum) for name, s in database_sums(db).items()}
    finally:
        db.dispose()


def test_round_trip_keeps_every_row(source: Path, target: str, tmp_path: Path):
    before = sums(src_url(source))
    assert set(before) == {t.name for t in Base.metadata.sorted_tables}
    assert all(rows > 0 for rows, _ in before.values()), before  # the seed fills every table
    started = time.monotonic()
    there = migrate_database(src_url(source), target, batch=BATCH)
    end = sqlite_url(tmp_path / "end" / "aurum.db")
    back = migrate_database(target, end, batch=BATCH)
    print(f"round trip of {there.rows} rows: {time.monotonic() - started:.2f} s")
    assert there.verified and back.verified
    assert {t.table: (t.rows, t.checksum) for t in there.tables} == before
    assert {t.table: (t.rows, t.checksum) for t in back.tables} == before
    assert sums(target) == before == sums(end)
    assert [t.table for t in there.tables] == [t.name for t in Base.metadata.sorted_tables]


def test_a_target_with_rows_is_refused_and_left_as_it_was(source: Path, target: str):
    migrate_database(src_url(source), target, batch=BATCH)
    filled = sums(target)
    with pytest.raises(MigrationError, match="already holds Aurum data") as err:
        migrate_database(src_url(source), target)
    assert "bars (1,200 rows)" in str(err.value) and "nothing was written" in str(err.value)
    assert sums(target) == filled


def test_a_failure_midway_leaves_no_copied_rows(
    source: Path, target: str, monkeypatch: pytest.MonkeyPatch
):
    original = transfer._insert_batch
    seen: list[str] = []

    def failing(conn: Any, table: Any, rows: list[Any]) -> None:
        if seen and table.name != seen[-1]:
            raise DatabaseError("the database refused the operation: disk full")
        seen.append(table.name)
        original(conn, table, rows)

    monkeypatch.setattr(transfer, "_insert_batch", failing)
    with pytest.raises(DatabaseError, match="disk full"):
        migrate_database(src_url(source), target, batch=BATCH)
    assert seen  # the first table was copied before the failure ...
    assert all(rows == 0 for rows, _ in sums(target).values())  # ... and rolled back
    monkeypatch.setattr(transfer, "_insert_batch", original)
    assert migrate_database(src_url(source), target).verified  # the schema is left, reusable


def test_a_source_without_the_current_schema_is_refused(tmp_path: Path):
    empty = sqlite_url(tmp_path / "empty.db")
    out = tmp_path / "out.db"
    with pytest.raises(SchemaError, match=r"no Aurum schema yet: run `aurum init`"):
        migrate_database(empty, sqlite_url(out))
    old = Database(sqlite_url(tmp_path / "old.db"))
    upgrade_to_head(old, revision="0004_users")
    old.dispose()
    with pytest.raises(SchemaError, match=r"schema is at revision 0004_users.*aurum init"):
        migrate_database(sqlite_url(tmp_path / "old.db"), sqlite_url(out))
    assert not out.exists()


def test_source_and_target_must_differ(source: Path):
    with pytest.raises(MigrationError, match="same database"):
        migrate_database(src_url(source), src_url(source))


def test_urls_get_psycopg_and_passwords_are_masked():
    assert normalise_url("postgresql://u:s3cret@db.example/aurum") == (
        "postgresql+psycopg://u:s3cret@db.example/aurum"
    )
    assert normalise_url("postgresql+psycopg2://u@h/d") == "postgresql+psycopg2://u@h/d"
    assert (
        mask_url("postgresql://u:s3cret@db.example/aurum") == "postgresql://u:***@db.example/aurum"
    )
    assert transfer.scrub(
        "at postgresql+psycopg://u:s3cret@h/d: s3cret", ["postgresql://u:s3cret@h/d"]
    ) == ("at postgresql+psycopg://u:***@h/d: ***")


def test_an_unreachable_target_names_it_without_its_password(source: Path):
    with pytest.raises(MigrationError) as err:
        migrate_database(src_url(source), "postgresql://aurum:s3cret@127.0.0.1:1/nowhere")
    message = str(err.value)
    assert "cannot open the target database postgresql+psycopg://aurum:***@127.0.0.1:1" in message
    assert "s3cret" not in message


def test_a_stale_server_source_is_refused_without_its_password(tmp_path: Path):
    if not on_postgres():
        pytest.skip("passwords only exist in server URLs (run with make test-postgres)")
    with_password = make_url(env_url()).set(password="s3cret")  # trust auth: any password works
    url = with_password.render_as_string(hide_password=False)
    with pytest.raises(SchemaError) as err:
        migrate_database(url, sqlite_url(tmp_path / "x.db"))
    assert "no Aurum schema" in str(err.value) and "s3cret" not in str(err.value)
    assert "***" in str(err.value)


def test_checksum_values_compare_equal_across_dialects():
    aware = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
    assert normalise_value(aware) == normalise_value(aware.replace(tzinfo=None))
    assert normalise_value(True) != normalise_value(1)
    assert normalise_value(0.1) == "f0.1" and normalise_value(float("inf")) == "finf"
    assert normalise_value(None) != normalise_value("") and normalise_value(b"\x01") == "x01"


def test_missing_model_files_are_reported(source: Path, target: str):
    artifacts = source / "models" / "artifacts"
    files = sorted(p for p in artifacts.rglob("*.skops"))
    files[0].unlink()
    report = migrate_database(src_url(source), target, artifacts_dir=artifacts)
    assert report.missing_artifacts == [str(files[0].relative_to(artifacts))]


def test_the_moved_desk_takes_new_versions(
    source: Path, target: str, small_model: Any, monkeypatch: pytest.MonkeyPatch
):
    migrate_database(src_url(source), target)
    monkeypatch.setenv("AURUM_DATABASE_URL", target)
    with Desk.open(str(source)) as desk:  # same home (model files), the new database
        assert desk.registry.load_model(2)[1].ref == "XAUUSD-M5-scalper:v2"
        new = desk.registry.register(small_model, spec(sharpe=3.0))
        assert (new.id, new.ref) == (3, "XAUUSD-M5-scalper:v3")
        assert desk.activate(new.ref, actor="bob").to_version_id == 3
        desk.log_trade(
            {
                "ticket": "T-new",
                "side": "buy",
                "open_time": datetime(2025, 4, 1, tzinfo=UTC),
                "close_time": datetime(2025, 4, 1, 1, tzinfo=UTC),
                "volume": 0.1,
                "profit": 3.0,
                "version_id": 3,
            }
        )
        assert desk.request_learning(actor="bob") == 2
        desk.set_config("max_models_to_keep", "8", actor="bob")
        assert [m.to_version_id for m in desk.activation_history()][:3] == [3, 2, 1]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def cli_target(target: str) -> str:
    """The target as a user would type it: plain postgresql:// and, on the server, a password."""
    if not on_postgres():
        return target
    url = make_url(target).set(drivername="postgresql", password="s3cret")
    return url.render_as_string(hide_password=False)


def test_cli_migrates_verifies_and_audits_into_the_target(
    source: Path, target: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    typed = cli_target(target)
    audited = sums(src_url(source))["audit_events"][0]
    with on_sqlite(monkeypatch):  # --from defaults to the home's database: its SQLite file
        code, out, err = run(
            capsys, "migrate-db", "--home", str(source), "--to", typed, "--actor", "alice"
        )
    assert code == 0, err
    assert f"verified: {len(Base.metadata.tables)} tables" in out and "bars" in out
    assert "1,200" in out
    assert sums(target)["bars"][1] in out
    assert "s3cret" not in out + err
    db = open_database(target)
    try:
        with db.session() as s:
            event = s.scalars(select(AuditEvent).where(AuditEvent.action == "migrate-db")).one()
            detail = json.loads(event.detail_json)
            assert s.scalar(select(func.count()).select_from(AuditEvent)) == audited + 1
    finally:
        db.dispose()
    assert event.actor == "alice" and detail["rows"] > 1_200 and detail["tables"]["bars"] == 1_200
    assert "s3cret" not in event.detail_json + event.target
    if on_postgres():
        assert detail["to"].startswith("postgresql+psycopg://") and ":***@" in detail["to"]

    code, _, err = run(capsys, "migrate-db", "--from", src_url(source), "--to", typed)
    assert code == 1 and "already holds Aurum data" in err and "s3cret" not in err


def test_cli_json(source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out_url = sqlite_url(tmp_path / "json" / "aurum.db")
    code, out, _ = run(
        capsys,
        "migrate-db",
        "--home",
        str(source),
        "--from",
        src_url(source),
        "--to",
        out_url,
        "--json",
    )
    data = json.loads(out)
    assert code == 0 and data["verified"] is True and data["missing_artifacts"] == []
    assert {t["table"]: t["rows"] for t in data["tables"]}["trades"] == 3
    assert all(t["ok"] for t in data["tables"]) and data["revision"]
