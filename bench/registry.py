"""Registry benchmark: Aurum's register/activate/load/leaderboard against the floor and MLflow.

Run `python bench/registry.py [--quick] [--versions 10,100,1000]`; results go to stdout and
bench/results/registry.json. MLflow is compared only when it is importable (extra `bench`).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import io
import json
import logging
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "registry.json"
LINEAGE = "XAUUSD-M5-bench"
MLFLOW_NAME = "xauusd-m5-bench"
ALIAS = "champion"
FOREST_TYPES = ["sklearn.tree._tree.Tree"]  # what skops reports untrusted in the forest
QUIET_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "PYTHONWARNINGS": "ignore",
}
AURUM_LOAD = (
    "import sys\n"
    "from engine.services import Desk\n"
    "desk = Desk.open(sys.argv[1])\n"
    "reg = desk.registry\n"
    "reg.load_model(reg.active_version(sys.argv[2]).id)\n"
    "desk.close()\n"
)
MLFLOW_LOAD = (
    "import sys\n"
    "import mlflow, mlflow.sklearn\n"
    "mlflow.set_tracking_uri(sys.argv[1])\n"
    "mlflow.sklearn.load_model(sys.argv[2])\n"
)


# --- plan and results ------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """How much to measure: in-process repeats, fresh-process repeats, version counts."""

    repeats: int
    fresh: int
    versions: list[int]
    mlflow_infer: bool


@dataclass
class Row:
    """One line of the result table (times are medians in milliseconds)."""

    operation: str
    aurum_ms: float | None
    floor_ms: float | None = None
    mlflow_ms: float | None = None
    target: str = ""
    passed: bool | None = None
    note: str = ""
    vs_floor: float | None = field(default=None, init=False)
    vs_mlflow: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.vs_floor = _ratio(self.aurum_ms, self.floor_ms)
        self.vs_mlflow = _ratio(self.aurum_ms, self.mlflow_ms)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def parse_args(argv: Sequence[str] | None = None) -> Plan:
    """The plan from the command line (`--quick` for a smoke run)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repeats (smoke run)")
    parser.add_argument("--versions", help="version counts, e.g. 10,100,1000")
    args = parser.parse_args(argv)
    default = "10,100" if args.quick else "10,100,1000"
    versions = sorted({int(v) for v in (args.versions or default).split(",") if v.strip()})
    if not versions or versions[0] < 2:
        parser.error("--versions needs counts >= 2")
    if args.quick:
        return Plan(repeats=3, fresh=2, versions=versions, mlflow_infer=False)
    return Plan(repeats=9, fresh=5, versions=versions, mlflow_infer=True)


# --- timing ----------------------------------------------------------------------------------
def _once_ms(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - start) / 1e6


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of `fn` after `warmup` uncounted calls."""
    for _ in range(warmup):
        fn()
    return statistics.median(_once_ms(fn) for _ in range(repeats))


def paired_ms(
    a: Callable[[], object], b: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Medians of `a` and `b`, interleaved so drift hits both alike (one warm-up each)."""
    a()
    b()
    times_a, times_b = [], []
    for _ in range(repeats):
        times_a.append(_once_ms(a))
        times_b.append(_once_ms(b))
    return statistics.median(times_a), statistics.median(times_b)


def process_ms(cmd: list[str], repeats: int, env: dict[str, str] | None = None) -> float:
    """Median wall time of a fresh process running `cmd` (it must succeed)."""
    full_env = {**os.environ, **QUIET_ENV, **(env or {})}

    def run() -> None:
        done = subprocess.run(cmd, env=full_env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-2000:]}")

    return median_ms(run, repeats, warmup=1)


# --- the fixed models ------------------------------------------------------------------------
def make_models() -> tuple[Any, Any]:
    """The 100-tree forest (5,000×20, seed 0) and a tiny logistic regression for filler versions."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    x, y = make_classification(n_samples=5000, n_features=20, random_state=0)
    forest = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=-1).fit(x, y)
    forest.set_params(n_jobs=None)
    tiny = LogisticRegression(max_iter=200).fit(x[:300], y[:300])
    return forest, tiny


def distinct(model: Any, i: int) -> Any:
    """Make the model's file unique (a different param), so no write is skipped as a duplicate."""
    key = "random_state" if "random_state" in model.get_params() else "C"
    model.set_params(**{key: i if key == "random_state" else 1.0 + i})
    return model


