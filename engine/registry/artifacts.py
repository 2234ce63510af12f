"""Model files: skops only (no pickle), written atomically, content-addressed, verified on load."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import ArtifactError
from engine.home import inside, safe_name

# Types a model file may contain beyond the ones skops trusts by default. This list lives in the
# engine's code on purpose: an artifact can never widen it.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
        "sklearn._loss.link.Interval",
        "sklearn._loss.link.LogitLink",
        "sklearn._loss.link.MultinomialLogit",
        "sklearn._loss.loss.HalfBinomialLoss",
        "sklearn._loss.loss.HalfMultinomialLoss",
        "numpy.dtype",
        "engine.learner.feature_selection.VotingSelector",
        "engine.learner.ensemble.EnsembleClassifier",
        # the `boost` extra: the boosters' own (native) model formats, carried inside skops
        "lightgbm.basic.Booster",
        "lightgbm.sklearn.LGBMClassifier",
        "xgboost.core.Booster",
        "engine.learner.xgb.XGBLabelClassifier",
        "collections.OrderedDict",
        "builtins.slice",
    }
)


@dataclass(frozen=True)
class StoredArtifact:
    """Where a model file landed and how to recognise it: relative path, size, sha256."""

    relative_path: str
    size: int
    sha256: str
    fmt: str


def serialize(estimator: Any) -> bytes:
    """The estimator as skops bytes; refuses objects holding types we would not load back."""
    data = dump(estimator)
    _check_types(data, origin="the model being saved")
    return data


def dump(estimator: Any) -> bytes:
    """The estimator as skops bytes, not yet checked against the allow-list."""
    import skops.io as sio

    try:
        return sio.dumps(estimator)
    except Exception as err:
        raise ArtifactError(f"cannot save this model with skops: {err}") from err


def check_model_bytes(data: bytes, *, origin: str) -> list[str]:
    """Refuse a skops file holding a type outside the allow-list, from its schema alone (no
    object of the file is built, none of its code runs); returns the non-default types."""
    return _check_types(data, origin=origin)


def _check_types(data: bytes, *, origin: str) -> list[str]:
    from engine.registry.skops_types import untrusted_types

    try:
        untrusted = untrusted_types(data)
    except Exception as err:
        raise ArtifactError(f"{origin} is not a readable skops file ({err})") from err
    refused = sorted(untrusted - TRUSTED_TYPES)
    if refused:
        raise ArtifactError(
            f"{origin} contains types outside Aurum's allow-list: {', '.join(refused)}. "
            "It was not loaded."
        )
    return sorted(untrusted)


def save_artifact(artifacts_dir: Path, lineage: str, estimator: Any) -> StoredArtifact:
    """`serialize` then `write_artifact`, overlapped: while this thread audits the types, a
    worker hashes the bytes and writes and fsyncs the temp file (both release the GIL). The
    file takes its final name only once the audit passed; a refused model leaves nothing."""
    folder = _lineage_folder(artifacts_dir, lineage)
    data = dump(estimator)
    with ThreadPoolExecutor(max_workers=1) as writer:  # per call: nothing left behind in forks
        staging = writer.submit(_stage, folder, data)
        try:
            _check_types(data, origin="the model being saved")
        except BaseException:
            with contextlib.suppress(Exception):
                _, tmp = staging.result()
                if tmp is not None:
                    tmp.unlink(missing_ok=True)
            raise
        digest, tmp = staging.result()
    return _publish(folder, digest, tmp, len(data))


def write_artifact(artifacts_dir: Path, lineage: str, data: bytes) -> StoredArtifact:
    """Write bytes under artifacts/<lineage>/<sha256>.skops: temp file, fsync, rename."""
    folder = _lineage_folder(artifacts_dir, lineage)
    digest, tmp = _stage(folder, data)
    return _publish(folder, digest, tmp, len(data))


def _lineage_folder(artifacts_dir: Path, lineage: str) -> Path:
    folder = inside(artifacts_dir, artifacts_dir / safe_name(lineage, what="lineage name"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _stage(folder: Path, data: bytes) -> tuple[str, Path | None]:
    """The sha256 and a durable temp file holding `data` (None: that content is stored)."""
    digest = hashlib.sha256(data).hexdigest()
    target = folder / f"{digest}.skops"
    if target.exists() and _sha256_file(target) == digest:
        return digest, None
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise ArtifactError(
            f"cannot write the model file ({len(data):,} bytes) under {folder}: "
            f"{err.strerror or err}. Nothing was registered; free disk space (or fix the "
            "folder's permissions) and train again."
        ) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest, Path(tmp)


def _publish(folder: Path, digest: str, tmp: Path | None, size: int) -> StoredArtifact:
    """Rename the temp file to its content address and make the rename durable."""
    target = folder / f"{digest}.skops"
    if tmp is not None:
        try:
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(folder)
    return StoredArtifact(f"{folder.name}/{target.name}", size, digest, "skops")


def read_verified(artifacts_dir: Path, relative_path: str, expected_sha256: str) -> bytes:
    """The file's bytes, only if their sha256 matches the registry's record."""
    path = inside(artifacts_dir, artifacts_dir / relative_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArtifactError(
            f"model file {relative_path} is missing (cleaned up or deleted)"
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise ArtifactError(
            f"model file {relative_path} does not match its recorded sha256 "
            f"(expected {expected_sha256[:12]}…, found {actual[:12]}…): it was changed, "
            "truncated or swapped. It was not loaded."
        )
    return data


# sha256 digests whose bytes passed the allow-list audit in this process: the audit is a function
# of the bytes and the allow-list is fixed for the process, so a file that hashes to one of these
# needs only its hash checked again (a changed file has another hash and is audited anew)
_AUDITED: set[str] = set()


def verify_artifact(artifacts_dir: Path, relative_path: str, expected_sha256: str) -> None:
    """Check a model file without loading it: present, its sha256 the recorded one, and every
    type it names on the allow-list. skops's audit reads only the file's schema: no code in the
    file runs. Raises ArtifactError with the reason."""
    data = read_verified(artifacts_dir, relative_path, expected_sha256)
    if expected_sha256 in _AUDITED:
        return
    _check_types(data, origin=f"model file {relative_path}")
    _AUDITED.add(expected_sha256)


def load_artifact(artifacts_dir: Path, relative_path: str, expected_sha256: str) -> Any:
    """Verify the checksum, check every type against the allow-list, then load."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    data = read_verified(artifacts_dir, relative_path, expected_sha256)
    try:  # one pass: skops refuses any type outside its defaults and our allow-list
        return sio.loads(data, trusted=sorted(TRUSTED_TYPES))
    except UntrustedTypesFoundException as err:
        found = str(err).rstrip(".")  # skops ends its message with a period
        raise ArtifactError(
            f"model file {relative_path} contains types outside Aurum's allow-list: {found}. "
            "It was not loaded."
        ) from None
    except Exception as err:
        raise ArtifactError(
            f"model file {relative_path} is not a readable skops file ({err}); it was not loaded"
        ) from err


def delete_artifact(artifacts_dir: Path, relative_path: str) -> int:
    """Remove a model file; returns the bytes freed (0 when it was already gone)."""
    path = inside(artifacts_dir, artifacts_dir / relative_path)
    try:
        size = path.stat().st_size
        path.unlink()
    except FileNotFoundError:
        return 0
    return size


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
