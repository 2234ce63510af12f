"""A served desk (one lineage, an active logistic model trained by a session) copied for each
test, and the HTTP bridge running on it under a real uvicorn server on a loopback port."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from engine.api.server import bound_port, make_server
from engine.api.tokens import add_token
from engine.db.schema import ModelVersion
from engine.services import Desk
from tests.conftest import into_test_database, on_sqlite
from tests.learner.conftest import fast_desk, learn_and_serve
from tests.templates import shared_template


@dataclass
class LiveBridge:
    """A running bridge: its base URL, the desk behind it and a live token named `ea-test`."""

    url: str
    desk: Desk
    token: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


@contextmanager
def running_server(desk: Desk, **options: Any) -> Iterator[str]:
    """uvicorn serving the bridge for `desk` in a thread on 127.0.0.1 (a free port); stopped
    and joined afterwards."""
    server = make_server(desk, host="127.0.0.1", port=0, **options)
    thread = threading.Thread(target=server.run, name="aurum-api-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{bound_port(server)}"
    finally:
        server.should_exit = True
        thread.join(15)


# When the served version counts as registered: the generated bars' first Monday, so the tests'
# trades (dated on those bars, in 2025) come after it (trades dated before their version existed
# are refused), whatever day the tests run.
REGISTERED = datetime(2025, 1, 6, tzinfo=UTC)


def registered_on(desk: Desk, version_id: int, when: datetime = REGISTERED) -> None:
    """Backdate a version's registration (the trading side's trades must come after it)."""
    with desk.db.session(write=True) as s:
        s.execute(update(ModelVersion).where(ModelVersion.id == version_id).values(created_at=when))


def _build_served_desk(home: Path) -> None:
    """One lineage (XAUUSD M5) with an active version trained by a quick logistic session,
    registered on REGISTERED."""
    with on_sqlite():
        desk = fast_desk(home, n_bars=6000, momentum=0.25)
        desk.set_config("learning.algorithms", '["logistic_regression"]', actor="test")
        outcome = learn_and_serve(desk)
        registered_on(desk, outcome.version_id)
        desk.close()


@pytest.fixture(scope="session")
def served_template() -> Path:
    """One lineage (XAUUSD M5) with an active version trained by a quick logistic session;
    built once per test run on SQLite (shared by its processes), never changed by a test."""
    return shared_template("api-served-desk", _build_served_desk)


@pytest.fixture
def api_home(served_template: Path, tmp_path: Path) -> Path:
    """A private copy of the served desk (in the PostgreSQL run: loaded into this test's
    database)."""
    home = tmp_path / "desk"
    shutil.copytree(served_template, home)
    return into_test_database(home)


@pytest.fixture
def api_desk(api_home: Path) -> Iterator[Desk]:
    with Desk.open(str(api_home)) as desk:
        yield desk


@pytest.fixture
def bridge(api_desk: Desk) -> Iterator[LiveBridge]:
    token = add_token(api_desk, "ea-test", actor="test").token
    with running_server(api_desk, max_body_bytes=256 * 1024) as url:
        yield LiveBridge(url, api_desk, token)
