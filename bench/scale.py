"""Speed at scale (issue 7): how cost grows with the size of the desk.

    .venv/bin/python bench/scale.py [--quick] [--repeats N] [--symbols N] [--homes DIR]

For each size (10×-spaced; default versions 100 / 1,000 / 10,000 with trades 10k / 100k / 1M
and bars 100k / 1M / 10M, all growing together) a desk is generated (bench/generate_desk.py)
and timed, median of `--repeats` runs:

- leaderboard: `desk.leaderboard()` (what `aurum models` and the Leaderboard page call), with
  the registry's listing memory warm, and its first call with that memory emptied (what a fresh
  process pays);
- evaluate cycle: `engine.scheduler.evaluate.evaluate_cycle(desk)`, the scheduler's job;
- each dashboard page's script run (AppTest, bench/pages.py), cold (read caches cleared) and
  warm;
- trade logging: `desk.log_trade` one transaction each and `desk.log_trades` in batches of
  1,000, as milliseconds per trade (the logged trades are deleted afterwards).

What a page or job shows stays the same size as the desk grows: trades are spread over the
activated versions, so the active version holds about 1,000 live trades at every size; pages
show the newest 60 days of bars, 200 sessions, 500 audit events. Growth beyond that is growth
with the whole history. The leaderboard lists every version: it may grow linearly with them.

Figures go to stdout and bench/results/scale.json (scale-quick.json with --quick); charts
(cost against size, log-log, with a linear-growth reference) to docs/charts/ (with --quick to
bench/results/charts-quick/). Charts need kaleido and Chromium (BROWSER_PATH, default
/usr/bin/chromium). With --homes, generated SQLite desks are kept there and reused.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate_desk import DeskSize, counts, generate  # noqa: E402
from bench.seeding import trade_rows  # noqa: E402

REAL = [(100, 10_000, 100_000), (1_000, 100_000, 1_000_000), (10_000, 1_000_000, 10_000_000)]
QUICK = [(20, 2_000, 20_000), (200, 20_000, 200_000)]
CHARTS = ROOT / "docs" / "charts"
RESULTS = ROOT / "bench" / "results"
LOGGED_PREFIX = "B"  # seeding.trade_rows tickets; the generator's start with "G"


def median_seconds(
    fn: Callable[[], object], repeats: int, before: Callable[[], object] | None = None
) -> float:
    """Median wall seconds of `fn` over `repeats` runs (`before` runs untimed before each)."""
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def measure(
    home: str | Path,
    *,
    repeats: int = 3,
    pages: Sequence[str] | None = None,
    single: int = 500,
    batched: int = 10_000,
) -> dict[str, Any]:
    """Every figure for the desk in `home` (seconds, except trade logging in ms per trade)."""
    from engine.scheduler.evaluate import evaluate_cycle
    from engine.services import Desk

    out: dict[str, Any] = {}
    desk = Desk.open(str(home))
    try:
        desk.leaderboard()  # imports and the statement cache, as in any running process
        out["leaderboard"] = median_seconds(desk.leaderboard, repeats)
        out["leaderboard_first_call"] = median_seconds(
            desk.leaderboard, repeats, before=desk.registry.listings.clear
        )
        out["leaderboard_rows"] = len(desk.leaderboard())
        out["evaluate_cycle"] = median_seconds(lambda: evaluate_cycle(desk), repeats)
        out["parts"] = _parts(desk)
        out["pages"] = _pages(home, repeats, pages)
        out.update(_trade_logging(desk, single, batched))
    finally:
        desk.close()
    return out


def _parts(desk: Any) -> dict[str, Any]:
    """One run each of what the evaluate cycle and the pages are made of (seconds), and the
    sizes they work on: to tell which part grows. These call the engine's private helpers, so a
    part whose helper changed is left out (None) rather than failing the run."""
    from engine.reports import build_report
    from engine.scheduler import evaluate as ev

    cfg = desk.config()
    lineage = desk.registry.lineages()[0].name
    active = desk.registry.active_version(lineage)
    market = (active.symbol, active.timeframe)
    out: dict[str, Any] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        try:
            value = fn()
        except (AttributeError, TypeError) as err:  # the engine's helper changed
            out[name] = None
            print(f"  part {name!r} left out: {err}", file=sys.stderr)
            return None
        out[name] = time.perf_counter() - began
        return value

    def new_trades() -> Any:
        if hasattr(ev, "_session_state"):  # before evaluation per market
            return ev._session_state(desk)
        states = ev._session_states(desk, [market])
        return ev._new_trades(desk, market, states[market].last_start, alone=True)

    def others() -> Any:
        try:
            return ev._refresh_other_live_metrics(desk, exclude={active.id})
        except TypeError:  # before evaluation per market: one id
            return ev._refresh_other_live_metrics(desk, exclude=active.id)

    results = timed(
        "evaluate: live results of the active version", lambda: desk.live_results(active.id)
    )
    timed(
        "evaluate: its live-metrics snapshot", lambda: desk.refresh_live_metrics(active.id, results)
    )
    timed("evaluate: new trades since the last session", new_trades)
    timed("evaluate: drift check", lambda: ev._drift(desk, cfg, active))
    timed("evaluate: other versions' live snapshots", others)
    timed("overview: status report (build_report)", lambda: build_report(desk))
    timed("overview: desk.counts()", desk.counts)
    series = timed("data: bar_series (stored series)", desk.bar_series) or []
    if series:
        newest = 60 * 86_400 // 300  # the Data page's default 60 days, in M5 bars
        timed(
            "data: newest 60 days of bars",
            lambda: desk.bars(series[0].symbol, series[0].timeframe, last=newest),
        )
    out["active version's live trades"] = len(results) if results is not None else None
    out["bars in the active version's series"] = series[0].bars if series else None
    return out


def _pages(home: str | Path, repeats: int, pages: Sequence[str] | None) -> dict[str, Any]:
    from bench.pages import PAGES, time_pages

    saved = os.environ.get("AURUM_HOME")
    os.environ["AURUM_HOME"] = str(home)
    try:
        return time_pages(repeats, PAGES if pages is None else pages, backtest_view=False)
    finally:
        if saved is None:
            os.environ.pop("AURUM_HOME", None)
        else:
            os.environ["AURUM_HOME"] = saved


def _trade_logging(desk: Any, single: int, batched: int) -> dict[str, float]:
    """ms per trade, one transaction each and in batches of 1,000, on the first lineage's
    active version; the trades (and the batches' audit rows) are deleted afterwards."""
    from sqlalchemy import delete, select

    from engine.db.schema import Alias, AuditEvent, Trade

    with desk.db.session() as s:
        version = s.scalar(select(Alias.version_id).order_by(Alias.lineage_id).limit(1))
    rows = trade_rows(single + batched, version)
    try:
        began = time.perf_counter()
        for row in rows[:single]:
            desk.log_trade(row)
        one = (time.perf_counter() - began) / max(1, single) * 1000
        began = time.perf_counter()
        for k in range(single, single + batched, 1000):
            desk.log_trades(rows[k : k + 1000])
        many = (time.perf_counter() - began) / max(1, batched) * 1000
    finally:
        with desk.db.session(write=True) as s:
            s.execute(delete(Trade).where(Trade.ticket.like(f"{LOGGED_PREFIX}%")))
            s.execute(delete(AuditEvent).where(AuditEvent.action == "trades.log_batch"))
    return {"log_trade_ms": one, "log_trades_batched_ms": many}


def desk_for(
    size: DeskSize, homes: Path, *, seed: int, say: Callable[[str], None]
) -> tuple[Path, dict[str, Any]]:
    """The desk of `size` under `homes`: reused when it holds exactly that (SQLite), else
    generated (PostgreSQL: the one database is emptied and refilled for each size)."""
    from engine.services import Desk

    home = homes / f"desk-{size.symbols}s-{size.versions}v-{size.trades}t-{size.bars}b"
    if (home / "models" / "aurum.db").exists() and not os.environ.get("AURUM_DATABASE_URL"):
        with Desk.open(str(home)) as desk:
            held = counts(desk)
        if _matches(held, size):
            say(f"reusing {home}")
            return home, {"reused": True, "counts": held}
    say(f"generating {size} in {home}")
    done = generate(home, size, seed=seed, reset=True, progress=say)
    say(f"generated in {done.total_seconds:.1f} s")
    return home, {"reused": False, "counts": done.counts, "seconds": done.seconds,
                  "total_seconds": done.total_seconds}  # fmt: skip


def _matches(held: dict[str, int], size: DeskSize) -> bool:
    return (held.get("versions"), held.get("trades"), held.get("bars"), held.get("lineages")) == (
        size.versions,
        size.trades,
        size.bars,
        size.symbols,
    )


def run(
    sizes: Sequence[tuple[int, int, int]],
    *,
    symbols: int = 1,
    repeats: int = 3,
    homes: Path | None = None,
    pages: Sequence[str] | None = None,
    single: int = 500,
    batched: int = 10_000,
    seed: int = 0,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Generate (or reuse) and measure each size in turn; returns every figure."""
    folder = homes or Path(tempfile.mkdtemp(prefix="aurum-bench-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "symbols": symbols,
        "repeats": repeats,
        "database": "postgresql" if os.environ.get("AURUM_DATABASE_URL") else "sqlite",
        "load_average_before": os.getloadavg(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "sizes": [],
    }
    for versions, trades, bars in sizes:
        size = DeskSize(symbols, versions, trades, bars)
        home, made = desk_for(size, folder, seed=seed, say=say)
        say(f"measuring {versions:,} versions, {trades:,} trades, {bars:,} bars ...")
        figures = measure(home, repeats=repeats, pages=pages, single=single, batched=batched)
        entry = {"versions": versions, "trades": trades, "bars": bars, **made, **figures}
        entry["load_average"] = os.getloadavg()
        report["sizes"].append(entry)
        say(_row(entry))
    report["load_average_after"] = os.getloadavg()
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    return report


# --- output ------------------------------------------------------------------------------------
def series(report: dict[str, Any]) -> dict[str, dict[str, list[float]]]:
    """Per chart, per line, the figures in size order (seconds, or ms per trade)."""
    sizes = report["sizes"]
    out: dict[str, dict[str, list[float]]] = {
        "leaderboard": {
            "leaderboard (listing memory warm)": [s["leaderboard"] for s in sizes],
            "leaderboard, first call (fresh process)": [s["leaderboard_first_call"] for s in sizes],
        },
        "evaluate": {"evaluate cycle": [s["evaluate_cycle"] for s in sizes]},
        "trade_logging": {
            "log_trade, one transaction each": [s["log_trade_ms"] for s in sizes],
            "log_trades, batches of 1,000": [s["log_trades_batched_ms"] for s in sizes],
        },
    }
    out["pages"] = {
        f"{page} ({kind})": [s["pages"][page][kind] for s in sizes]
        for page in sizes[0]["pages"]
        for kind in ("cold", "warm")
    }
    return out


def table(report: dict[str, Any]) -> str:
    """The figures as a markdown table, one column per size."""
    sizes = report["sizes"]
    head = ["what"] + [f"{s['versions']:,} v / {s['trades']:,} t / {s['bars']:,} b" for s in sizes]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    units = {"leaderboard": "ms", "evaluate": "s", "pages": "s", "trade_logging": "ms/trade"}
    scale = {"leaderboard": 1000.0, "evaluate": 1.0, "pages": 1.0, "trade_logging": 1.0}
    for chart, lines_of in series(report).items():
        for name, values in lines_of.items():
            cells = [_fmt(v * scale[chart]) for v in values]
            lines.append(f"| {name} ({units[chart]}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parts_table(report: dict[str, Any]) -> str:
    """One run of each part of the evaluate cycle and of the pages (ms), and their sizes."""
    sizes = report["sizes"]
    head = ["part"] + [f"{s['versions']:,} v / {s['trades']:,} t / {s['bars']:,} b" for s in sizes]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in sizes[0]["parts"]:
        values = [s["parts"].get(name) for s in sizes]
        timed = any(isinstance(v, float) for v in values)
        cells = ["—" if v is None else _fmt(v * 1000) if timed else f"{v:,}" for v in values]
        lines.append(f"| {name}{' (ms)' if timed else ''} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _row(entry: dict[str, Any]) -> str:
    pages = ", ".join(f"{p} {t['cold']:.2f}/{t['warm']:.2f}" for p, t in entry["pages"].items())
    return (
        f"  leaderboard {entry['leaderboard'] * 1000:.1f} ms (first call "
        f"{entry['leaderboard_first_call'] * 1000:.1f} ms, {entry['leaderboard_rows']:,} rows); "
        f"evaluate {entry['evaluate_cycle']:.2f} s; log_trade {entry['log_trade_ms']:.2f} ms, "
        f"batched {entry['log_trades_batched_ms']:.3f} ms/trade\n  pages cold/warm s: {pages}"
    )


TITLES = {
    "leaderboard": ("Leaderboard query", "seconds"),
    "evaluate": ("One evaluate cycle (scheduler job)", "seconds"),
    "pages": ("Dashboard page script run (AppTest)", "seconds"),
    "trade_logging": ("Trade logging", "ms per trade"),
}


def charts(report: dict[str, Any], folder: Path) -> list[Path]:
    """One PNG per measurement: cost against desk size, log-log, with a linear reference."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if not os.environ.get("BROWSER_PATH") and Path("/usr/bin/chromium").exists():
        os.environ["BROWSER_PATH"] = "/usr/bin/chromium"
    folder.mkdir(parents=True, exist_ok=True)
    sizes = report["sizes"]
    x = [s["versions"] for s in sizes]
    ticks = [f"{s['versions']:,} v<br>{s['trades']:,} t<br>{s['bars']:,} b" for s in sizes]
    written = []
    for chart, lines_of in series(report).items():
        title, unit = TITLES[chart]
        if chart == "pages":
            names = list(sizes[0]["pages"])
            cols = 3
            fig = make_subplots(rows=math.ceil(len(names) / cols), cols=cols, subplot_titles=names)
            for k, page in enumerate(names):
                where = {"row": k // cols + 1, "col": k % cols + 1}
                for kind, colour in (("cold", "#1f77b4"), ("warm", "#2ca02c")):
                    fig.add_trace(_line(x, lines_of[f"{page} ({kind})"], kind, colour, k == 0),
                                  **where)  # fmt: skip
                fig.add_trace(_linear(x, lines_of[f"{page} (cold)"], k == 0), **where)
            fig.update_layout(height=330 * math.ceil(len(names) / cols), width=1200)
        else:
            fig = go.Figure()
            colours = ["#1f77b4", "#ff7f0e", "#2ca02c"]
            for (name, values), colour in zip(lines_of.items(), colours, strict=False):
                fig.add_trace(_line(x, values, name, colour, True))
            first = max(lines_of.values(), key=lambda v: v[0])
            fig.add_trace(_linear(x, first, True))
            fig.update_layout(height=480, width=820, yaxis_title=unit)
        fig.update_xaxes(type="log", tickvals=x, ticktext=ticks)
        fig.update_yaxes(type="log")
        fig.update_layout(
            title=f"{title} against desk size ({report['database']}, {report['symbols']} "
            "symbol(s); log-log)",
            template="plotly_white",
            legend={"orientation": "h", "y": -0.25},
        )
        path = folder / f"scale_{chart}.png"
        fig.write_image(str(path), scale=1)
        written.append(path)
    return written


def _line(x: list[int], y: list[float], name: str, colour: str, legend: bool) -> Any:
    import plotly.graph_objects as go

    return go.Scatter(x=x, y=y, name=name, mode="lines+markers", legendgroup=name,
                      showlegend=legend, line={"color": colour})  # fmt: skip


def _linear(x: list[int], y: list[float], legend: bool) -> Any:
    """Linear growth from the first point: ×10 cost per ×10 size."""
    import plotly.graph_objects as go

    ref = [y[0] * v / x[0] for v in x]
    return go.Scatter(x=x, y=ref, name="linear growth from the smallest size", mode="lines",
                      legendgroup="linear", showlegend=legend,
                      line={"color": "#999999", "dash": "dash"})  # fmt: skip


def parse_sizes(text: str) -> list[tuple[int, int, int]]:
    """`V:T:B,V:T:B` (versions, trades, bars per size)."""
    out = []
    for part in text.split(","):
        v, t, b = (int(x.replace("_", "")) for x in part.split(":"))
        out.append((v, t, b))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    parser.add_argument("--sizes", help="V:T:B,... versions, trades, bars per size")
    parser.add_argument("--symbols", type=int, default=1)
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--homes", help="keep the generated desks here (and reuse them)")
    parser.add_argument("--no-charts", action="store_true")
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.sizes) if args.sizes else (QUICK if args.quick else REAL)
    repeats = args.repeats or (1 if args.quick else 3)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores, shared with other work)")  # fmt: skip
    report = run(
        sizes,
        symbols=args.symbols,
        repeats=repeats,
        homes=Path(args.homes) if args.homes else None,
        single=200 if args.quick else 500,
        batched=2_000 if args.quick else 10_000,
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\nmedian of {repeats} (pages: cold / warm)\n" + table(report))
    print("\none run of each part\n" + parts_table(report))
    name = "scale-quick" if args.quick else "scale"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nresults: {RESULTS / f'{name}.json'}")
    if not args.no_charts:
        folder = RESULTS / "charts-quick" if args.quick else CHARTS
        for path in charts(report, folder):
            print(f"chart: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
