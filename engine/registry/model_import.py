"""`aurum import-model DIR`: a folder written by `aurum export` on another desk, verified, then
registered as a new version of its lineage (recorded as imported, never activated).

Verified before anything is written: the card parses and its digest matches its content, the
Markdown card is the JSON card's own rendering, the model file has the card's size and sha256,
the file's types are all on the allow-list (read from its schema: none of its code runs), the
libraries it needs are compatible with this desk's, the card agrees with itself (features and
feature spec, symbol and timeframe of an existing lineage) and the model, loaded with the
allow-list, expects as many features as the card lists.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from engine.audit import add_audit
from engine.db.schema import ModelVersion
from engine.errors import ArtifactError, AurumError
from engine.home import safe_name
from engine.registry.artifacts import check_model_bytes
from engine.registry.card import CARD_JSON, CARD_MD, CardFile, ModelCard
from engine.registry.card_markdown import render_markdown
from engine.registry.tags import check_description, check_tag_key, check_tag_value, set_tag
from engine.registry.types import VersionInfo

if TYPE_CHECKING:
    from engine.registry.registry import ModelRegistry, NewVersion

# library -> how many leading parts of its version must match this desk's (skops files hold
# the estimators' state as that library lays it out)
COMPATIBLE_PARTS = {"scikit-learn": 2, "numpy": 1, "python": 1, "lightgbm": 1, "xgboost": 1}
ALWAYS_NEEDED = ("scikit-learn", "numpy")


@dataclass(frozen=True)
class ImportedModel:
    version: VersionInfo
    card: ModelCard
    checks: list[str]


class ExportRefused(ArtifactError):
    """An export folder that failed a check on import; the message names the check."""


def read_card(folder: Path) -> ModelCard:
    """The folder's JSON card, validated, with its digest checked."""
    path = folder / CARD_JSON
    if not folder.is_dir():
        raise ExportRefused(f"{folder} is not a folder written by `aurum export`")
    try:
        card = ModelCard.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ExportRefused(f"{path} is missing: {folder} is not an export") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ExportRefused(f"{path} is not a valid model card: {where}: {first['msg']}") from None
    if card.digest != card.content_digest():
        raise ExportRefused(
            f"{path} was changed after export: its digest {card.digest[:12] or '(none)'}… does "
            f"not match its content ({card.content_digest()[:12]}…). Export it again."
        )
    return card


def verify_export(folder: str | Path) -> tuple[ModelCard, bytes, list[str]]:
    """The card, the model file's bytes and the checks passed; the first failed check raises
    ExportRefused with its reason."""
    root = Path(folder)
    card = read_card(root)
    checks = ["card: valid, digest matches"]
    markdown = root / CARD_MD
    if markdown.exists():
        if markdown.read_text(encoding="utf-8") != render_markdown(card):
            raise ExportRefused(f"{markdown} does not match {CARD_JSON} (edited after export?)")
        checks.append(f"{CARD_MD}: the JSON card's rendering")
    entry = card.model_file()
    if entry is None:
        raise ExportRefused(f"{root / CARD_JSON} lists no skops model file")
    data = _model_bytes(root / entry.name, entry)
    checks.append(f"model file: {len(data):,} bytes, sha256 {entry.sha256[:12]}…")
    types = check_model_bytes(data, origin=str(root / entry.name))
    checks.append(f"allow-list: {len(types)} non-default type(s), all trusted")
    problems = library_problems(card.library_versions, _needed(types))
    if problems:
        raise ExportRefused("library versions are not compatible: " + "; ".join(problems))
    checks.append("library versions compatible")
    _check_consistent(card)
    checks.append("card consistent (features, feature spec)")
    return card, data, checks


def _model_bytes(path: Path, entry: CardFile) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExportRefused(f"{path} is missing") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != entry.sha256 or len(data) != entry.size:
        raise ExportRefused(
            f"{path} does not match the card (expected {entry.size:,} bytes with sha256 "
            f"{entry.sha256[:12]}…, found {len(data):,} bytes with {actual[:12]}…): it was "
            "changed, truncated or swapped. Nothing was imported."
        )
    return data


def _needed(types: list[str]) -> set[str]:
    needed = set(ALWAYS_NEEDED)
    needed.update(lib for lib in ("lightgbm", "xgboost") if any(t.startswith(lib) for t in types))
    return needed


def library_problems(
    theirs: dict[str, str], needed: set[str], ours: dict[str, str] | None = None
) -> list[str]:
    """Why a model saved with `theirs` library versions cannot be trusted to load here."""
    from engine.registry.registry import library_versions

    here = library_versions() if ours is None else ours
    out = []
    for lib in sorted(needed | ({"python"} & set(theirs))):
        if lib not in theirs:
            continue  # the card does not say: the load check below still runs
        if lib not in here:
            out.append(f"{lib} {theirs[lib]} is needed and not installed here")
            continue
        parts = COMPATIBLE_PARTS.get(lib, 1)
        if theirs[lib].split(".")[:parts] != here[lib].split(".")[:parts]:
            out.append(
                f"{lib} {theirs[lib]} (exporting desk) vs {here[lib]} here: the first "
                f"{parts} part(s) of the version must match"
            )
    return out


