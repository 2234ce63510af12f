"""Explanations cached as JSON next to the version's model file (never pickle), one file per
version and bars used: `<model file stem>.v<id>.<bars key>.explain.json`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

SUFFIX = ".explain.json"


def cache_path(artifacts_dir: Path, artifact_path: str, version_id: int, bars_key: str) -> Path:
    """Where one version's explanation of one set of bars lives (paths built here only)."""
    model_file = artifacts_dir / artifact_path
    stem = model_file.name.split(".", 1)[0]
    return model_file.with_name(f"{stem}.v{version_id}.{bars_key}{SUFFIX}")


def read_cached(path: Path) -> dict[str, Any] | None:
    """The cached explanation, or None when absent or unreadable (then it is recomputed)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_cached(path: Path, data: dict[str, Any]) -> None:
    """Atomically (temp file, fsync, rename); the version's caches for older bars are removed."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, separators=(",", ":"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    prefix = path.name.rsplit(".", 3)[0] + "."  # "<stem>.v<id>."
    for old in path.parent.glob(f"{prefix}*{SUFFIX}"):
        if old != path:
            old.unlink(missing_ok=True)


def model_stem(relative: str) -> str:
    """`<lineage>/<sha256>` of a model file or of one of its explanation caches."""
    return relative.split(".", 1)[0]


def is_explanation_of(relative: str, model_stems: set[str]) -> bool:
    """Whether `relative` is an explanation cache of a model file with one of `model_stems`
    (for `aurum doctor`: such a cache is not an orphan while its model file is kept)."""
    return relative.endswith(SUFFIX) and model_stem(relative) in model_stems
