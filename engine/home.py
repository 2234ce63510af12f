"""Where Aurum keeps its files: database, artifacts, config and logs (the "home")."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from engine.errors import UnsafePathError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class AurumHome:
    """The folders Aurum reads and writes; built from `--home`, `AURUM_HOME` or the project root."""

    root: Path
    models_dir: Path
    config_dir: Path
    logs_dir: Path
    database_url: str

    @property
    def config_file(self) -> Path:
        return self.config_dir / "phase3_config.json"

    @property
    def artifacts_dir(self) -> Path:
        return self.models_dir / "artifacts"

    def ensure_dirs(self) -> None:
        for folder in (self.models_dir, self.config_dir, self.logs_dir, self.artifacts_dir):
            folder.mkdir(parents=True, exist_ok=True)


def resolve_home(home: str | os.PathLike[str] | None = None) -> AurumHome:
    """Resolve the home: explicit argument, then `AURUM_HOME`, then the project root layout."""
    chosen = home if home is not None else os.environ.get("AURUM_HOME")
    if chosen:
        root = Path(chosen).expanduser().resolve()
        models, config, logs = root / "models", root / "config", root / "logs"
    else:
        root = PROJECT_ROOT
        models, config, logs = root / "models", root / "config", root / "logs"
    url = os.environ.get("AURUM_DATABASE_URL") or f"sqlite:///{models / 'aurum.db'}"
    return AurumHome(root, models, config, logs, url)


def safe_name(value: str, *, what: str) -> str:
    """Return `value` if it is safe as one path component, else refuse it (no `..`, `/`, `%`)."""
    if not isinstance(value, str) or not _SAFE_NAME.match(value) or ".." in value:
        shown = value if not isinstance(value, str) or len(value) <= 80 else value[:80] + "…"
        raise UnsafePathError(
            f"{what} {shown!r} is not allowed: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit (no slashes, '..', '%' or spaces)."
        )
    return value


def inside(base: Path, candidate: Path) -> Path:
    """Return `candidate` resolved, refusing any path that leaves `base`."""
    base_resolved = base.resolve()
    resolved = candidate.resolve()
    if resolved != base_resolved and base_resolved not in resolved.parents:
        raise UnsafePathError(f"path {candidate} leaves the Aurum home folder {base_resolved}")
    return resolved