def fake_metrics(i: int) -> dict[str, float]:
    """Deterministic synthetic values for every metric in the catalogue."""
    from engine.metrics.catalog import METRICS

    return {name: ((i * 37 + k * 11) % 97) / 97 for k, name in enumerate(METRICS)}


# --- the floor -------------------------------------------------------------------------------
class Floor:
    """The least any safe registry must do: skops dump, durable atomic write, one transaction."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        self.folder = folder
        self.count = 0
        self.last: Path | None = None
        self.conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute("CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT, size INTEGER)")

    def register(self, model: Any) -> None:
        """skops dumps + temp write + fsync + rename + dir fsync + one WAL transaction."""
        import skops.io as sio

        self.count += 1
        data = sio.dumps(distinct(model, self.count))
        self.last = atomic_write(self.folder / f"{self.count}.skops", data)
        self.transaction(str(self.last), len(data))

    def transaction(self, path: str, size: int) -> None:
        """One write transaction in the floor's SQLite database."""
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("INSERT INTO files (path, size) VALUES (?, ?)", (path, size))
        self.conn.execute("COMMIT")

    def load(self, trusted: list[str]) -> Any:
        """skops load of the bytes read back from disk (types already known)."""
        import skops.io as sio

        assert self.last is not None
        return sio.loads(self.last.read_bytes(), trusted=trusted)


def atomic_write(target: Path, data: bytes) -> Path:
    """Temp file, write, fsync, rename, fsync of the folder."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return target


# --- Aurum -----------------------------------------------------------------------------------
class AurumSide:
    """A fresh Aurum home and the registry operations under test."""

    def __init__(self, home: Path) -> None:
        from engine.services import Desk, init_home

        init_home(str(home))
        self.home = home
        self.desk = Desk.open(str(home))
        self.registry = self.desk.registry
        self.count = 0
        self.ids: list[int] = []
        self.active: int | None = None

    def register(self, model: Any, algorithm: str) -> None:
        """One version through the real `register` path."""
        from engine.registry import NewVersion

        self.count += 1
        spec = NewVersion(
            lineage=LINEAGE,
            symbol="XAUUSD",
            timeframe="M5",
            algorithm=algorithm,
            metrics=fake_metrics(self.count),
            metrics_trades=200 + self.count,
        )
        self.ids.append(self.registry.register(distinct(model, self.count), spec).id)

    def fill(self, model: Any, total: int) -> None:
        """Register small models until the registry holds `total` versions."""
        while self.count < total:
            self.register(model, "logistic_regression")

    def load_active(self) -> Any:
        """Resolve the active version, verify its sha256 and types, load it (no cache exists)."""
        info = self.registry.active_version(LINEAGE)
        assert info is not None
        return self.registry.load_model(info.id)[0]

    def cold_leaderboard(self) -> None:
        """The leaderboard with nothing remembered from earlier listings (a fresh process)."""
        self.registry.listings.clear()
        self.desk.leaderboard()

    def toggle(self) -> None:
        """Move `active` between the first two versions (activating the active one is refused)."""
        self.active = self.ids[1] if self.active == self.ids[0] else self.ids[0]
        self.registry.activate(self.active, actor="bench", reason="benchmark")

    def active_artifact(self) -> tuple[bytes, str]:
        """The active model's bytes and sha256 (for the diagnostic rows)."""
        info = self.registry.active_version(LINEAGE)
        assert info is not None and info.artifact_path
        return (self.registry.artifacts_dir / info.artifact_path).read_bytes(), info.artifact_sha256