def _check_consistent(card: ModelCard) -> None:
    try:
        safe_name(card.lineage, what="lineage name")
    except AurumError as err:
        raise ExportRefused(f"the card's lineage: {err}") from None
    if card.ref != f"{card.lineage}:v{card.version}":
        raise ExportRefused(f"the card's ref {card.ref} is not {card.lineage}:v{card.version}")
    if not card.features or len(set(card.features)) != len(card.features):
        raise ExportRefused("the card's feature list is empty or repeats a name")
    try:  # what goes with the model must pass the checks a person's edits pass
        check_description(card.description)
        for key, value in card.tags.items():
            check_tag_key(key)
            check_tag_value(key, value)
    except AurumError as err:
        raise ExportRefused(f"the card's description or tags: {err}") from None
    spec = card.details.get("feature_spec")
    if spec is not None:
        from engine.features import FeatureSpec
        from engine.features.names import feature_names

        try:
            expected = feature_names(FeatureSpec.model_validate(spec), card.timeframe)
        except (ValidationError, AurumError, KeyError, ValueError) as err:
            raise ExportRefused(f"the card's feature spec is not valid here: {err}") from None
        if expected != card.features:
            raise ExportRefused(
                f"the card lists {len(card.features)} features, its feature spec gives "
                f"{len(expected)} on {card.timeframe}: they must be the same list"
            )


def _check_lineage(registry: ModelRegistry, card: ModelCard, sha256: str) -> None:
    for lineage in registry.lineages():
        if lineage.name != card.lineage:
            continue
        if (lineage.symbol, lineage.timeframe) != (card.symbol, card.timeframe):
            raise ExportRefused(
                f"lineage {card.lineage} here trades {lineage.symbol} {lineage.timeframe}, the "
                f"card says {card.symbol} {card.timeframe}"
            )
    same = [
        v.ref for v in registry.list_versions(lineage=card.lineage) if v.artifact_sha256 == sha256
    ]
    if same:
        raise ExportRefused(f"this model file is already registered here as {same[0]}")


def _check_loads(data: bytes, card: ModelCard) -> None:
    """Load with the allow-list (as serving does) and compare the feature count."""
    import skops.io as sio

    from engine.registry.artifacts import TRUSTED_TYPES

    try:
        model = sio.loads(data, trusted=sorted(TRUSTED_TYPES))
    except Exception as err:
        raise ExportRefused(f"the model file does not load with the allow-list: {err}") from err
    expected = getattr(model, "n_features_in_", None)
    if expected is not None and int(expected) != len(card.features):
        raise ExportRefused(
            f"the model expects {int(expected)} features, the card lists {len(card.features)}"
        )


def import_model(registry: ModelRegistry, folder: str | Path, *, actor: str) -> ImportedModel:
    """Verify the export in `folder` and register it as a new version (a candidate), with the
    card's description and tags, in one transaction with its audit row."""
    card, data, checks = verify_export(folder)
    sha256 = hashlib.sha256(data).hexdigest()
    _check_lineage(registry, card, sha256)
    _check_loads(data, card)
    checks.append("loads with the allow-list; feature count matches")
    origin = {
        "ref": card.ref,
        "exported_from": card.exported_from,
        "exported_at": card.exported_at.isoformat() if card.exported_at else None,
        "sha256": sha256,
        "card_digest": card.digest,
        "data_origin": card.provenance.data_origin,
        "trained_on": (
            card.provenance.trained_on.model_dump(mode="json")
            if card.provenance.trained_on
            else None
        ),
        "library_versions": card.library_versions,
        "metrics": [m.model_dump(mode="json") for m in card.metrics],
        "imported_at": datetime.now(UTC).isoformat(),
        "imported_by": actor,
        "previously": card.imported_from,
    }

    def with_notes(session: Session, version_id: int) -> None:
        """The card's description and tags go with the model (aliases stay on their desk)."""
        row = session.get(ModelVersion, version_id)
        assert row is not None
        row.description = card.description
        for key, value in card.tags.items():
            set_tag(session, version_id, key, value, actor=actor)
        detail = {"from": card.ref, "sha256": sha256, "desk": card.exported_from}
        add_audit(session, actor, "model.import", f"{card.lineage}:v{row.version}", detail)

    info = registry.register_file(data, _new_version(card, origin), also=with_notes)
    return ImportedModel(registry.get(info.id), card, checks)


def _new_version(card: ModelCard, origin: dict[str, Any]) -> NewVersion:
    """The version to register: the card's identity and provenance, its backtest metrics."""
    from engine.registry.registry import NewVersion

    backtest = card.snapshot("backtest")
    return NewVersion(
        lineage=card.lineage,
        symbol=card.symbol,
        timeframe=card.timeframe,
        algorithm=card.algorithm,
        purpose=card.purpose,
        params=card.params,
        features=card.features,
        train_start=card.provenance.train_start,
        train_end=card.provenance.train_end,
        data_hash=card.provenance.data_hash,
        data_origin=card.provenance.data_origin,  # a DEMO model stays DEMO on another desk
        notes=f"imported from {card.ref} ({card.exported_from or 'another desk'})",
        metrics=dict(backtest.values) if backtest else None,
        metrics_trades=backtest.trades if backtest else 0,
        metrics_period=(backtest.period_start, backtest.period_end) if backtest else (None, None),
        details=json.loads(json.dumps({**card.details, "imported": origin}, default=str)),
    )
