"""Crash trials: `kill -9` at a random moment while the desk trains and registers, imports bars,
saves the config or activates — with the trading side logging trades at the same time — then
`aurum doctor --repair` must find a consistent desk, the active model must load, no acknowledged
trade may be missing, and an import is either wholly there or not at all.

`python bench/crash.py --trials 40` runs the full setting; the test suite runs a shorter one.
Run as `python -m tests.reliability.crash child OP HOME OUT` it is the process that gets killed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ("train", "import", "config", "activate")
BAR_FILES = ("bars_a.csv", "bars_b.csv")


@dataclass
class TrialResult:
    op: str
    delay: float
    consistent: bool
    repaired: list[str]
    problems: list[str]
    active_loads: bool
    acked: int
    lost: int
    import_state: str


@dataclass
class CrashSummary:
    trials: list[TrialResult] = field(default_factory=list)

    @property
    def failures(self) -> list[TrialResult]:
        return [
            t
            for t in self.trials
            if not t.consistent or not t.active_loads or t.lost or t.import_state == "mixed"
        ]

    def summary(self) -> str:
        by_op = Counter(t.op for t in self.trials)
        repaired = Counter(r for t in self.trials for r in t.repaired)
        acked = sum(t.acked for t in self.trials)
        lost = sum(t.lost for t in self.trials)
        return (
            f"crash trials: {len(self.trials)} kill -9 ({dict(by_op)}); consistent after "
            f"doctor --repair: {sum(t.consistent for t in self.trials)}/{len(self.trials)}; "
            f"active model loads: {sum(t.active_loads for t in self.trials)}/{len(self.trials)}; "
            f"repairs made: {dict(repaired) or 'none'}; acknowledged trades {acked:,}, "
            f"lost {lost}; imports half-applied: "
            f"{sum(t.import_state == 'mixed' for t in self.trials)}"
        )


# --- the process that gets killed ----------------------------------------------------------
def _child(op: str, home: str, out: Path) -> None:
    from engine.errors import RegistryError
    from engine.services import Desk

    desk = Desk.open(home)
    rng = random.Random(os.getpid())
    # trades are dated after every version's registration (earlier ones are refused as trades
    # of a version that did not exist yet)
    opened = max(v.created_at for v in desk.registry.list_versions()) + timedelta(minutes=1)
    ready = out.with_suffix(".ready")
    if op != "trades":  # the trader is ready once its first trade is acknowledged: on a busy
        ready.touch()  # machine its first commit can take longer than a trial's whole delay
    i = 0
    while True:
        i += 1
        if op == "train":
            desk.learn(actor="crash")
        elif op == "import":
            name = BAR_FILES[i % 2]
            desk.import_bars(str(Path(home) / name), symbol="XAUUSD", timeframe="M5", actor="crash")
        elif op == "config":
            desk.set_config("max_models_to_keep", str(rng.randint(2, 50)), actor="crash")
        elif op == "activate":
            try:
                if i % 2:
                    desk.rollback(actor="crash", reason="crash trial")
                else:
                    others = [v for v in desk.leaderboard() if v.artifact_path]
                    active = desk.registry.active_version()
                    choice = [v for v in others if active is None or v.id != active.id]
                    desk.activate(rng.choice(choice).id, actor="crash", reason="crash trial")
            except RegistryError:
                pass
        elif op == "trades":
            ticket = f"crash-{os.getpid()}-{i}"
            desk.log_trade(
                {
                    "ticket": ticket,
                    "side": "buy",
                    "profit": 1.0,
                    "volume": 0.01,
                    "open_time": opened.isoformat(),
                    "close_time": (opened + timedelta(minutes=5)).isoformat(),
                },
            )
            with out.open("a", encoding="utf-8") as acks:  # acknowledged only after the commit
                acks.write(ticket + "\n")
                acks.flush()
                os.fsync(acks.fileno())
            if i == 1:
                ready.touch()


# --- the trials ----------------------------------------------------------------------------
def prepare_template(template: Path) -> None:
    """A desk with bars, two learnt versions (so rollback has a target) and two bar files: a
    copy of the soak's prepared desk (made once per test run) with the files added."""
    from engine.data.synthetic import generate_bars
    from tests.reliability.soak import prepared_template

    shutil.copytree(prepared_template(), template)
    for seed, name in enumerate(BAR_FILES):
        bars = generate_bars(n_bars=4000, seed=100 + seed)
        bars.to_csv(template / name, index=False)


