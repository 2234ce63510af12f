"""Backups of a desk (database + model files + config) and their verified restore.

SQLite is copied with SQLite's online backup API (a consistent snapshot while the desk runs);
every file gets a sha256 in `manifest.json`, checked before anything is restored. PostgreSQL
desks are backed up with the server's own tools (pg_dump), which this refuses to imitate.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.errors import AurumError

MANIFEST = "manifest.json"


class BackupError(AurumError):
    """A backup or restore was refused (wrong target, tampered backup, running services)."""


@dataclass(frozen=True)
class BackupReport:
    folder: str
    files: int
    bytes: int
    revision: str | None


def _sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise BackupError("this desk is not on SQLite: back its database up with pg_dump")
    return Path(url.removeprefix("sqlite:///"))


def sqlite_snapshot(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (online backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(desk: Any, dest: str | Path) -> BackupReport:
    """Write database, model files and config into the new folder `dest`, with a manifest."""
    from engine.db.migrate import current_revision

    folder = Path(dest)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: choose a new folder for the backup")
    folder.mkdir(parents=True, exist_ok=True)
    sqlite_snapshot(_sqlite_path(desk.db.url), folder / "aurum.db")
    if desk.paths.artifacts_dir.exists():
        shutil.copytree(desk.paths.artifacts_dir, folder / "artifacts", dirs_exist_ok=True)
    if desk.paths.config_file.exists():
        shutil.copy2(desk.paths.config_file, folder / "phase3_config.json")
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    manifest: dict[str, Any] = {
        "created_at": datetime.now(UTC).isoformat(),
        "revision": current_revision(desk.db),
        "files": {str(p.relative_to(folder)): _sha256(p) for p in files},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    desk.audit("backup", "backup", str(folder), {"files": len(files)})
    return BackupReport(
        str(folder), len(files), sum(p.stat().st_size for p in files), manifest["revision"]
    )


def verify(src: str | Path) -> dict[str, Any]:
    """The manifest, after every listed file matched its sha256 (and no file is missing)."""
    folder = Path(src)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BackupError(
            f"{folder} has no readable {MANIFEST}: not an Aurum backup ({err})"
        ) from None
    for name, expected in manifest["files"].items():
        path = folder / name
        if ".." in Path(name).parts or not path.is_file():
            raise BackupError(f"backup file {name} is missing or outside the backup")
        if _sha256(path) != expected:
            raise BackupError(f"backup file {name} does not match its checksum: refused")
    return dict(manifest)


def restore(home: Any, src: str | Path) -> BackupReport:
    """Replace the desk at `home` (an AurumHome) with a verified backup; services must be off."""
    from engine.db.connection import Database
    from engine.db.migrate import known_revisions
    from engine.scheduler.lease import state

    folder = Path(src)
    manifest = verify(folder)
    if manifest["revision"] not in known_revisions():
        raise BackupError(
            f"the backup's schema {manifest['revision']} is unknown to this Aurum "
            "(made by a newer version?): refused"
        )
    target = _sqlite_path(home.database_url)
    if target.exists():
        db = Database(home.database_url)
        try:
            if state(db).alive:
                raise BackupError("stop the background services (and the dashboard) first")
        except BackupError:
            raise
        except Exception:  # an old schema without the lease table: nothing can be running
            pass
        finally:
            db.dispose()
    home.ensure_dirs()
    staged = Path(tempfile.mkdtemp(prefix=".restore-", dir=home.models_dir))
    sqlite_snapshot(folder / "aurum.db", staged / "aurum.db")
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(staged / "aurum.db", target)
    if (folder / "artifacts").exists():
        old = home.artifacts_dir.with_name(".artifacts-old")
        shutil.rmtree(old, ignore_errors=True)
        shutil.copytree(folder / "artifacts", staged / "artifacts")
        if home.artifacts_dir.exists():
            os.replace(home.artifacts_dir, old)
        os.replace(staged / "artifacts", home.artifacts_dir)
        shutil.rmtree(old, ignore_errors=True)
    if (folder / "phase3_config.json").exists():
        shutil.copy2(folder / "phase3_config.json", staged / "config.json")
        os.replace(staged / "config.json", home.config_file)
    shutil.rmtree(staged, ignore_errors=True)
    files = len(manifest["files"])
    return BackupReport(str(folder), files, 0, manifest["revision"])
