"""Desks for the dashboard tests: one demo desk seeded per test run (real learning sessions
on generated bars, fast settings), copied for each test that changes it."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from engine.config.schema import Phase3Config
from engine.services import Desk, init_home
from tests.conftest import into_test_database, on_sqlite
from tests.templates import shared_template

# Enough bars for the fast learners to find the demo bars' momentum effect: on 8,000 bars (4,800
# to 7,200 per session) every session's winner lost money after costs, which the first-version
# gates rightly refuse to serve; on 12,000 the first version passes them.
DEMO_BARS = 12_000
# min_confidence 0.40: the second session's winner (a stacking ensemble, whose probabilities
# stay below 0.44 on these bars) trades too, so every version has paper and replayed trades.
FAST_LEARNING = {
    "min_confidence": 0.40,
    "algorithms": ["logistic_regression", "extra_trees"],
    "hyperparameters": {"extra_trees": {"n_estimators": 20}},
    "n_folds": 3,
}


# The demo's active model logs its trades on the newest tenth of the bars (202 on 12,000): fewer
# than this, so its live figures are "not yet evidence" and the backtest ranks it, as the pages'
# notes about too few live trades are tested. The first session's winner (PSR 0.86 on these
# bars) passes a min_psr of 0.85, so the later sessions are judged against a champion.
FEW_LIVE = {"min_live_trades": 300, "min_psr": 0.85}


def configure(home: Path, *, scheduler: bool) -> None:
    """Fast learning settings; the background services on or off (off for AppTest: the tests
    play the worker themselves)."""
    with Desk.open(str(home)) as desk:
        data = desk.config().model_dump()
        data["learning"].update(FAST_LEARNING)
        data["selection"].update(FEW_LIVE)
        data["scheduler"]["enabled"] = scheduler
        desk.config_store.save(Phase3Config.model_validate(data), actor="test-setup")


def empty_home(root: Path, *, scheduler: bool = False) -> Path:
    """An initialised home with no bars, versions or trades."""
    init_home(str(root))
    configure(root, scheduler=scheduler)
    return root


@cache
def seeded_template() -> Path:
    """The demo desk, seeded once per test run (about 20 s) and shared by its processes; never
    modified by a test."""
    return shared_template("demo-desk", _seed_demo_desk)


def _seed_demo_desk(root: Path) -> None:
    from engine.demo import seed_demo

    with on_sqlite():
        empty_home(root)
        with Desk.open(str(root)) as desk:
            seed_demo(desk, n_bars=DEMO_BARS, quick=None)  # FAST_LEARNING is the config


def seeded_copy(target: Path, *, scheduler: bool = False) -> Path:
    """A private copy of the demo desk (SQLite file, artifacts, config) at `target`."""
    shutil.copytree(seeded_template(), target)
    into_test_database(target)
    configure(target, scheduler=scheduler)
    return target