def _spawn(op: str, home: Path, out: Path) -> subprocess.Popen[bytes]:
    # ROOT first, then what the suite set (tests/clock.py puts the test clock there)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("AURUM_HOME", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash", "child", op, str(home), str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_ready(path: Path, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    until = time.time() + timeout
    while not path.with_suffix(".ready").exists():
        if proc.poll() is not None or time.time() > until:
            raise RuntimeError(f"crash child for {path.name} did not start")
        time.sleep(0.05)


def _import_state(home: Path) -> str:
    """'a', 'b' (one file's values throughout its range), 'none', or 'mixed' (half-applied)."""
    import pandas as pd

    from engine.services import Desk

    with Desk.open(str(home)) as desk:
        stored = desk.bars("XAUUSD", "M5")
    stored = stored.set_index("time")["close"]
    states = []
    for name in BAR_FILES:
        frame = pd.read_csv(home / name, parse_dates=["time"]).set_index("time")["close"]
        common = stored.reindex(frame.index)
        states.append(bool((common.round(6) == frame.round(6)).all()))
    if all(states):
        return "both"
    if states[0]:
        return "a"
    if states[1]:
        return "b"
    # nothing imported yet is fine too: the file's times are not in the store at all
    return "mixed"


def run_trial(template: Path, home: Path, op: str, rng: random.Random) -> TrialResult:
    """One trial on a copy of the template; on the PostgreSQL test server (make test-postgres),
    the copy's database is a fresh database of its own there."""
    shutil.copytree(template, home)
    if not os.environ.get("AURUM_TEST_POSTGRES_URL"):
        return _run_trial(template, home, op, rng)
    from tests.conftest import fresh_postgres_database, into_test_database

    saved = os.environ.get("AURUM_DATABASE_URL")
    with fresh_postgres_database() as url:
        os.environ["AURUM_DATABASE_URL"] = url
        try:
            into_test_database(home)
            return _run_trial(template, home, op, rng)
        finally:
            if saved is None:
                os.environ.pop("AURUM_DATABASE_URL", None)
            else:
                os.environ["AURUM_DATABASE_URL"] = saved


def _run_trial(template: Path, home: Path, op: str, rng: random.Random) -> TrialResult:
    from engine.db.schema import Trade
    from engine.doctor import diagnose
    from engine.services import Desk

    acks = home / "acks.txt"
    work_out = home / f"{op}.out"
    trader = _spawn("trades", home, acks)
    worker = _spawn(op, home, work_out)
    _wait_ready(acks, trader)
    _wait_ready(work_out, worker)
    delay = rng.uniform(0.05, 6.0 if op == "train" else 2.0)
    time.sleep(delay)
    for proc in (worker, trader):
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with Desk.open(str(home)) as desk:
        report = diagnose(desk, repair=True, grace_seconds=0.0)
        with desk.db.session() as s:
            from sqlalchemy import select

            stored = set(s.scalars(select(Trade.ticket).where(Trade.ticket.like("crash-%"))))
    acked = acks.read_text(encoding="utf-8").split() if acks.exists() else []
    state = _import_state(home) if op == "import" else "n/a"
    if op == "import" and state == "mixed":
        state = _mixed_or_untouched(template, home)
    return TrialResult(
        op=op,
        delay=round(delay, 2),
        consistent=report.consistent,
        repaired=[f.check for f in report.findings if f.repaired],
        problems=[f"{f.check}: {f.message}" for f in report.findings if f.status == "problem"],
        active_loads=any(
            f.check == "active versions" and "loads" in f.message and f.status == "ok"
            for f in report.findings
        ),
        acked=len(acked),
        lost=len(set(acked) - stored),
        import_state=state,
    )


def _mixed_or_untouched(template: Path, home: Path) -> str:
    """Neither file fully present: fine only if the store is exactly the template's."""
    from engine.services import Desk
    from tests.conftest import on_sqlite

    with on_sqlite(), Desk.open(str(template)) as before:
        expected = before.bars("XAUUSD", "M5")
    with Desk.open(str(home)) as after:
        same = expected.equals(after.bars("XAUUSD", "M5"))
    return "none" if same else "mixed"


def run_trials(workdir: Path, trials: int, *, seed: int = 0) -> CrashSummary:
    from tests.conftest import on_sqlite

    template = workdir / "template"
    with on_sqlite():  # the template is a home with its own SQLite file, copied per trial
        prepare_template(template)
    rng = random.Random(seed)
    summary = CrashSummary()
    for i in range(trials):
        op = OPERATIONS[i % len(OPERATIONS)]
        summary.trials.append(run_trial(template, workdir / f"trial-{i:03d}", op, rng))
    return summary


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "child":
        _child(sys.argv[2], sys.argv[3], Path(sys.argv[4]))
