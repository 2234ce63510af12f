"""The processes of the soak and crash trials, each run as `python -m tests.reliability.roles`.

Every role works on a real desk through the engine's public calls (the trading side through the
seed-compatible `Phase3Controller`), writes what it did and every error it saw to a JSON file,
and stops by itself at its deadline (or on SIGTERM).
"""

from __future__ import annotations

import json
import random
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

FAST_LEARNING = [
    ("learning.n_folds", "3"),
    ("learning.min_train_bars", "1500"),
    ("learning.max_train_bars", "4000"),
    ("learning.algorithms", '["logistic_regression"]'),
    ("selection.min_trades", "20"),
    ("scheduler.heartbeat_seconds", "1"),
    ("scheduler.lease_seconds", "5"),
]

_stop = False


def _on_term(*_: object) -> None:
    global _stop
    _stop = True


def _error_key(err: BaseException) -> str:
    return f"{type(err).__name__}: {str(err)[:160]}"


def _ready(out: Path) -> float:
    """Say this role is warmed up, then wait for the common start; returns the deadline."""
    out.with_suffix(".ready").touch()
    go = out.parent / "go"
    while not go.exists():
        if _stop:
            return 0.0
        time.sleep(0.05)
    return float(go.read_text(encoding="utf-8"))


def _write(out: Path, data: dict[str, Any]) -> None:
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(out)


def services(home: str, out: Path) -> None:
    """The background services (real APScheduler jobs), kept busy with learning sessions."""
    from engine.scheduler.service import AurumServices

    svc = AurumServices(home)
    deadline = _ready(out)
    svc.start()
    queued = 0
    errors: Counter[str] = Counter()
    while time.time() < deadline and not _stop:
        try:
            busy = [s for s in svc.desk.learning_sessions(5) if s.status in ("queued", "running")]
            if not busy:
                svc.desk.request_learning(actor="soak", trigger="manual")
                queued += 1
        except Exception as err:
            errors[_error_key(err)] += 1
        time.sleep(0.5)
    svc.stop()
    sessions = svc.desk.learning_sessions(1000)
    _write(
        out,
        {
            "queued": queued,
            "sessions": Counter(s.status for s in sessions),
            "job_failures": svc.failures,
            "errors": errors,
        },
    )


def operator(home: str, out: Path) -> None:
    """Activate a random version or roll back, every 100 ms."""
    from engine.errors import RegistryError
    from engine.services import Desk

    desk = Desk.open(home)
    rng = random.Random(7)
    done: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    desk.leaderboard()
    deadline = _ready(out)
    while time.time() < deadline and not _stop:
        started = time.monotonic()
        try:
            if rng.random() < 0.5:
                desk.rollback(actor="soak-operator", reason="soak")
                done["rollback"] += 1
            else:
                versions = [v for v in desk.leaderboard() if v.artifact_path]
                active = desk.registry.active_version()
                choices = [v for v in versions if active is None or v.id != active.id]
                if choices:
                    desk.activate(rng.choice(choices).id, actor="soak-operator", reason="soak")
                    done["activate"] += 1
        except RegistryError as err:  # a rule said no (nothing to roll back to): not a fault
            refused[_error_key(err).split(":")[0]] += 1
        except Exception as err:
            errors[_error_key(err)] += 1
        time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
    desk.close()
    _write(out, {"actions": done, "refused": refused, "errors": errors})


def trader(home: str, out: Path) -> None:
    """Log trades as fast as possible through the seed's controller; each acknowledged ticket
    is written down (the ledger must hold every one of them afterwards)."""
    from engine.controller import Phase3Controller

    phase3 = Phase3Controller(home)
    acked: list[tuple[str, float]] = []
    errors: Counter[str] = Counter()
    rng = random.Random(11)
    i = 0
    phase3.get_active_model_for_prediction()
    deadline = _ready(out)
    while time.time() < deadline and not _stop:
        i += 1
        ticket = f"soak-{i}"
        profit = round(rng.uniform(-30, 30), 2)
        try:
            phase3.log_trade_with_model_info(
                {
                    "ticket": ticket,
                    "signal_type": rng.choice(["buy", "sell"]),
                    "confidence": 0.7,
                    "profit_loss": profit,
                }
            )
            acked.append((ticket, profit))
        except Exception as err:
            errors[_error_key(err)] += 1
    _write(out, {"acked": acked, "errors": errors})


def signals(home: str, out: Path) -> None:
    """Ask the active model for a signal on the latest 800 bars (its fixed window is 768), as
    fast as possible."""
    from engine.controller import Phase3Controller

    phase3 = Phase3Controller(home)
    bars = phase3.desk.bars("XAUUSD", "M5", last=800)
    served: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    phase3.predict_signal(bars)
    deadline = _ready(out)
    while time.time() < deadline and not _stop:
        try:
            sig = phase3.predict_signal(bars)
            served[str(getattr(sig, "version_id", "?"))] += 1
        except Exception as err:
            errors[_error_key(err)] += 1
    _write(out, {"signals": sum(served.values()), "by_version": served, "errors": errors})


def monitor(home: str, out: Path) -> None:
    """Sample the active pointer continuously: exactly one active version, of its own lineage,
    with a model file, at every check."""
    from sqlalchemy import text

    from engine.services import Desk

    desk = Desk.open(home)
    samples = 0
    violations: list[str] = []
    errors: Counter[str] = Counter()
    query = text(
        "SELECT l.id, COUNT(a.version_id), MIN(v.lineage_id), MIN(v.artifact_path) "
        "FROM lineages l LEFT JOIN aliases a ON a.lineage_id = l.id AND a.alias = 'active' "
        "LEFT JOIN model_versions v ON v.id = a.version_id GROUP BY l.id"
    )
    deadline = _ready(out)
    while time.time() < deadline and not _stop:
        try:
            with desk.db.session() as s:
                rows = s.execute(query).all()
            samples += 1
            for lineage_id, count, owner, path in rows:
                if count != 1 or owner != lineage_id or not path:
                    violations.append(f"lineage {lineage_id}: {count} active, owner {owner}")
        except Exception as err:
            errors[_error_key(err)] += 1
        time.sleep(0.01)
    desk.close()
    _write(out, {"samples": samples, "violations": violations[:20], "errors": errors})


ROLES = {
    "services": services,
    "operator": operator,
    "trader": trader,
    "signals": signals,
    "monitor": monitor,
}


def main(argv: list[str]) -> int:
    role, home, out = argv
    signal.signal(signal.SIGTERM, _on_term)
    try:
        ROLES[role](home, Path(out))
    except Exception:
        Path(out).with_suffix(".crash").write_text(traceback.format_exc(), encoding="utf-8")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
