"""`aurum doctor`: is the desk consistent — database vs model files vs config?

Checks, each with a plain verdict and, where a safe repair exists, what `--repair` does:

- the database: schema at head, SQLite's own integrity and foreign-key checks;
- the registry: every kept (not cleaned) version's model file is present, matches its sha256 and
  holds only allow-listed types (each named when broken; `quick` only checks presence); each
  lineage's `active` pointer names a version of that lineage whose file loads; what a rollback
  would do (restore which version, or be refused because its file is broken or cleaned);
- the files: orphan temp files left by an interrupted write (repair: delete them), model files no
  version points at (repair: delete them, once they are older than a grace period so a
  registration in flight is never touched);
- the learning queue: sessions left "running" by a process that died (repair: mark them failed);
- the config: the file validates and equals the last recorded change (repair: record the file as
  it is, so the history is complete again).

The active model is loaded (checksum and allow-list verified) when `load_active` is set.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.errors import AurumError
from engine.explain.cache import is_explanation_of, model_stem

ORPHAN_GRACE_SECONDS = 600.0


@dataclass
class Finding:
    """One check's outcome: `ok`, `problem` (needs a person) or `repairable` (--repair fixes)."""

    check: str
    status: str
    message: str
    repaired: bool = False


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return all(f.status == "ok" or f.repaired for f in self.findings)

    def add(self, check: str, status: str, message: str) -> Finding:
        finding = Finding(check, status, message)
        self.findings.append(finding)
        return finding

    def as_dict(self) -> dict[str, Any]:
        return {
            "consistent": self.consistent,
            "findings": [f.__dict__ for f in self.findings],
        }


def diagnose(
    desk: Any,
    *,
    repair: bool = False,
    load_active: bool = True,
    quick: bool = False,
    grace_seconds: float = ORPHAN_GRACE_SECONDS,
) -> DoctorReport:
    """Run every check on `desk`; with `repair`, fix what is safely repairable. `quick` checks
    that kept model files are present without hashing them."""
    report = DoctorReport()
    _check_database(desk, report)
    referenced = _check_registry(desk, report, load_active=load_active, quick=quick)
    _check_files(desk, report, referenced, repair=repair, grace_seconds=grace_seconds)
    _check_sessions(desk, report, repair=repair)
    _check_config(desk, report, repair=repair)
    return report


# --- database ------------------------------------------------------------------------------
def _check_database(desk: Any, report: DoctorReport) -> None:
    from engine.db.migrate import HEAD_REVISION, current_revision

    revision = current_revision(desk.db)
    if revision != HEAD_REVISION:
        report.add("schema", "problem", f"schema {revision} is not {HEAD_REVISION}: run aurum init")
    else:
        report.add("schema", "ok", f"schema at {revision}")
    if desk.db.dialect != "sqlite":
        return
    with desk.db.engine.connect() as conn:
        integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
        foreign = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if integrity == ["ok"]:
        report.add("sqlite integrity", "ok", "PRAGMA integrity_check: ok")
    else:
        report.add(
            "sqlite integrity",
            "problem",
            "the database file is damaged: " + "; ".join(integrity[:5]) + " (restore a backup)",
        )
    if foreign:
        report.add("foreign keys", "problem", f"{len(foreign)} row(s) point at missing rows")
    else:
        report.add("foreign keys", "ok", "every reference resolves")


