"""Shared fixtures: a temporary Aurum home with a migrated database, small fitted models."""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.registry import NewVersion
from engine.services import Desk, init_home
from tests.clock import ENV as CLOCK_ENV
from tests.clock import start_suite_clock
from tests.component_scan import scan_once
from tests.scheduling import BROWSER_UNIT, file_scheduler, unit_of
from tests.templates import close_run_directory, open_run_directory, shared_template

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# Set by `python -m tests.postgres_server` (make test-postgres): every test then runs on its own
# fresh database on that server instead of its home's SQLite file.
POSTGRES_ADMIN_URL = os.environ.get("AURUM_TEST_POSTGRES_URL", "")
_database_names = itertools.count()
_TEMPLATES = pytest.StashKey[Path]()
_DATABASE_TEMPLATE = pytest.StashKey[str | None]()


def _admin_url() -> str:
    return POSTGRES_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")


def _database_url(name: str) -> str:
    return f"{POSTGRES_ADMIN_URL.rpartition('/')[0]}/{name}"


@contextmanager
def fresh_postgres_database(template: str | None = None) -> Iterator[str]:
    """Create a database on the test server (empty, or a copy of the template database
    `template`); yield its URL; drop it afterwards."""
    import psycopg

    name = f"t{os.getpid()}_{next(_database_names)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield _database_url(name)
    finally:
        with psycopg.connect(_admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_template(key: str, fill: Callable[[str, Path], None]) -> tuple[str, Path]:
    """A template database on the test server and a folder for the files that go with it,
    filled once per run by `fill(url, folder)` under the run's template lock (tests/templates.py:
    xdist workers share it). A test's database is then made by PostgreSQL copying the template
    (CREATE DATABASE ... TEMPLATE: tens of ms) instead of running Alembic's migrations or
    `migrate_database` again per test. Nothing stays connected to a template: PostgreSQL
    refuses to copy a database in use."""
    import psycopg

    run = Path(os.environ.get("AURUM_TEST_TEMPLATES", "run")).name.replace("-", "_")
    name = f"tpl_{run}_{key}"[:63]

    def build(folder: Path) -> None:
        with psycopg.connect(_admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        folder.mkdir(parents=True)
        fill(_database_url(name), folder)

    return name, shared_template(f"postgres-{key}", build)


def _replace_test_database(template: str) -> None:
    """Make this test's database a fresh copy of the template database `template`."""
    import psycopg

    name = os.environ["AURUM_DATABASE_URL"].rpartition("/")[2]
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def on_postgres() -> bool:
    """Whether this test runs on the PostgreSQL server (make test-postgres)."""
    return os.environ.get("AURUM_DATABASE_URL", "").startswith("postgresql")


@contextmanager
def on_sqlite() -> Iterator[None]:
    """Build something on its home's own SQLite file even in the PostgreSQL run (templates that
    several tests copy: each test then loads the copy into its own database)."""
    saved = os.environ.pop("AURUM_DATABASE_URL", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["AURUM_DATABASE_URL"] = saved


def into_test_database(home: Path) -> Path:
    """In the PostgreSQL run, load `home`'s SQLite desk into this test's own database (its
    model files stay in the home); on SQLite the home's file is the database already.
    The desk is loaded once per run into a template database keyed by the SQLite file's
    content (homes copied from one template share it), then copied by PostgreSQL per test."""
    if on_postgres():
        from engine.db.transfer import migrate_database

        source = f"sqlite:///{home / 'models' / 'aurum.db'}"
        digest = hashlib.sha256()
        for part in sorted((home / "models").glob("aurum.db*")):  # with its -wal, if any
            digest.update(part.name.encode() + b"\0")
            with part.open("rb") as file:
                for block in iter(lambda: file.read(1 << 20), b""):
                    digest.update(block)

        def load(url: str, _folder: Path) -> None:
            migrate_database(source, url)

        template, _ = postgres_template(f"desk_{digest.hexdigest()[:24]}", load)
        _replace_test_database(template)
    return home


def pytest_configure(config: pytest.Config) -> None:
    """With AURUM_TEST_CLOCK set, the whole run (session fixtures included) and the Python
    processes it starts run on a clock started at that instant (tests/clock.py). The main
    process opens the run's template directory, shared by its xdist workers (tests/templates.py).
    """
    start_suite_clock()
    scan_once()
    if not hasattr(config, "workerinput"):
        config.stash[_TEMPLATES] = open_run_directory()
        if config.getoption("numprocesses", None):
            # one core per xdist worker: OpenMP threads beyond it spin against the other worker
            # (a gradient-boosting fit went from seconds to past the 600 s test timeout)
            os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_TEMPLATES, None)
    if folder is not None:
        close_run_directory(folder)


def pytest_report_header(config: pytest.Config) -> str:
    moment = start_suite_clock()
    if moment is None:
        return f"clock: the real one (set {CLOCK_ENV} to run from another instant)"
    return f"clock: {CLOCK_ENV} started at {moment:%A %Y-%m-%d %H:%M:%S} UTC, running on"


@pytest.fixture(autouse=True)
def _isolated_env(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.delenv("AURUM_HOME", raising=False)
    if not POSTGRES_ADMIN_URL:
        monkeypatch.delenv("AURUM_DATABASE_URL", raising=False)
        yield
        return
    # a test that uses `home` gets its database as a copy of an initialised one (made once per
    # run); every other test an empty one
    template = None
    if "home" in request.fixturenames:
        template, _ = postgres_template("initialised", _initialise)
    with fresh_postgres_database(template) as url:
        monkeypatch.setenv("AURUM_DATABASE_URL", url)
        request.node.stash[_DATABASE_TEMPLATE] = template
        yield


@pytest.fixture
def home(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """An initialised Aurum home (database migrated, default config written): a copy of one
    initialised once per run (Alembic's upgrade costs ~0.15 s of CPU per home on SQLite, ~0.4 s
    on PostgreSQL); on PostgreSQL the test's own database is a copy of one initialised with it."""
    if not on_postgres():
        shutil.copytree(shared_template("initialised-home", _initialised_home), tmp_path / "home")
    elif request.node.stash.get(_DATABASE_TEMPLATE, None) is not None:
        _, folder = postgres_template("initialised", _initialise)
        shutil.copytree(folder / "home", tmp_path / "home")
    else:  # asked for by name during the test: its database was made empty
        init_home(str(tmp_path / "home"))
    return tmp_path / "home"


def _initialise(url: str, folder: Path) -> None:
    """The template database of an initialised home, with that home's folder (config file)."""
    with _database_env(url):
        init_home(str(folder / "home"))


@contextmanager
def _database_env(url: str) -> Iterator[None]:
    saved = os.environ.get("AURUM_DATABASE_URL")
    os.environ["AURUM_DATABASE_URL"] = url
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("AURUM_DATABASE_URL", None)
        else:
            os.environ["AURUM_DATABASE_URL"] = saved


def _initialised_home(root: Path) -> None:
    init_home(str(root))


@pytest.fixture
def desk(home: Path) -> Iterator[Desk]:
    with Desk.open(str(home)) as opened:
        yield opened


@pytest.fixture(scope="session")
def xy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = (x[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)
    return x, y


@pytest.fixture(scope="session")
def small_model(xy: tuple[np.ndarray, np.ndarray]) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("s", StandardScaler()), ("m", LogisticRegression())]).fit(*xy)


@pytest.fixture(scope="session")
def forest(xy: tuple[np.ndarray, np.ndarray]) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=5, random_state=0).fit(*xy)


def spec(
    algorithm: str = "logistic_regression", lineage: str = "XAUUSD-M5-scalper", **metrics: float
) -> NewVersion:
    """A NewVersion for tests; metrics given as keyword arguments."""
    return NewVersion(
        lineage=lineage,
        symbol="XAUUSD",
        timeframe="M5",
        algorithm=algorithm,
        features=["f0", "f1", "f2", "f3"],
        metrics=metrics or None,
        metrics_trades=100,
    )


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before xdist's own (firstresult)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadfile, with the browser tests as one unit (tests/scheduling.py)."""
    if config.getvalue("dist") != "loadfile":
        return None
    return file_scheduler(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The order the suite's workers take its units in (tests/scheduling.py): the browser tests
    first, then the slow files, then the rest, files with more tests first.
    On the PostgreSQL server, tests of SQLite's own mechanics (marked sqlite_only) are
    deselected: they test the file, not the engine."""
    if POSTGRES_ADMIN_URL:
        dropped = [item for item in items if item.get_closest_marker("sqlite_only")]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if not item.get_closest_marker("sqlite_only")]
    per_file = Counter(item.path for item in items)
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> tuple[int, int, str]:
        if unit_of(item.nodeid) == BROWSER_UNIT:
            return (0, 0, "")
        return (1 if item.path in slow_files else 2, -per_file[item.path], str(item.path))

    items.sort(key=rank)
