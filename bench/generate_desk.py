"""Generate a large Aurum desk: symbols, versions, live trades and bars at a chosen scale.

    .venv/bin/python bench/generate_desk.py --symbols 10 --versions 10000 --trades 1000000 \
        --bars 10000000 --home DIR [--seed 0] [--reset]

A real home (`engine.services.init_home`; `AURUM_DATABASE_URL` picks PostgreSQL instead of the
home's SQLite file) whose data the engine reads like its own:

- one lineage per (symbol, timeframe): XAUUSD-M5-scalper, XAGUSD-M5-scalper, ...; `--versions`
  and `--bars` are totals, split as evenly as possible over the lineages and series;
- every version carries metrics (a backtest snapshot: history and current), learner-shaped
  details (feature spec, labels, costs, folds, candidates) and points at a real skops file: one
  logistic-regression pipeline per lineage, fitted on generated bars with the learner's own
  dataset and pipeline, shared by the lineage's versions (content-addressed, so written once) —
  activating, loading and serving signals work;
- one learning session per version; the newest tenth of each lineage's versions were activated
  in turn (activation events, audit rows), the newest is active;
- `--trades` live trades, each made by the version active at its time: spread evenly over the
  activated versions, so a version holds about trades / (versions / 10) of them at any scale;
  every version with trades has a live-metrics snapshot computed from them (engine.metrics);
- bars from the project's generator (engine.data.synthetic: generated, not market data), ending
  about now.

The config gets `scheduler.enabled` and `adaptive_learning_enabled` off, so opening the
dashboard starts no services and an evaluate cycle queues no session (it still checks every
trigger). Big tables go in with the driver's executemany in batches (bench/seeding.py).
The database must have no versions, trades or bars yet; `--reset` empties those tables first.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.seeding import bulk_insert, fast_insert, folds, metrics, result  # noqa: E402

SYMBOLS = ("XAUUSD", "XAGUSD", "EURUSD", "GBPUSD", "USDJPY", "AUDUSD", "USDCHF", "USDCAD",
           "NZDUSD", "XPTUSD", "XPDUSD", "EURJPY")  # fmt: skip
ALGORITHM = "logistic_regression"
LIVE_SPAN = timedelta(days=365)  # live history (at most), ending an hour before the newest bar
ACTIVATED_SHARE = 10  # one version in ten was activated at some point
SEEDED_TABLES = ("trigger_checks", "promotion_decisions", "trades", "current_metrics",
                 "version_metrics", "activation_events", "aliases", "model_versions",
                 "learning_sessions", "lineages", "audit_events", "bars")  # fmt: skip


@dataclass(frozen=True)
class DeskSize:
    """What to generate: totals over the whole desk."""

    symbols: int = 10
    versions: int = 10_000
    trades: int = 1_000_000
    bars: int = 10_000_000
    timeframe: str = "M5"

    def __post_init__(self) -> None:
        if not 1 <= self.symbols <= 999:
            raise ValueError("symbols: 1 to 999")
        if self.versions < self.symbols:
            raise ValueError("versions: at least one per symbol")
        if self.trades < 0 or self.bars < 0:
            raise ValueError("trades and bars: zero or more")


@dataclass
class Generated:
    """What was written, and the seconds each stage took."""

    home: str
    database: str
    size: DeskSize
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return round(sum(self.seconds.values()), 2)


def symbol_names(n: int) -> list[str]:
    return [SYMBOLS[k] if k < len(SYMBOLS) else f"SYM{k:03d}" for k in range(n)]


def split(total: int, parts: int) -> list[int]:
    """`total` in `parts` as equal as possible (the first ones get the remainder)."""
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


@functools.cache
def template(timeframe: str, seed: int) -> tuple[bytes, list[str], dict[str, Any]]:
    """A real model (skops bytes), its feature names and the details a version of it needs:
    the learner's dataset and pipeline on generated bars (once per process)."""
    from engine.config.schema import Phase3Config
    from engine.data.synthetic import generate_bars
    from engine.learner.candidates import hyperparameters, make_pipeline
    from engine.learner.dataset import build_dataset
    from engine.registry.artifacts import serialize

    cfg = Phase3Config.model_validate({"learning": {"min_train_bars": 1000}})
    learn = cfg.learning
    bars = generate_bars(n_bars=2500, timeframe=timeframe, seed=seed, momentum=0.25)
    data = build_dataset(bars, cfg, timeframe=timeframe)
    params = hyperparameters(ALGORITHM, None, learn.random_seed)
    model = make_pipeline(
        ALGORITHM, params, max_features=learn.max_features, seed=learn.random_seed
    ).fit(data.X, data.y)
    support = model.named_steps["select"].support_
    selected = [n for n, keep in zip(data.feature_names, support, strict=True) if keep]
    rng = np.random.default_rng(seed)
    details = {
        **result(rng),
        "winner": ALGORITHM,
        "selected_features": selected,
        "importances": {n: float(rng.normal(0, 0.001)) for n in selected},
        "feature_spec": cfg.features.model_dump(mode="json"),
        "labels": {"take_profit": learn.take_profit, "stop_loss": learn.stop_loss,
                   "unit": learn.barrier_unit, "horizon": learn.max_holding_bars},
        "min_confidence": learn.min_confidence,
        "costs": cfg.costs.model_dump(mode="json"),
        "folds": folds(rng),
        "classification": {"roc_auc": 0.52, "log_loss": 1.1},
        "timeframe": timeframe,
    }  # fmt: skip
    return serialize(model), list(data.feature_names), {**details, "params": params}