# --- registry ------------------------------------------------------------------------------
def _check_registry(desk: Any, report: DoctorReport, *, load_active: bool, quick: bool) -> set[str]:
    from engine.db.schema import Alias, Lineage, ModelVersion

    with desk.db.session() as s:
        versions = s.execute(
            select(
                ModelVersion.id,
                ModelVersion.lineage_id,
                ModelVersion.version,
                ModelVersion.status,
                ModelVersion.artifact_path,
                ModelVersion.artifact_sha256,
                Lineage.name.label("lineage"),
            ).join(Lineage, Lineage.id == ModelVersion.lineage_id)
        ).all()
        aliases = s.execute(
            select(Alias.lineage_id, Alias.version_id, Lineage.name)
            .join(Lineage, Lineage.id == Alias.lineage_id)
            .where(Alias.alias == "active")
        ).all()
    by_id = {v.id: v for v in versions}
    broken = _check_kept_files(desk, report, versions, quick=quick)
    if not aliases:
        report.add("active versions", "ok", "no active version yet")
    for lineage_id, version_id, name in aliases:
        row = by_id.get(version_id)
        if row is None or row.lineage_id != lineage_id:
            report.add("active versions", "problem", f"{name}: active names another lineage")
            continue
        try:
            if not row.artifact_path:
                raise AurumError("its model file was cleaned up")
            if row.id in broken:
                raise AurumError(broken[row.id])
            if load_active:
                desk.registry.load_model(row.id)
        except AurumError as err:
            report.add("active versions", "problem", f"{name}:v{row.version} does not load: {err}")
        else:
            verb = "loads" if load_active else "is present"
            report.add("active versions", "ok", f"{name}:v{row.version} is active and {verb}")
        _check_rollback(desk, report, lineage_id, name, by_id, broken)
    return {v.artifact_path for v in versions if v.artifact_path}


def _check_kept_files(
    desk: Any, report: DoctorReport, versions: list[Any], *, quick: bool
) -> dict[int, str]:
    """Every kept version's file: present (and, unless `quick`, hashed and its types audited,
    each distinct file once). Returns {version id: why its file is broken}."""
    from engine.registry.artifacts import verify_artifact

    artifacts = desk.paths.artifacts_dir
    kept = [v for v in versions if v.status != "cleaned" and v.artifact_path]
    broken: dict[int, str] = {}
    verdicts: dict[tuple[str, str], str | None] = {}
    for v in kept:
        key = (v.artifact_path, v.artifact_sha256)
        if key not in verdicts:
            verdicts[key] = _file_verdict(artifacts, *key, quick=quick, verify=verify_artifact)
        if verdicts[key] is not None:
            broken[v.id] = str(verdicts[key])
    for v in kept:
        if v.id in broken:
            report.add(
                "model files", "problem", f"{v.lineage}:v{v.version} (#{v.id}): {broken[v.id]}"
            )
    if not broken:
        what = "present (--quick: not hashed)" if quick else "present and verified (sha256, types)"
        report.add("model files", "ok", f"{len(kept)} kept version file(s), each {what}")
    return broken


def _file_verdict(
    artifacts: Path, relative: str, sha256: str, *, quick: bool, verify: Any
) -> str | None:
    """None when the file is fine, else why not (lost, changed, truncated, untrusted types)."""
    if not (artifacts / relative).exists():
        return f"lost its file {relative} (deleted or moved)"
    if quick:
        return None
    try:
        verify(artifacts, relative, sha256)
    except AurumError as err:
        return str(err)
    return None


def _check_rollback(
    desk: Any,
    report: DoctorReport,
    lineage_id: int,
    name: str,
    by_id: dict[int, Any],
    broken: dict[int, str],
) -> None:
    """What `aurum rollback` would do in this lineage now, given the files' state."""
    from engine.registry.activation import rollback_target

    with desk.db.session() as s:
        target_id = rollback_target(s, lineage_id)
    target = None if target_id is None else by_id.get(target_id)
    if target is None:
        report.add("rollback", "ok", f"{name}: nothing to roll back to (no earlier active version)")
    elif target.status == "cleaned" or not target.artifact_path:
        report.add(
            "rollback",
            "problem",
            f"{name}: a rollback would be refused: v{target.version}'s "
            "model file was cleaned up (activate a kept version instead)",
        )
    elif target.id in broken:
        report.add(
            "rollback",
            "problem",
            f"{name}: a rollback would be refused: v{target.version}'s "
            "model file is broken (restore it from a backup, or activate a sound version)",
        )
    else:
        report.add("rollback", "ok", f"{name}: a rollback would restore v{target.version}")


