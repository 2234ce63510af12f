"""The soak: real processes on one SQLite desk for N seconds — services training, an operator
activating/rolling back every 100 ms, the trading side logging trades as fast as it can and
asking for signals, a monitor sampling the active pointer — then the books are checked.

`python bench/soak.py --seconds 60` runs the full setting; the test suite runs a shorter one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SoakResult:
    seconds: float
    trades_acked: int
    trades_in_ledger: int
    checksum_acked: str
    checksum_ledger: str
    signals: int
    actions: dict[str, int]
    refused: dict[str, int]
    samples: int
    violations: list[str]
    sessions: dict[str, int]
    stuck_running: int
    errors: dict[str, dict[str, int]] = field(default_factory=dict)
    crashed: dict[str, str] = field(default_factory=dict)

    @property
    def locked_errors(self) -> int:
        return sum(
            n for errs in self.errors.values() for k, n in errs.items() if "locked" in k.lower()
        )

    def summary(self) -> str:
        s = self.seconds
        return (
            f"soak {s:.0f} s: {self.trades_acked:,} trades ({self.trades_acked / s:,.0f}/s), "
            f"{self.signals:,} signals ({self.signals / s:,.1f}/s), "
            f"{sum(self.actions.values()):,} operator actions "
            f"({', '.join(f'{k} {v}' for k, v in sorted(self.actions.items()))}; "
            f"refused by a rule: {sum(self.refused.values())}), "
            f"learning sessions {dict(self.sessions)}, "
            f"{self.samples:,} samples of the active pointer with {len(self.violations)} "
            f"violations; ledger {self.trades_in_ledger:,}/{self.trades_acked:,} trades, "
            f"checksums {'match' if self.checksum_acked == self.checksum_ledger else 'DIFFER'}; "
            f"'database is locked' seen by callers: {self.locked_errors}; "
            f"sessions stuck running: {self.stuck_running}"
        )


def checksum(pairs: list[tuple[str, float]]) -> str:
    digest = hashlib.sha256()
    for ticket, profit in sorted(pairs):
        digest.update(f"{ticket}:{profit:.2f}\n".encode())
    return digest.hexdigest()


def prepare(home: Path, *, n_bars: int = 6000) -> None:
    """A desk with generated bars, a fast learning config, and two learnt versions."""
    from engine.data.store import upsert_bars
    from engine.data.synthetic import generate_bars
    from engine.services import Desk, init_home
    from tests.learner.conftest import learn_and_serve
    from tests.reliability.roles import FAST_LEARNING

    init_home(str(home))
    with Desk.open(str(home)) as desk:
        for key, value in FAST_LEARNING:
            desk.set_config(key, value, actor="soak-setup")
        with desk.db.session(write=True) as s:
            upsert_bars(
                s,
                generate_bars(n_bars=n_bars, seed=3, momentum=0.25),
                symbol="XAUUSD",
                timeframe="M5",
            )
        learn_and_serve(desk, "soak-setup")
        desk.set_config("learning.algorithms", '["hist_gradient_boosting"]', actor="soak-setup")
        learn_and_serve(desk, "soak-setup")
        desk.set_config("learning.algorithms", '["logistic_regression"]', actor="soak-setup")
        if desk.registry.active_version() is None:
            raise RuntimeError("the soak desk has no active version after its setup")


def prepared_template() -> Path:
    """The desk `prepare` makes, on SQLite, made once per test run and shared by its processes
    (tests/templates.py): the soak and the crash trials each copy it instead of training two
    versions of their own. Never changed in place."""
    from tests.conftest import on_sqlite
    from tests.templates import shared_template

    def build(root: Path) -> None:
        with on_sqlite():
            prepare(root)

    return shared_template("reliability-desk", build)


def run_soak(home: Path, seconds: float, *, prepared: bool = False) -> SoakResult:
    from engine.db.schema import LearningSession, Trade
    from engine.services import Desk

    if not prepared:  # a copy of the prepared desk (in the PostgreSQL run: its own database)
        from tests.conftest import into_test_database

        shutil.copytree(prepared_template(), home)
        into_test_database(home)
    out = home / "soak"
    out.mkdir(exist_ok=True)
    # ROOT first, then what the suite set (tests/clock.py puts the test clock there)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("AURUM_HOME", None)
    procs = {
        role: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reliability.roles",
                role,
                str(home),
                str(out / f"{role}.json"),
            ],
            cwd=ROOT,
            env=env,
        )
        for role in ("services", "operator", "trader", "signals", "monitor")
    }
    warmup_until = time.time() + 300
    while time.time() < warmup_until and not all(
        (out / f"{role}.ready").exists() or proc.poll() is not None for role, proc in procs.items()
    ):
        time.sleep(0.1)
    started = time.time()
    (out / "go.tmp").write_text(str(started + seconds), encoding="utf-8")
    (out / "go.tmp").replace(out / "go")  # atomically: a role never reads half a number
    for proc in procs.values():
        try:
            proc.wait(timeout=seconds + 300)  # the services finish the session in hand
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    elapsed = min(time.time() - started, seconds)
    results: dict[str, Any] = {}
    crashed: dict[str, str] = {}
    for role in procs:
        crash = out / f"{role}.crash"
        if crash.exists():
            crashed[role] = crash.read_text(encoding="utf-8")[-2000:]
        path = out / f"{role}.json"
        results[role] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    acked = [(t, float(p)) for t, p in results["trader"].get("acked", [])]
    with Desk.open(str(home)) as desk, desk.db.session() as s:
        ledger = [
            (t, float(p))
            for t, p in s.execute(
                select(Trade.ticket, Trade.profit).where(Trade.ticket.like("soak-%"))
            ).all()
        ]
        stuck = s.scalar(
            select(LearningSession.id).where(LearningSession.status == "running").limit(1)
        )
    return SoakResult(
        seconds=elapsed,
        trades_acked=len(acked),
        trades_in_ledger=len(ledger),
        checksum_acked=checksum(acked),
        checksum_ledger=checksum(ledger),
        signals=int(results["signals"].get("signals", 0)),
        actions=dict(results["operator"].get("actions", {})),
        refused=dict(results["operator"].get("refused", {})),
        samples=int(results["monitor"].get("samples", 0)),
        violations=list(results["monitor"].get("violations", [])),
        sessions=dict(Counter(results["services"].get("sessions", {}))),
        stuck_running=0 if stuck is None else 1,
        errors={role: dict(r.get("errors", {})) for role, r in results.items()},
        crashed=crashed,
    )
