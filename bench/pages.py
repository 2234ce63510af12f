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
The price chart (issue 17): "performance:earlier" is the Performance page after its "Earlier"
button (a new window of bars read by index), "performance:pick" after a trade is picked in its
trade list (the window centred on it, its numbers and the features behind its signal); "chart
parts" times each Desk read of the chart on its own (bar window, trades and levels,
probabilities, trade list, the signal behind a trade, the Overview's trust report), and "chart
window" says what the page sends the browser: candles and the figure's JSON size.
With `--generated` the desk is bench/generate_desk.py's at the same scale (one symbol): its
versions have real model files, exits and feature specs, so the probability panel, the levels
and the explanation are computed, not skipped.
Target: each page's script run <= 1 s warm, <= 1.5 s cold.
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
    repeats: int,
    pages: Sequence[str] = PAGES,
    *,
    backtest_view: bool = True,
    chart_views: bool = False,
) -> dict[str, dict[str, float]]:
    """Median seconds of each page's script run, cold (caches cleared) and warm; with
    `backtest_view`, also the Performance page on the active version's backtest trades; with
    `chart_views`, also its price chart moved a window earlier and centred on a picked trade."""
    import streamlit as st
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    from dashboard.reads import clear_shared

    set_log_level("error")  # AppTest without a server warns "No runtime found" on each clear

    at = AppTest.from_file(str(APP), default_timeout=120).run()
    cold: dict[str, list[float]] = {p: [] for p in pages}
    warm: dict[str, list[float]] = {p: [] for p in pages}
    for _ in range(repeats):
        for page in pages:
            at.switch_page(f"views/{page}.py")
            st.cache_data.clear()
            clear_shared()
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
        if chart_views:
            _time_chart_views(at, cold, warm)
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

    from dashboard.reads import clear_shared

    at.switch_page("views/performance.py").run()
    at.radio(key=f"perf_source:{LINEAGE}:v{SIZES['versions']}").set_value("backtest")
    st.cache_data.clear()
    clear_shared()
    began = time.perf_counter()
    at.run()
    cold.setdefault("performance:backtest", []).append(time.perf_counter() - began)
    if at.exception or at.error or not any("backtest trades" in c.value for c in at.caption):
        raise RuntimeError(f"backtest view: {[e.value for e in (*at.exception, *at.error)]}")
    began = time.perf_counter()
    at.run()
    warm.setdefault("performance:backtest", []).append(time.perf_counter() - began)


def _timed_run(at: Any, name: str, runs: dict[str, list[float]]) -> None:
    began = time.perf_counter()
    at.run()
    runs.setdefault(name, []).append(time.perf_counter() - began)
    if at.exception or at.error:
        raise RuntimeError(f"{name}: {[e.value for e in (*at.exception, *at.error)]}")


def _time_chart_views(at: Any, cold: dict[str, list[float]], warm: dict[str, list[float]]) -> None:
    """The Performance page's price chart moved one window earlier, then centred on a trade
    picked in its list (cold: caches cleared before; warm: the same run again)."""
    import streamlit as st

    from dashboard.reads import clear_shared

    at.switch_page("views/performance.py").run()
    prefix = f"perf:{at.selectbox(key='perf_version').value}"
    at.button(key=f"{prefix}:last").click().run()  # from the last trades whatever came before
    st.cache_data.clear()
    clear_shared()
    at.button(key=f"{prefix}:earlier").click()
    _timed_run(at, "performance:earlier", cold)
    _timed_run(at, "performance:earlier", warm)
    at.session_state[f"{prefix}:list"] = {"selection": {"rows": [5], "columns": []}}
    st.cache_data.clear()
    clear_shared()
    _timed_run(at, "performance:pick", cold)
    _timed_run(at, "performance:pick", warm)
    at.session_state[f"{prefix}:list"] = {"selection": {"rows": [], "columns": []}}