def generate(
    home: str | Path,
    size: DeskSize,
    *,
    seed: int = 0,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Generated:
    """Create (or, with `reset`, refill) the desk in `home`; see the module docstring."""
    from engine.config.schema import Phase3Config
    from engine.services import Desk, init_home

    say = progress or (lambda _m: None)
    began = time.perf_counter()
    init_home(str(home))
    desk = Desk.open(str(home))
    out = Generated(str(Path(home).resolve()), desk.db.dialect, size)
    try:
        _prepare(desk, reset)
        data = desk.config().model_dump()
        data["scheduler"]["enabled"] = False
        data["adaptive_learning_enabled"] = False
        desk.config_store.save(Phase3Config.model_validate(data), actor="bench")
        out.seconds["home"] = round(time.perf_counter() - began, 2)
        _Seeder(desk, size, seed, out, say).run()
        out.counts = counts(desk)
    finally:
        desk.close()
    return out


def _prepare(desk: Any, reset: bool) -> None:
    """Refuse a desk that already holds data, or (`reset`) empty the seeded tables."""
    from sqlalchemy import func, select, text

    from engine.db.schema import Base

    tables = Base.metadata.tables
    with desk.db.transaction(write=True) as conn:
        held = {
            name: int(conn.execute(select(func.count()).select_from(tables[name])).scalar() or 0)
            for name in ("model_versions", "trades", "bars")
        }
        if not any(held.values()):
            return
        if not reset:
            raise SystemExit(
                f"{desk.paths.root} already holds data ({held}); pass --reset to empty it first"
            )
        if conn.dialect.name == "postgresql":
            names = ", ".join(SEEDED_TABLES)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for name in SEEDED_TABLES:
                conn.execute(tables[name].delete())
    desk.registry.listings.clear()


class _Seeder:
    """Writes the tables in dependency order, timing each."""

    def __init__(self, desk: Any, size: DeskSize, seed: int, out: Generated, say: Any) -> None:
        self.desk, self.size, self.seed, self.out, self.say = desk, size, seed, out, say
        self.rng = np.random.default_rng(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.symbols = symbol_names(size.symbols)
        self.lineages = [f"{s}-{size.timeframe}-scalper" for s in self.symbols]
        self.per_lineage = split(size.versions, size.symbols)
        self.bars_per_series = split(size.bars, size.symbols)

    def timed(self, name: str, fn: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        value = fn()
        self.out.seconds[name] = round(time.perf_counter() - began, 2)
        self.say(f"  {name}: {self.out.seconds[name]:.1f} s")
        return value

    def run(self) -> None:
        model, features, details = self.timed("model", lambda: template(self.size.timeframe, 0))
        self.ends = self.timed("bars", self.bars)
        files = self.timed("model files", lambda: self.files(model))
        plan = self.timed("versions", lambda: self.versions(files, features, details))
        self.timed("trades", lambda: self.trades(plan))
        self.timed("live metrics", lambda: self.live_metrics(plan))
        self._sync_sequences()

    # --- bars ------------------------------------------------------------------------------
    def bars(self) -> list[tuple[datetime, datetime]]:
        """Each series' bars, generated and written; returns each series' first and last time."""
        from engine.data.synthetic import generate_bars
        from engine.db.schema import Bar
        from engine.demo import demo_start

        ends = []
        tf = self.size.timeframe
        for k, (symbol, n) in enumerate(zip(self.symbols, self.bars_per_series, strict=True)):
            if n == 0:
                ends.append((self.now - 2 * LIVE_SPAN, self.now))
                continue
            frame = generate_bars(
                start=demo_start(n).strftime("%Y-%m-%d"),
                n_bars=n,
                timeframe=tf,
                seed=self.seed * 1000 + k,
            )
            times = frame["time"].dt.tz_convert(None).to_numpy().astype("datetime64[us]")
            with self.desk.db.transaction(write=True) as conn:
                fast_insert(
                    conn,
                    Bar.__table__,  # type: ignore[arg-type]
                    {
                        "symbol": [symbol] * n,
                        "timeframe": [tf] * n,
                        "ts": times,
                        "open": frame["open"].to_numpy(float),
                        "high": frame["high"].to_numpy(float),
                        "low": frame["low"].to_numpy(float),
                        "close": frame["close"].to_numpy(float),
                        "tick_volume": frame["tick_volume"].to_numpy("int64"),
                        "spread_points": frame["spread_points"].to_numpy("int64"),
                    },
                )
            ends.append(
                (frame["time"].iloc[0].to_pydatetime(), frame["time"].iloc[-1].to_pydatetime())
            )
            self.say(f"    {symbol} {tf}: {n:,} bars")
        return ends

    # --- model files, lineages, sessions, versions, metrics, activations ----------------------
    def files(self, model: bytes) -> list[Any]:
        from engine.registry.artifacts import write_artifact

        return [
            write_artifact(self.desk.paths.artifacts_dir, name, model) for name in self.lineages
        ]

    def versions(
        self, files: list[Any], features: list[str], details: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Lineages, sessions, versions with their metrics, activations, the active pointers;
        returns per lineage the activated versions with their activation times."""
        from engine.db import schema as t

        size, now = self.size, self.now
        details = dict(details)
        params = details.pop("params")
        details_json = json.dumps(details)
        results = [json.dumps(result(self.rng)) for _ in range(8)]  # sessions reuse a few
        lineages, sessions, versions, events, aliases, audit = [], [], [], [], [], []
        plan: list[dict[str, Any]] = []
        vid = 0
        for k, (name, n, stored) in enumerate(
            zip(self.lineages, self.per_lineage, files, strict=True)
        ):
            symbol = self.symbols[k]
            lineages.append({"id": k + 1, "name": name, "symbol": symbol,
                             "timeframe": size.timeframe, "purpose": "scalper",
                             "created_at": now - timedelta(days=3 * 365)})  # fmt: skip
            first, last = self.ends[k]
            end = last - timedelta(hours=1)
            span = min(LIVE_SPAN, (end - first) / 2)  # live history: at most half the bars
            start = end - span
            lag, window = min(timedelta(days=30), span / 10), min(timedelta(days=180), span / 4)
            n_active = max(1, n // ACTIVATED_SHARE)
            step = span / n_active
            activated = []
            for number in range(1, n + 1):
                vid += 1
                turn = number - (n - n_active)  # 1..n_active for the activated ones
                created = (
                    start + step * (turn - 1) - timedelta(minutes=1)
                    if turn >= 1
                    else start - timedelta(hours=n - n_active - number + 1)
                )
                train_end = created - lag
                sessions.append(
                    {"id": vid, "trigger": "schedule", "requested_by": "services",
                     "status": "succeeded", "stage": "", "percent": 100.0,
                     "message": f"registered {name}:v{number}", "symbol": symbol,
                     "timeframe": size.timeframe, "window_start": train_end - window,
                     "window_end": train_end, "result_json": results[vid % len(results)],
                     "version_id": vid, "created_at": created - timedelta(minutes=5),
                     "started_at": created - timedelta(minutes=5), "finished_at": created}
                )  # fmt: skip
                versions.append(
                    {"id": vid, "lineage_id": k + 1, "version": number, "algorithm": ALGORITHM,
                     "params_json": json.dumps(params, default=str, sort_keys=True),
                     "features_json": json.dumps(features),
                     "train_start": train_end - window, "train_end": train_end,
                     "data_hash": f"{vid:064x}", "library_versions_json": "{}",
                     "artifact_path": stored.relative_path, "artifact_format": "skops",
                     "artifact_size": stored.size, "artifact_sha256": stored.sha256,
                     "status": "archived" if turn >= 1 else "candidate", "pinned": False,
                     "notes": f"learning session #{vid}", "details_json": details_json,
                     "session_id": vid, "created_at": created}
                )  # fmt: skip
                done = {"status": "succeeded", "version": f"{name}:v{number}"}
                audit.append({"actor": "services", "action": "learning.session",
                              "target": f"#{vid}", "created_at": created,
                              "detail_json": json.dumps(done)})  # fmt: skip
                if turn >= 1:
                    since = start + step * (turn - 1)
                    events.append(
                        {"lineage_id": k + 1, "kind": "activate",
                         "from_version_id": activated[-1]["id"] if activated else None,
                         "to_version_id": vid, "actor": "services",
                         "reason": "promoted by a learning session", "created_at": since}
                    )  # fmt: skip
                    audit.append({"actor": "services", "action": "model.activate",
                                  "target": f"{name}:v{number}", "created_at": since,
                                  "detail_json": json.dumps({"why": "promoted"})})  # fmt: skip
                    activated.append({"id": vid, "since": since, "until": None})
            for a, b in itertools.pairwise(activated):
                a["until"] = b["since"]
            activated[-1]["until"] = end
            newest = activated[-1]
            aliases.append({"lineage_id": k + 1, "alias": "active", "version_id": newest["id"],
                            "updated_at": newest["since"]})  # fmt: skip
            plan.append({"symbol": symbol, "activated": activated})
        backtest = [metrics(self.rng) for _ in range(len(versions))]
        current = [
            {"version_id": v["id"], "source": "backtest", "metrics_json": json.dumps(m),
             "trades": int(m["trades"]), "updated_at": v["created_at"]}
            for v, m in zip(versions, backtest, strict=True)
        ]  # fmt: skip
        with self.desk.db.transaction(write=True) as conn:
            bulk_insert(conn, t.Lineage.__table__, lineages)  # type: ignore[arg-type]
            bulk_insert(conn, t.LearningSession.__table__, sessions)  # type: ignore[arg-type]
            bulk_insert(conn, t.ModelVersion.__table__, versions)  # type: ignore[arg-type]
            bulk_insert(conn, t.ActivationEvent.__table__, events)  # type: ignore[arg-type]
            bulk_insert(conn, t.Alias.__table__, aliases)  # type: ignore[arg-type]
            bulk_insert(conn, t.AuditEvent.__table__, audit)  # type: ignore[arg-type]
            bulk_insert(conn, t.CurrentMetrics.__table__, current)  # type: ignore[arg-type]
            self._history(conn, versions, backtest, "backtest")
        return plan

    def _history(
        self, conn: Any, versions: list[dict[str, Any]], values: list[dict[str, float]], source: str
    ) -> None:
        """One metrics-history snapshot per version (a row per metric)."""
        from engine.db.schema import VersionMetric

        names = list(values[0]) if values else []
        n = len(names)
        fast_insert(
            conn,
            VersionMetric.__table__,  # type: ignore[arg-type]
            {
                "version_id": np.repeat([v["id"] for v in versions], n),
                "source": [source] * (n * len(versions)),
                "name": names * len(versions),
                "value": [m.get(k) for m in values for k in names],
                "trades": np.repeat([int(m.get("trades") or 0) for m in values], n),
                "recorded_at": np.repeat(
                    np.array([_naive(v["created_at"]) for v in versions], "datetime64[us]"), n
                ),
            },
        )

    # --- live trades ---------------------------------------------------------------------------
    def trades(self, plan: list[dict[str, Any]]) -> None:
        """Each activated version trades evenly through the time it was active."""
        from engine.db.schema import Trade

        owners = [(k, a) for k, lineage in enumerate(plan) for a in lineage["activated"]]
        counts = split(self.size.trades, len(owners))
        version = np.repeat([a["id"] for _, a in owners], counts)
        symbol_of = np.repeat([k for k, _ in owners], counts)
        opened = np.concatenate(
            [
                np.linspace(_us(a["since"]), _us(a["until"]) - 600e6, n, endpoint=False)
                for (_, a), n in zip(owners, counts, strict=True)
            ]
            or [np.zeros(0)]
        ).astype("int64")
        opened = opened.astype("datetime64[us]")
        closed = opened + np.timedelta64(10, "m")
        n = len(version)
        rng = self.rng
        self.profits = rng.normal(0.5, 20.0, n).round(2)
        self.version_of_trade, self.closed = version, closed
        names = np.array(self.symbols, dtype=object)
        with self.desk.db.transaction(write=True) as conn:
            fast_insert(
                conn,
                Trade.__table__,  # type: ignore[arg-type]
                {
                    "ticket": [f"G{k}" for k in range(n)],
                    "symbol": names[symbol_of].tolist(),
                    "side": np.where(np.arange(n) % 2 == 1, "buy", "sell").tolist(),
                    "open_time": opened,
                    "close_time": closed,
                    "open_price": np.full(n, 2650.0),
                    "close_price": np.full(n, 2651.0),
                    "volume": np.full(n, 0.1),
                    "profit": self.profits,
                    "commission": np.full(n, -0.7),
                    "swap": np.zeros(n),
                    "version_id": version,
                    "confidence": rng.uniform(0.45, 0.9, n).round(4),
                    "source": ["live"] * n,
                    "logged_at": closed,
                },
            )

    def live_metrics(self, plan: list[dict[str, Any]]) -> None:
        """A live snapshot for every version with trades, computed from its trades."""
        import pandas as pd

        from engine.db.schema import CurrentMetrics
        from engine.metrics.summary import summarize

        initial = self.desk.config().account.initial_balance
        trials = self.size.versions
        version, profits = self.version_of_trade, self.profits - 0.7
        if not len(version):
            return
        cuts = np.flatnonzero(np.diff(version)) + 1
        rows, snapshots, owners = [], [], []
        logged = {a["id"]: a["until"] for lineage in plan for a in lineage["activated"]}
        for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(version)], strict=True):
            vid = int(version[lo])
            times = pd.DatetimeIndex(self.closed[lo:hi]).tz_localize("UTC")
            values = summarize(profits[lo:hi], times, initial_equity=initial, n_trials=trials)
            m = {
                k: (None if v is None or v != v else float(v)) for k, v in values.as_dict().items()
            }
            rows.append({"version_id": vid, "source": "live", "metrics_json": json.dumps(m),
                         "trades": int(hi - lo), "updated_at": self.now})  # fmt: skip
            snapshots.append(m)
            owners.append({"id": vid, "created_at": min(logged[vid], self.now)})
        with self.desk.db.transaction(write=True) as conn:
            bulk_insert(conn, CurrentMetrics.__table__, rows)  # type: ignore[arg-type]
            self._history(conn, owners, snapshots, "live")

    def _sync_sequences(self) -> None:
        """PostgreSQL: move the id sequences past the ids given explicitly."""
        if self.desk.db.dialect != "postgresql":
            return
        from sqlalchemy import text

        with self.desk.db.transaction(write=True) as conn:
            for name in ("lineages", "learning_sessions", "model_versions"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                    )
                )


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _us(moment: datetime) -> float:
    return float(np.datetime64(_naive(moment), "us").astype("int64"))


def counts(desk: Any) -> dict[str, int]:
    """Rows of what the generator writes, and bars per series (`bars:SYMBOL:TF`)."""
    from sqlalchemy import func, select

    from engine.db import schema as t

    with desk.db.session() as s:
        out = {
            "lineages": int(s.scalar(select(func.count(t.Lineage.id))) or 0),
            "versions": int(s.scalar(select(func.count(t.ModelVersion.id))) or 0),
            "sessions": int(s.scalar(select(func.count(t.LearningSession.id))) or 0),
            "activations": int(s.scalar(select(func.count(t.ActivationEvent.id))) or 0),
            "active": int(s.scalar(select(func.count()).select_from(t.Alias)) or 0),
            "trades": int(s.scalar(select(func.count(t.Trade.id))) or 0),
        }
        series = s.execute(
            select(t.Bar.symbol, t.Bar.timeframe, func.count()).group_by(
                t.Bar.symbol, t.Bar.timeframe
            )
        ).all()
    out["bars"] = sum(int(n) for _, _, n in series)
    out.update({f"bars:{sym}:{tf}": int(n) for sym, tf, n in series})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=10)
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--trades", type=int, default=1_000_000)
    parser.add_argument("--bars", type=int, default=10_000_000)
    parser.add_argument("--timeframe", default="M5")
    parser.add_argument("--home", required=True, help="the Aurum home to create")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reset", action="store_true", help="empty a desk that holds data")
    parser.add_argument("--json", help="also write what was generated to this file")
    args = parser.parse_args(argv)
    size = DeskSize(args.symbols, args.versions, args.trades, args.bars, args.timeframe)
    where = "AURUM_DATABASE_URL" if os.environ.get("AURUM_DATABASE_URL") else "SQLite"
    print(f"generating {size} in {args.home} ({where}); load average {os.getloadavg()[0]:.2f}")
    done = generate(args.home, size, seed=args.seed, reset=args.reset, progress=print)
    print(f"generated in {done.total_seconds:.1f} s: " + json.dumps(done.counts))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(done) | {"total": done.total_seconds}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
