"""Dashboard page benchmark: each page's script run (AppTest) on a large generated desk.

The desk: 1,000 versions (with realistic details: candidates, folds, importances), 100,000 live
trades (20,000 on the active version) plus 20,000 backtest trades (200 for each of the newest 100
versions, as their learning sessions store them), 500 learning sessions, 1,000,000 M5 bars, 5,000
audit events.
Bars go in through the engine's upsert; the other tables through SQLAlchemy Core bulk inserts
(registering 1,000 real models would only time the learner).

Run `python bench/pages.py [--repeats N] [--home DIR]`; figures go to stdout and
bench/results/pages.json. "cold" = first run after clearing the dashboard's read caches (what a
page costs after an action or when the cache expired), "warm" = the next run (a click).
"performance:backtest" is the Performance page switched to the active version's backtest trades.
Target: each page's script run <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.seeding import FEATURES, folds, metrics, result  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "pages.json"
APP = ROOT / "dashboard" / "app.py"
PAGES = (
    "overview",
    "leaderboard",
    "performance",
    "learning",
    "models",
    "configuration",
    "data",
    "audit",
)
LINEAGE = "XAUUSD-M5-scalper"
SIZES = {"versions": 1_000, "trades": 100_000, "active_trades": 20_000, "backtest_trades": 20_000,
         "sessions": 500, "bars": 1_000_000, "audit": 5_000, "activations": 200}  # fmt: skip
BACKTEST_VERSIONS = 100  # the newest versions share the backtest trades equally


def build(home: Path, seed: int = 0) -> dict[str, float]:
    """Create the large desk in `home`; returns seconds spent per table."""
    from sqlalchemy import insert

    from engine.config.schema import Phase3Config
    from engine.data.store import upsert_bars
    from engine.data.synthetic import generate_bars
    from engine.db import schema as t
    from engine.demo import demo_start
    from engine.services import Desk, init_home

    rng = np.random.default_rng(seed)
    spent: dict[str, float] = {}
    init_home(str(home))
    desk = Desk.open(str(home))
    data = desk.config().model_dump()
    data["scheduler"]["enabled"] = False
    desk.config_store.save(Phase3Config.model_validate(data), actor="bench")
    now = datetime.now(UTC)

    def timed(name: str, rows: list[dict[str, Any]], table: Any) -> None:
        began = time.perf_counter()
        with desk.db.session(write=True) as s:
            s.execute(insert(table.__table__), rows)
        spent[name] = round(time.perf_counter() - began, 2)

    n_v, n_s = SIZES["versions"], SIZES["sessions"]
    timed("lineages", [{"id": 1, "name": LINEAGE, "symbol": "XAUUSD", "timeframe": "M5",
                        "purpose": "scalper", "created_at": now}], t.Lineage)  # fmt: skip
    sessions = []
    for i in range(1, n_s + 1):
        started = now - timedelta(hours=2 * (n_s - i) + 1)
        sessions.append(
            {"id": i, "trigger": "schedule", "requested_by": "services", "status": "succeeded",
             "stage": "", "percent": 100.0, "message": "registered", "symbol": "XAUUSD",
             "timeframe": "M5", "window_start": started - timedelta(days=90), "window_end": started,
             "result_json": json.dumps(result(rng)), "created_at": started, "started_at": started,
             "finished_at": started + timedelta(seconds=float(rng.uniform(20, 300)))}
        )  # fmt: skip
    timed("learning_sessions", sessions, t.LearningSession)
    details = json.dumps({**result(rng), "folds": folds(rng), "labels": {"horizon": 12}})
    versions = [
        {"id": i, "lineage_id": 1, "version": i, "algorithm": "random_forest",
         "params_json": json.dumps({"n_estimators": 200, "max_depth": 8}),
         "features_json": json.dumps(FEATURES), "train_start": now - timedelta(days=120),
         "train_end": now - timedelta(days=30), "data_hash": f"{i:064x}",
         "artifact_path": f"{LINEAGE}/{i:064x}.skops", "artifact_size": 600_000,
         "artifact_sha256": f"{i:064x}", "status": "archived", "details_json": details,
         "session_id": (i - 1) % n_s + 1, "created_at": now - timedelta(hours=n_v - i)}
        for i in range(1, n_v + 1)
    ]  # fmt: skip
    timed("model_versions", versions, t.ModelVersion)
    current, history = [], []
    for i in range(1, n_v + 1):
        values = metrics(rng)
        current.append({"version_id": i, "source": "backtest", "metrics_json": json.dumps(values),
                        "trades": int(values["trades"]), "updated_at": now})  # fmt: skip
        for snapshot in range(3):
            history += [
                {"version_id": i, "source": "backtest", "name": k, "value": v,
                 "trades": int(values["trades"]), "recorded_at": now - timedelta(days=snapshot)}
                for k, v in values.items()
            ]  # fmt: skip
    timed("current_metrics", current, t.CurrentMetrics)
    timed("version_metrics", history, t.VersionMetric)
    active = n_v
    first = n_v - SIZES["activations"]
    events = [
        {"id": k, "lineage_id": 1, "kind": "activate",
         "from_version_id": None if k == 1 else first + k - 1,
         "to_version_id": first + k, "actor": "services",
         "reason": "promoted", "created_at": now - timedelta(hours=SIZES["activations"] - k)}
        for k in range(1, SIZES["activations"] + 1)
    ]  # fmt: skip
    timed("activation_events", events, t.ActivationEvent)
    timed("aliases", [{"lineage_id": 1, "alias": "active", "version_id": active,
                       "updated_at": now}], t.Alias)  # fmt: skip
    trades = []
    owners = np.concatenate(
        [np.full(SIZES["active_trades"], active),
         rng.integers(n_v - 100, n_v, SIZES["trades"] - SIZES["active_trades"])]
    )  # fmt: skip
    start = now - timedelta(days=200)
    for k, owner in enumerate(owners):
        opened = start + timedelta(minutes=int(k % SIZES["active_trades"]) * 14)
        trades.append(
            {"ticket": f"bench-{k}", "symbol": "XAUUSD", "side": "buy" if k % 2 else "sell",
             "open_time": opened, "close_time": opened + timedelta(minutes=10),
             "open_price": 2650.0, "close_price": 2651.0, "volume": 0.1,
             "profit": float(rng.normal(0.5, 20)), "commission": -0.7, "swap": 0.0,
             "version_id": int(owner), "confidence": 0.5, "source": "live", "logged_at": now}
        )  # fmt: skip
    per_version = SIZES["backtest_trades"] // BACKTEST_VERSIONS
    for k in range(SIZES["backtest_trades"]):
        owner, n = n_v - k // per_version, k % per_version
        opened = start + timedelta(minutes=60 * n)
        trades.append(
            {"ticket": f"bench-bt-{owner}-{n}", "symbol": "XAUUSD",
             "side": "buy" if n % 2 else "sell", "open_time": opened,
             "close_time": opened + timedelta(minutes=25),
             "open_price": 2650.0, "close_price": 2651.0, "volume": 0.1,
             "profit": float(rng.normal(0.5, 20)), "commission": -2.7, "swap": 0.0,
             "version_id": int(owner), "confidence": 0.5, "source": "backtest", "logged_at": now}
        )  # fmt: skip
    timed("trades", trades, t.Trade)
    audit = [
        {"actor": "services",
         "action": ("model.activate", "config.save", "learning.session")[k % 3],
         "target": f"#{k}", "detail_json": json.dumps({"k": k}),
         "created_at": now - timedelta(minutes=SIZES["audit"] - k)}
        for k in range(SIZES["audit"])
    ]  # fmt: skip
    timed("audit_events", audit, t.AuditEvent)
    began = time.perf_counter()
    bars = generate_bars(
        start=demo_start(SIZES["bars"]).strftime("%Y-%m-%d"), n_bars=SIZES["bars"], seed=seed
    )
    with desk.db.session(write=True) as s:
        upsert_bars(s, bars, symbol="XAUUSD", timeframe="M5")
    spent["bars"] = round(time.perf_counter() - began, 2)
    for version_id in (active, active - 1):
        desk.refresh_live_metrics(version_id)
    desk.close()
    return spent


def time_pages(
    repeats: int, pages: Sequence[str] = PAGES, *, backtest_view: bool = True
) -> dict[str, dict[str, float]]:
    """Median seconds of each page's script run, cold (caches cleared) and warm; with
    `backtest_view`, also the Performance page on the active version's backtest trades."""
    import streamlit as st
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # AppTest without a server warns "No runtime found" on each clear

    at = AppTest.from_file(str(APP), default_timeout=120).run()
    cold: dict[str, list[float]] = {p: [] for p in pages}
    warm: dict[str, list[float]] = {p: [] for p in pages}
    for _ in range(repeats):
        for page in pages:
            at.switch_page(f"views/{page}.py")
            st.cache_data.clear()
            began = time.perf_counter()
            at.run()
            cold[page].append(time.perf_counter() - began)
            if at.exception or at.error:
                raise RuntimeError(f"{page}: {[e.value for e in (*at.exception, *at.error)]}")
            began = time.perf_counter()
            at.run()
            warm[page].append(time.perf_counter() - began)
        if backtest_view:
            _time_backtest_view(at, cold, warm)
    return {
        p: {"cold": round(statistics.median(cold[p]), 3),
            "warm": round(statistics.median(warm[p]), 3)}
        for p in cold
    }  # fmt: skip


