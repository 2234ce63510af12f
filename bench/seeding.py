"""Seeding helpers shared by the benchmarks that build large desks (pages, services, scale).

Generated values only: metrics, folds and session results shaped like the learner's, trade rows
as the trading side sends them, and bulk inserts that bypass the per-row work of the ORM.
`bulk_insert` is SQLAlchemy Core executemany; `fast_insert` hands columns to the driver's
executemany in large batches, with times converted exactly as the engine's column type would
(checked on the first and last value of every batch), so SQLite and PostgreSQL both work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, insert

FEATURES = [f"feature_{i}" for i in range(37)]
METRIC_NAMES = ("trades", "net_profit", "win_rate", "win_rate_low", "win_rate_high",
                "profit_factor", "expectancy", "average_win", "average_loss", "max_drawdown",
                "max_drawdown_pct", "sharpe", "sortino", "calmar", "psr", "dsr")  # fmt: skip
BATCH = 100_000  # rows per executemany: large enough for speed, small enough for memory


def metrics(rng: np.random.Generator) -> dict[str, float]:
    """Plausible values for every catalogue metric (generated, not computed)."""
    win = float(rng.uniform(0.35, 0.6))
    return {
        "trades": float(rng.integers(50, 500)),
        "net_profit": float(rng.normal(0, 800)),
        "win_rate": win,
        "win_rate_low": win - 0.05,
        "win_rate_high": win + 0.05,
        "profit_factor": float(rng.uniform(0.6, 1.6)),
        "expectancy": float(rng.normal(0, 3)),
        "average_win": float(rng.uniform(20, 60)),
        "average_loss": float(-rng.uniform(15, 50)),
        "max_drawdown": float(rng.uniform(100, 3000)),
        "max_drawdown_pct": float(rng.uniform(1, 30)),
        "sharpe": float(rng.normal(0, 3)),
        "sortino": float(rng.normal(0, 4)),
        "calmar": float(rng.normal(0, 10)),
        "psr": float(rng.uniform(0, 1)),
        "dsr": float(rng.uniform(0, 1)),
    }


def folds(rng: np.random.Generator, n: int = 5) -> list[dict[str, Any]]:
    """Walk-forward fold records shaped like the learner's."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        {"fold": k + 1, "train_start": str(start),
         "train_end": str(start + timedelta(days=9 * k + 8)),
         "test_start": str(start + timedelta(days=9 * k + 9)),
         "test_end": str(start + timedelta(days=9 * k + 17)), "train_samples": 1700 * (k + 1),
         "test_samples": 1700, "trades": int(rng.integers(20, 200)),
         "net_profit": float(rng.normal(0, 500)), "win_rate": float(rng.uniform(0.3, 0.6)),
         "log_loss": 1.1, "roc_auc": 0.52, "accuracy": 0.36, "brier_long": 0.22, "fit_seconds": 0.8}
        for k in range(n)
    ]  # fmt: skip


def result(rng: np.random.Generator) -> dict[str, Any]:
    """A session result as big as a real one: three candidates, folds, importances, config."""
    from engine.config.schema import Phase3Config

    candidates = [
        {"algorithm": name, "params": {"n_estimators": 200}, "metrics": metrics(rng),
         "classification": {"roc_auc": 0.52, "log_loss": 1.1}, "folds": folds(rng),
         "seconds": 3.0, "reason": "lower out-of-sample score than the winner", "winner": i == 0}
        for i, name in enumerate(("random_forest", "logistic_regression", "hist_gradient_boosting"))
    ]  # fmt: skip
    return {
        "trigger": "schedule", "config": Phase3Config().model_dump(mode="json"), "n_trials": 900,
        "samples": 48000, "bars": 50000, "label_balance": {"-1": 16000, "0": 16000, "1": 16000},
        "candidates": candidates, "selected_features": FEATURES[:20],
        "importances": {f: float(rng.normal(0, 0.001)) for f in FEATURES},
        "promotion": {"decision": "rejected", "reasons": ["PSR 0.61 vs required 0.90: fail"],
                      "evidence": {"challenger": metrics(rng), "champion": metrics(rng)}},
        "stage_seconds": {"loading bars": 0.1}, "winner": "random_forest",
    }  # fmt: skip