def chart_window(home: Path) -> dict[str, Any]:
    """What the Performance page's price chart reads and sends, and each Desk read's seconds
    (median of 3, after one to warm the process's imports and model load)."""
    from dashboard.price_chart import price_figure
    from dashboard.price_panel import WINDOW_BARS
    from engine.errors import AurumError
    from engine.services import Desk

    desk = Desk.open(str(home))
    try:
        active = desk.registry.active_version()
        newest = desk.chart_trades(active.ref, "live", limit=1)
        around = newest[0].open_time if newest else desk.bar_series()[0].last
        window = {"around": around, "before": WINDOW_BARS * 3 // 4, "after": WINDOW_BARS // 4}
        parts = {
            "bar window": lambda: desk.bar_window(active.symbol, active.timeframe, **window),
            "price chart (window, trades, levels)": lambda: desk.price_chart(
                active.ref, sources=("live", "backtest"), **window
            ),
            "probability panel": lambda: desk.probability_panel(active.ref, **window),
            "trade list (500 newest)": lambda: desk.chart_trades(active.ref, "live", limit=500),
            "signal behind a trade": lambda: desk.trade_explanation(active.ref, around),
            "trust report": lambda: desk.trust_report(active.ref),
        }
        seconds: dict[str, float | str] = {}
        for name, read in parts.items():
            try:
                read()
                runs = []
                for _ in range(3):
                    began = time.perf_counter()
                    read()
                    runs.append(time.perf_counter() - began)
                seconds[name] = round(statistics.median(runs), 4)
            except AurumError as err:  # a desk without model files: say which read is skipped
                seconds[name] = f"skipped: {err}"
        chart = desk.price_chart(active.ref, sources=("live", "backtest"), **window)
        try:
            panel = desk.probability_panel(active.ref, **window)
        except AurumError:
            panel = None
        figure = price_figure(chart.window.bars, chart.trades, title=active.ref, probability=panel)
        sent = len(json.dumps(figure.to_plotly_json(), default=str))
        return {
            "version": active.ref,
            "bars_stored": sum(s.bars for s in desk.bar_series()),
            "candles_sent": len(chart.window),
            "trades_in_window": {k: len(v) for k, v in chart.trades.items()},
            "figure_json_kb": round(sent / 1024, 1),
            "seconds": seconds,
        }
    finally:
        desk.close()


def build_generated(home: Path) -> dict[str, float]:
    """The scale desk from bench/generate_desk.py: one symbol, SIZES' versions, trades, bars."""
    from bench.generate_desk import DeskSize, generate

    size = DeskSize(symbols=1, versions=SIZES["versions"], trades=SIZES["trades"],
                    bars=SIZES["bars"])  # fmt: skip
    return generate(home, size, progress=lambda m: print(m, flush=True)).seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--home", help="reuse (or create) the large desk here")
    parser.add_argument(
        "--generated",
        action="store_true",
        help="build the desk with bench/generate_desk.py (real model files) instead",
    )
    args = parser.parse_args()
    home = (
        Path(args.home)
        if args.home
        else Path(tempfile.mkdtemp(prefix="aurum-bench-pages-")) / "home"
    )
    built: dict[str, float] = {}
    if not (home / "models" / "aurum.db").exists():
        print(f"building the large desk in {home} ...", flush=True)
        built = build_generated(home) if args.generated else build(home)
        print("built: " + ", ".join(f"{k} {v:.1f}s" for k, v in built.items()), flush=True)
    os.environ["AURUM_HOME"] = str(home)
    window = chart_window(home)
    timings = time_pages(args.repeats, backtest_view=not args.generated, chart_views=True)
    print(
        f"\nprice chart of {window['version']}: {window['candles_sent']} candles sent of "
        f"{window['bars_stored']:,} bars stored, trades in the window "
        f"{window['trades_in_window']}, figure JSON {window['figure_json_kb']} KiB"
    )
    for name, value in window["seconds"].items():
        print(f"  {name:<40}{value if isinstance(value, str) else f'{value:.3f} s'}")
    print(f"\npage script run, median of {args.repeats} (seconds; target <= 1 s warm, 1.5 cold)")
    print(f"{'page':<22}{'cold':>8}{'warm':>8}")
    for page, t in timings.items():
        flag = "" if t["cold"] <= 1.5 and t["warm"] <= 1.0 else "  (over target)"
        print(f"{page:<22}{t['cold']:>8.3f}{t['warm']:>8.3f}{flag}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "sizes": SIZES,
                "build_seconds": built,
                "timings": timings,
                "chart_window": window,
                "desk": "bench/generate_desk.py" if args.generated else "bench/pages.py",
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