# --- MLflow ----------------------------------------------------------------------------------
def mlflow_version() -> str | None:
    """MLflow's version when it is importable, else None."""
    try:
        import mlflow  # noqa: F401
    except ImportError:
        return None
    return metadata.version("mlflow")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Swallow MLflow's chatter ("Created version ...") on stderr."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield


class MlflowSide:
    """MLflow with a SQLite backend and a local artifact root in a temp dir."""

    def __init__(self, root: Path) -> None:
        import mlflow
        from mlflow import MlflowClient

        os.environ.update(QUIET_ENV)
        logging.getLogger("mlflow").setLevel(logging.ERROR)
        self.uri = f"sqlite:///{root / 'mlflow.db'}"
        mlflow.set_tracking_uri(self.uri)
        with quiet():
            exp = mlflow.create_experiment("bench", artifact_location=(root / "art").as_uri())
        mlflow.set_experiment(experiment_id=exp)
        mlflow.start_run()
        self.client = MlflowClient()
        self.count = 0
        self.logged = 0
        self.active: str | None = None

    def register(self, model: Any, *, infer: bool = False) -> None:
        """log_model + registration of a new version (explicit pip requirements by default)."""
        import mlflow.sklearn

        self.count += 1
        self.logged += 1
        reqs = None if infer else ["scikit-learn"]
        with quiet():
            mlflow.sklearn.log_model(
                distinct(model, self.count),
                name="model",
                registered_model_name=MLFLOW_NAME,
                pip_requirements=reqs,
                skops_trusted_types=FOREST_TYPES,
            )

    def fill(self, total: int) -> None:
        """Add versions pointing at version 1's logged model until there are `total`."""
        first = self.client.get_model_version(MLFLOW_NAME, "1")
        source = str(first.source)
        with quiet():
            while self.count < total:
                self.client.create_model_version(MLFLOW_NAME, source, run_id=first.run_id)
                self.count += 1

    def toggle(self) -> None:
        """Move the alias between versions 1 and 2 (the same move Aurum's `activate` makes)."""
        self.active = "2" if self.active == "1" else "1"
        self.client.set_registered_model_alias(MLFLOW_NAME, ALIAS, self.active)

    def load(self) -> Any:
        import mlflow.sklearn

        return mlflow.sklearn.load_model(f"models:/{MLFLOW_NAME}@{ALIAS}")

    def search(self) -> int:
        return len(self.client.search_model_versions(f"name='{MLFLOW_NAME}'"))

    def close(self) -> None:
        import mlflow

        mlflow.end_run()