def trade_rows(n: int, version_id: int | None, offset: int = 0) -> list[dict[str, object]]:
    """`n` closed trades as the trading side logs them (tickets B<offset>...)."""
    t0 = datetime(2025, 1, 6, tzinfo=UTC)
    return [
        {
            "ticket": f"B{offset + k}",
            "side": "buy" if k % 2 else "sell",
            "open_time": t0 + timedelta(minutes=5 * k),
            "close_time": t0 + timedelta(minutes=5 * k + 4),
            "volume": 0.1,
            "profit": (k % 7) - 3.0,
            "commission": -0.7,
            "version_id": version_id,
        }
        for k in range(n)
    ]


# --- bulk inserts ------------------------------------------------------------------------------
def bulk_insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """SQLAlchemy Core executemany in batches (every value goes through its column type)."""
    for k in range(0, len(rows), BATCH):
        connection.execute(insert(table), list(rows[k : k + BATCH]))


def fast_insert(
    connection: Connection, table: Table, columns: Mapping[str, Any], *, batch: int = BATCH
) -> int:
    """Insert columns (numpy arrays or lists of equal length) with the driver's executemany.

    Times are numpy datetime64 arrays holding naive UTC; they are turned into what the column's
    type would hand the driver (checked against it on each batch's first and last value).
    Drivers without positional parameters fall back to `bulk_insert`. Returns the rows written.
    """
    names = list(columns)
    n = len(next(iter(columns.values()))) if names else 0
    if any(len(values) != n for values in columns.values()):
        raise ValueError("fast_insert: columns of different lengths")
    dialect = connection.dialect
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in names)}) "
        f"VALUES ({', '.join([mark or '?'] * len(names))})"
    )
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        values = [_driver_values(connection, table, c, columns[c][start:stop]) for c in names]
        if mark is None:
            rows = zip(*_aware(values, columns, names), strict=True)
            bulk_insert(connection, table, [dict(zip(names, row, strict=True)) for row in rows])
        else:
            connection.exec_driver_sql(sql, list(zip(*values, strict=True)))
    return n


def _aware(values: list[Any], columns: Mapping[str, Any], names: list[str]) -> Iterable[Any]:
    """For the Core fallback: times back as timezone-aware datetimes."""
    for name, value in zip(names, values, strict=True):
        raw = columns[name]
        if isinstance(raw, np.ndarray) and raw.dtype.kind == "M":
            yield [None if t is None else t.replace(tzinfo=UTC) for t in _py_times(raw)]
        else:
            yield value


def _py_times(values: np.ndarray) -> list[Any]:
    return list(values.astype("datetime64[us]").astype(object))


def _driver_values(connection: Connection, table: Table, name: str, values: Any) -> list[Any]:
    if not isinstance(values, np.ndarray):
        return list(values)
    if values.dtype.kind != "M":
        return values.tolist()
    naive = _py_times(values)
    if connection.dialect.paramstyle not in ("qmark", "format", "pyformat"):
        return naive
    process = table.c[name].type.bind_processor(connection.dialect)
    if process is None or not len(naive):
        return naive
    first = process(naive[0].replace(tzinfo=UTC))
    if isinstance(first, str):  # SQLite stores text: format all at once, as the type would
        text = np.datetime_as_string(values.astype("datetime64[us]"), unit="us")
        out = np.strings.replace(text, "T", " ").tolist()
    elif isinstance(first, datetime) and first.tzinfo is None:
        out = naive
    else:
        return [process(t.replace(tzinfo=UTC)) for t in naive]
    for k in (0, len(out) - 1):
        if out[k] != process(naive[k].replace(tzinfo=UTC)):
            raise RuntimeError(f"fast_insert: {table.name}.{name} would store {out[k]!r}")
    return list(out)