def _time_backtest_view(
    at: Any, cold: dict[str, list[float]], warm: dict[str, list[float]]
) -> None:
    """The Performance page switched to the active version's backtest trades."""
    import streamlit as st

    at.switch_page("views/performance.py").run()
    at.radio(key=f"perf_source:{LINEAGE}:v{SIZES['versions']}").set_value("backtest")
    st.cache_data.clear()
    began = time.perf_counter()
    at.run()
    cold.setdefault("performance:backtest", []).append(time.perf_counter() - began)
    if at.exception or at.error or not any("backtest trades" in c.value for c in at.caption):
        raise RuntimeError(f"backtest view: {[e.value for e in (*at.exception, *at.error)]}")
    began = time.perf_counter()
    at.run()
    warm.setdefault("performance:backtest", []).append(time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--home", help="reuse (or create) the large desk here")
    args = parser.parse_args()
    home = (
        Path(args.home)
        if args.home
        else Path(tempfile.mkdtemp(prefix="aurum-bench-pages-")) / "home"
    )
    built: dict[str, float] = {}
    if not (home / "models" / "aurum.db").exists():
        print(f"building the large desk in {home} ...", flush=True)
        built = build(home)
        print("built: " + ", ".join(f"{k} {v:.1f}s" for k, v in built.items()), flush=True)
    os.environ["AURUM_HOME"] = str(home)
    timings = time_pages(args.repeats)
    print(f"\npage script run, median of {args.repeats} (seconds; target <= 1 s)")
    print(f"{'page':<22}{'cold':>8}{'warm':>8}")
    for page, t in timings.items():
        flag = "" if t["cold"] <= 1.0 else "  (over target)"
        print(f"{page:<22}{t['cold']:>8.3f}{t['warm']:>8.3f}{flag}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "sizes": SIZES,
                "build_seconds": built,
                "timings": timings,
                "repeats": args.repeats,
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "when": datetime.now(UTC).isoformat(),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nresults: {RESULTS}")


if __name__ == "__main__":
    main()
