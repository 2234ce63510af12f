"""Leaderboard page benchmark (issue 17): its script run (AppTest) at 10,000 versions.

    .venv/bin/python bench/leaderboard.py [--home DIR] [--versions 10000] [--repeats 3]

The desk comes from bench/generate_desk.py (one symbol, `--versions` versions, 100,000 live
trades, 200,000 M5 bars; reused when DIR already holds one). Timed, median of `--repeats`:
the page as it opens (page 1 of 50 rows, ranked), page 100, sorted by Sharpe, with every
"More columns" column shown, and with two versions compared. "cold" = read caches cleared
first (after an action or when the 15 s cache expired), "warm" = the same run again (a click).
Also the engine's listing alone (`desk.leaderboard()`), which the page reads once per cache
life. Target: a click (warm) <= 1 s; cold runs are dominated by that listing and reported.
Figures go to stdout and bench/results/leaderboard.json.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "leaderboard.json"
APP = ROOT / "dashboard" / "app.py"


def build(home: Path, versions: int) -> float:
    from bench.generate_desk import DeskSize, generate

    size = DeskSize(symbols=1, versions=versions, trades=100_000, bars=200_000)
    return generate(home, size, progress=lambda m: print(m, flush=True)).total_seconds


def _run(at: Any, cold: bool) -> float:
    import streamlit as st

    from dashboard.reads import clear_shared

    if cold:
        st.cache_data.clear()
        clear_shared()
    began = time.perf_counter()
    at.run()
    spent = time.perf_counter() - began
    if at.exception or at.error:
        raise RuntimeError([e.value for e in (*at.exception, *at.error)])
    return spent


def views(at: Any) -> dict[str, Any]:
    """Each view: a function that puts the page in that state (before the timed runs)."""
    from dashboard.leaderboard_table import more_columns

    def opened() -> None:
        at.session_state["board_page"] = 1
        at.session_state["board_sort"] = "rank"
        at.session_state["board_columns"] = ["rank", "status"]
        at.session_state["compare_refs"] = []

    def page_100() -> None:
        at.session_state["board_page"] = 100

    def by_sharpe() -> None:
        at.session_state["board_sort"] = "Sharpe"

    def all_columns() -> None:
        at.session_state["board_columns"] = more_columns("USD")

    def compared() -> None:
        table = _board(at)
        at.session_state["compare_refs"] = list(table["version"][:2])

    return {
        "opened (page 1, ranked)": opened,
        "page 100": page_100,
        "sorted by Sharpe": by_sharpe,
        "every More column": all_columns,
        "two versions compared": compared,
    }


def _board(at: Any) -> Any:
    """The leaderboard table's data (AppTest finds tables by order, not by key)."""
    return next(d.value for d in at.dataframe if "DSR (trials)" in d.value.columns)


def time_views(repeats: int) -> dict[str, dict[str, float]]:
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")
    at = AppTest.from_file(str(APP), default_timeout=300).run()
    at.switch_page("views/leaderboard.py").run()
    out: dict[str, dict[str, list[float]]] = {}
    for _ in range(repeats):
        for name, prepare in views(at).items():
            prepare()
            runs = out.setdefault(name, {"cold": [], "warm": []})
            runs["cold"].append(_run(at, cold=True))
            runs["warm"].append(_run(at, cold=False))
    rows = len(_board(at))
    if rows != 50:
        raise RuntimeError(f"the page showed {rows} rows, not 50")
    return {
        name: {kind: round(statistics.median(v), 3) for kind, v in runs.items()}
        for name, runs in out.items()
    }


def listing_seconds(home: Path, repeats: int) -> dict[str, float]:
    from engine.services import Desk

    with Desk.open(str(home)) as desk:
        count = len(desk.leaderboard())
        runs = []
        for _ in range(repeats):
            began = time.perf_counter()
            desk.leaderboard()
            runs.append(time.perf_counter() - began)
    return {"versions": count, "seconds": round(statistics.median(runs), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="reuse (or create) the desk here")
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    home = Path(args.home or Path(tempfile.mkdtemp(prefix="aurum-bench-board-")) / "home")
    built = None
    if not (home / "models" / "aurum.db").exists():
        print(f"building {args.versions:,} versions in {home} ...", flush=True)
        built = build(home, args.versions)
    os.environ["AURUM_HOME"] = str(home)
    load_before = os.getloadavg()
    listing = listing_seconds(home, args.repeats)
    timings = time_views(args.repeats)
    load_after = os.getloadavg()
    print(f"\nengine listing of {listing['versions']:,} versions: {listing['seconds']:.3f} s")
    print(f"Leaderboard page script run, median of {args.repeats} (s; target <= 1 s warm)")
    print(f"{'view':<28}{'cold':>8}{'warm':>8}")
    for name, t in timings.items():
        flag = "" if t["warm"] <= 1.0 else "  (over target)"
        print(f"{name:<28}{t['cold']:>8.3f}{t['warm']:>8.3f}{flag}")
    print(f"load average before {load_before}, after {load_after}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "versions": listing["versions"],
        "build_seconds": built,
        "listing_seconds": listing["seconds"],
        "timings": timings,
        "repeats": args.repeats,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(),
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {RESULTS}")


if __name__ == "__main__":
    main()