# --- files ---------------------------------------------------------------------------------
def _check_files(
    desk: Any, report: DoctorReport, referenced: set[str], *, repair: bool, grace_seconds: float
) -> None:
    artifacts = desk.paths.artifacts_dir
    now = time.time()
    temp_files: list[Path] = []
    orphans: list[Path] = []
    model_stems = {model_stem(r) for r in referenced}
    if artifacts.exists():
        for path in artifacts.rglob("*"):
            if not path.is_file():
                continue
            relative = path.relative_to(artifacts).as_posix()
            if path.name.startswith(".tmp-"):
                temp_files.append(path)
            elif (
                relative not in referenced
                and not is_explanation_of(relative, model_stems)
                and now - path.stat().st_mtime > grace_seconds
            ):
                orphans.append(path)
    config_dir = desk.paths.config_file.parent
    if config_dir.exists():
        temp_files += [
            p for p in config_dir.glob(f".{desk.paths.config_file.name}.*.tmp") if p.is_file()
        ]
    _file_finding(report, "temp files", temp_files, "left by an interrupted write", repair)
    _file_finding(report, "orphan model files", orphans, "no version points at them", repair)


def _file_finding(
    report: DoctorReport, check: str, paths: list[Path], why: str, repair: bool
) -> None:
    if not paths:
        report.add(check, "ok", "none")
        return
    size = sum(p.stat().st_size for p in paths)
    finding = report.add(check, "repairable", f"{len(paths)} file(s), {size:,} bytes, {why}")
    if repair:
        for path in paths:
            path.unlink(missing_ok=True)
        finding.repaired = True
        finding.message += ": deleted"


# --- learning sessions ---------------------------------------------------------------------
def _check_sessions(desk: Any, report: DoctorReport, *, repair: bool) -> None:
    from engine.db.schema import LearningSession
    from engine.learner.records import RUNNING, interrupted, mark_interrupted

    with desk.db.session() as s:
        running = s.scalars(
            select(LearningSession.id).where(LearningSession.status.in_(RUNNING))
        ).all()
    stuck = interrupted(desk.db)
    if not stuck:
        alive = f"{len(running)} running, each in a live process" if running else "none"
        report.add("learning sessions", "ok", f"{alive} (none stuck in running)")
        return
    ids = ", ".join(f"#{i}" for i in stuck)
    finding = report.add(
        "learning sessions",
        "repairable",
        f"session(s) {ids} were left running by a process that stopped",
    )
    if repair:
        mark_interrupted(desk.db, stuck, by="aurum doctor")
        finding.repaired = True
        finding.message += ": marked failed"


# --- config --------------------------------------------------------------------------------
def _check_config(desk: Any, report: DoctorReport, *, repair: bool) -> None:
    from engine.db.schema import ConfigChange

    path = desk.paths.config_file
    if not path.exists():
        report.add("config", "repairable", f"{path} is missing (aurum init writes the defaults)")
        return
    try:
        current = desk.config_store.load()  # its errors advise `aurum config revert`
    except AurumError as err:
        report.add("config", "problem", f"{path} is not valid: {err}")
        return
    with desk.db.session() as s:
        last = s.execute(
            select(ConfigChange.after_json).order_by(ConfigChange.id.desc()).limit(1)
        ).scalar()
    as_saved = current.model_dump(mode="json")
    if last is None or json.loads(last) == as_saved:
        report.add("config", "ok", "valid, and the history records it")
        return
    finding = report.add(
        "config",
        "repairable",
        "the file differs from the last recorded change (an interrupted save or a hand edit)",
    )
    if repair:
        from engine.config.store import diff_configs

        before = json.loads(last)
        with desk.db.session(write=True) as s:
            s.add(
                ConfigChange(
                    actor="doctor",
                    reason="recorded by aurum doctor: the file changed without a record",
                    diff_json=json.dumps(diff_configs(before, as_saved)),
                    before_json=json.dumps(before),
                    after_json=json.dumps(as_saved),
                )
            )
        finding.repaired = True
        finding.message += ": recorded as a change by doctor"