# --- the measurements ------------------------------------------------------------------------
@dataclass
class Run:
    """Everything one benchmark run holds: plan, sides, models and what was measured."""

    plan: Plan
    aurum: AurumSide
    floor: Floor
    ml: MlflowSide | None
    forest: Any
    tiny: Any
    rows: list[Row] = field(default_factory=list)
    components: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _check(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def bench_register(run: Run) -> None:
    """Register the forest: Aurum interleaved with the floor, then MLflow."""
    floor_ms, aurum_ms = paired_ms(
        lambda: run.floor.register(run.forest),
        lambda: run.aurum.register(run.forest, "random_forest"),
        run.plan.repeats,
    )
    ml, ml_ms = run.ml, None
    if ml:
        ml_ms = median_ms(lambda: ml.register(run.forest), run.plan.repeats)
    row = Row("register (100-tree forest)", aurum_ms, floor_ms, ml_ms, "≤ 1.3× floor")
    row.passed = _check(row.vs_floor, 1.3)
    run.rows.append(row)


def bench_load(run: Run) -> None:
    """Load the active model in-process from disk (Aurum has no cache), floor and MLflow."""
    import skops.io as sio

    run.aurum.toggle()
    data, _ = run.aurum.active_artifact()
    trusted = sio.get_untrusted_types(data=data)
    floor_ms, aurum_ms = paired_ms(
        lambda: run.floor.load(trusted), run.aurum.load_active, run.plan.repeats
    )
    ml_ms = None
    if run.ml:
        run.ml.toggle()
        ml_ms = median_ms(run.ml.load, run.plan.repeats)
    row = Row("load active, in-process (cold)", aurum_ms, floor_ms, ml_ms, "≤ 1.2× floor")
    row.passed = _check(row.vs_floor, 1.2)
    run.rows.append(row)


def bench_scaling(run: Run) -> None:
    """Leaderboard, list and MLflow search at each version count."""
    for n in run.plan.versions:
        run.aurum.fill(run.tiny, n)
        assert len(run.aurum.desk.leaderboard()) == n
        board = median_ms(run.aurum.desk.leaderboard, run.plan.repeats)
        listing = median_ms(run.aurum.registry.list_versions, run.plan.repeats)
        cold = median_ms(run.aurum.cold_leaderboard, run.plan.repeats)
        ml_ms = None
        if run.ml:
            run.ml.fill(n)
            assert run.ml.search() == n
            ml_ms = median_ms(run.ml.search, run.plan.repeats)
        target = "< 20 ms" if n == 1000 else ""
        row = Row(f"leaderboard, {n:,} versions", board, None, ml_ms, target)
        row.passed = _check(board, 20.0) if target else None
        run.rows += [
            row,
            Row(f"leaderboard, {n:,} versions, first call (nothing remembered)", cold),
            Row(f"list_versions, {n:,} versions", listing),
        ]
    if run.ml:
        run.notes.append(
            f"MLflow searches: {run.ml.logged} versions made by log_model (the forest), the rest "
            "by create_model_version pointing at version 1's logged model."
        )


def bench_activate(run: Run) -> None:
    """Move the active pointer (Aurum) / the alias (MLflow) at the largest version count."""
    n = run.plan.versions[-1]
    aurum_ms = median_ms(run.aurum.toggle, run.plan.repeats)
    ml_ms = median_ms(run.ml.toggle, run.plan.repeats) if run.ml else None
    row = Row(f"activate, {n:,} versions", aurum_ms, None, ml_ms, "≤ 0.1× MLflow")
    row.passed = _check(row.vs_mlflow, 0.1)
    run.rows.append(row)


def bench_fresh(run: Run) -> None:
    """Fresh processes: open and load the active model; `aurum models` (imports included)."""
    home, n, reps = str(run.aurum.home), run.plan.versions[-1], run.plan.fresh
    aurum_ms = process_ms([sys.executable, "-c", AURUM_LOAD, home, LINEAGE], reps)
    ml_ms = None
    if run.ml:
        uri = f"models:/{MLFLOW_NAME}@{ALIAS}"
        ml_ms = process_ms([sys.executable, "-c", MLFLOW_LOAD, run.ml.uri, uri], reps)
    run.rows.append(Row("load active, fresh process", aurum_ms, None, ml_ms))
    cli = str(Path(sys.executable).with_name("aurum"))
    models_ms = process_ms([cli, "models"], reps, env={"AURUM_HOME": home})
    row = Row(f"`aurum models`, fresh process, {n:,} versions", models_ms, target="< 1500 ms")
    row.passed = _check(models_ms, 1500.0)
    run.rows.append(row)


def bench_infer(run: Run) -> None:
    """MLflow's register with its default requirement inference (one run: it takes seconds)."""
    ml = run.ml
    if ml and run.plan.mlflow_infer:
        ml_ms = median_ms(lambda: ml.register(run.forest, infer=True), 1, warmup=0)
        note = "MLflow default pip requirement inference, 1 run"
        run.rows.append(Row("register, MLflow inferred reqs", None, None, ml_ms, note=note))


def bench_components(run: Run) -> None:
    """Where the time goes: the pieces of the floor and of Aurum's verified load."""
    import skops.io as sio

    from engine.registry.artifacts import TRUSTED_TYPES
    from engine.registry.skops_types import untrusted_types

    data, _ = run.aurum.active_artifact()
    allow = sorted(TRUSTED_TYPES)
    reps, parts = run.plan.repeats, run.components
    parts["skops dumps (forest)"] = median_ms(lambda: sio.dumps(run.forest), reps)
    parts["skops loads, trusted=allow-list (one pass)"] = median_ms(
        lambda: sio.loads(data, trusted=allow), reps
    )
    parts["skops get_untrusted_types (audit pass)"] = median_ms(
        lambda: sio.get_untrusted_types(data=data), reps
    )
    parts["Aurum save-time audit (node walk)"] = median_ms(lambda: untrusted_types(data), reps)
    parts["sha256 of the artifact"] = median_ms(lambda: hashlib.sha256(data).hexdigest(), reps)
    parts["SQLite WAL transaction (floor)"] = median_ms(lambda: run.floor.transaction("x", 1), reps)
    parts["registry.get (one version)"] = median_ms(
        lambda: run.aurum.registry.get(run.aurum.ids[0]), reps
    )
    parts["artifact size (MB)"] = len(data) / 1e6
    for module in ("engine.cli.commands", "skops.io"):
        cmd = [sys.executable, "-c", f"import {module}"]
        parts[f"fresh process: import {module}"] = process_ms(cmd, run.plan.fresh)
    parts["fresh process: python -c pass"] = process_ms([sys.executable, "-c", "pass"], 3)


STEPS: tuple[Callable[[Run], None], ...] = (
    bench_register,
    bench_load,
    bench_scaling,
    bench_activate,
    bench_fresh,
    bench_infer,
    bench_components,
)


# --- output ----------------------------------------------------------------------------------
def environment(ml: str | None, tmp: str) -> dict[str, Any]:
    """Machine, Python and library versions, where the temp files lived."""
    libs = {}
    for dist in ("scikit-learn", "skops", "numpy", "SQLAlchemy", "alembic", "mlflow"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            libs[dist] = metadata.version(dist)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "libraries": libs,
        "mlflow_compared": ml is not None,
        "temp_dir": tmp,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        **source_state(),
    }


def source_state() -> dict[str, Any]:
    """The commit measured and whether engine/ had uncommitted changes (read-only git calls)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "engine_dirty": bool(git("status", "--short", "engine")),
    }


def _fmt(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}{suffix}" if value < 10 else f"{value:,.1f}{suffix}"


def table(rows: list[Row]) -> str:
    """The result table as Markdown (also readable on a terminal)."""
    head = [
        "operation",
        "Aurum ms",
        "floor ms",
        "× floor",
        "MLflow ms",
        "× MLflow",
        "target",
        "result",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        verdict = {True: "pass", False: "FAIL", None: "—"}[r.passed]
        cells = [
            r.operation,
            _fmt(r.aurum_ms),
            _fmt(r.floor_ms),
            _fmt(r.vs_floor, "×"),
            _fmt(r.mlflow_ms),
            _fmt(r.vs_mlflow, "×"),
            r.target or "—",
            verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(run: Run, env: dict[str, Any]) -> None:
    """Print the tables and write bench/results/registry.json."""
    print(table(run.rows))
    print(f"\nload average at the end: {env['load_average_end']} ({env['cpus']} cpus)")
    print("\nComponents (median ms):")
    for name, value in run.components.items():
        print(f"  {name:<42} {_fmt(value)}")
    for note in run.notes:
        print(f"\n{note}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "environment": env,
        "plan": asdict(run.plan),
        "rows": [asdict(r) for r in run.rows],
        "components": run.components,
        "notes": run.notes,
    }
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"written: {RESULTS}")


def main(argv: Sequence[str] | None = None) -> int:
    plan = parse_args(argv)
    os.environ.pop("AURUM_DATABASE_URL", None)  # the bench home's own SQLite file, always
    ml = mlflow_version()
    print(
        f"registry bench: versions {plan.versions}, MLflow {ml or 'not installed (skipped)'}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="aurum-bench-") as tmp:
        root = Path(tmp)
        forest, tiny = make_models()
        side = MlflowSide(root / "mlflow") if ml else None
        run = Run(plan, AurumSide(root / "home"), Floor(root / "floor"), side, forest, tiny)
        try:
            for step in STEPS:
                step(run)
        finally:
            if side:
                side.close()
            run.aurum.desk.close()
        report(run, environment(ml, tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
