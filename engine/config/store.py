"""Load, validate, save atomically and keep the history of config/phase3_config.json."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from engine.config.schema import RETIRED_KEYS, Phase3Config
from engine.db.connection import Database
from engine.db.schema import ConfigChange
from engine.errors import ConfigError, NotFoundError


@dataclass(frozen=True)
class ConfigChangeRecord:
    """One saved change: which keys moved from what to what, who did it and when."""

    id: int
    actor: str
    reason: str
    created_at: datetime
    diff: dict[str, tuple[Any, Any]]


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'a': {'b': 1}} -> {'a.b': 1}: one key per setting. Sections are one level deep, so a
    dict inside a section (learning.hyperparameters, learning.search_space) is one value."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and not prefix:
            out.update(flatten(value, f"{key}."))
        else:
            out[prefix + key] = value
    return out


def diff_configs(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    flat_before, flat_after = flatten(before), flatten(after)
    keys = sorted(set(flat_before) | set(flat_after))
    return {
        k: (flat_before.get(k), flat_after.get(k))
        for k in keys
        if flat_before.get(k) != flat_after.get(k)
    }


def validation_message(err: ValidationError, *, source: str) -> str:
    """Turn pydantic's report into lines naming each key and the reason."""
    lines = []
    for item in err.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(cross-field rule)"
        reason = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            reason = "unknown key (check the spelling; `aurum config show` lists every key)"
        lines.append(f"  {key}: {reason}")
    return f"{source} has invalid settings:\n" + "\n".join(lines)


def without_retired(data: dict[str, Any]) -> dict[str, Any]:
    """`data` without the keys of `RETIRED_KEYS` (a file or change saved by an older Aurum)."""
    out = dict(data)
    for dotted in RETIRED_KEYS:
        section, _, key = dotted.rpartition(".")
        if isinstance(out.get(section), dict) and key in out[section]:
            out[section] = {k: v for k, v in out[section].items() if k != key}
    return out


REVERT_ADVICE = (
    "Fix the file, or restore the last good configuration with `aurum config revert` "
    "(`aurum config history` lists the saved ones)."
)


def validate(data: dict[str, Any], *, source: str) -> Phase3Config:
    try:
        return Phase3Config.model_validate(without_retired(data))
    except ValidationError as err:
        raise ConfigError(validation_message(err, source=source)) from None


def parse_value(raw: str) -> Any:
    """A `config set` value: JSON when it parses (numbers, true/false, lists), else the string."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def set_key(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """Return a copy of `data` with the dotted key set; refuses keys the schema does not have."""
    if dotted in RETIRED_KEYS:
        raise ConfigError(f"{dotted} was removed: {RETIRED_KEYS[dotted]}")
    parts = dotted.split(".")
    known = Phase3Config().model_dump()
    node_known: Any = known
    for part in parts:
        if not isinstance(node_known, dict) or part not in node_known:
            raise ConfigError(f"unknown config key {dotted!r}: `aurum config show` lists every key")
        node_known = node_known[part]
    if isinstance(node_known, dict) and len(parts) == 1:  # a dict inside a section is a value
        raise ConfigError(f"{dotted!r} is a section; set one of its keys, e.g. {dotted}.<key>")
    updated = json.loads(json.dumps(data))
    node = updated
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return updated


def write_atomically(path: Path, text: str) -> Path:
    """Write to a temp file in the same folder and fsync it; the caller renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


class ConfigStore:
    """The config file plus its change history in the database."""

    def __init__(self, path: Path, db: Database | None) -> None:
        self.path = path
        self.db = db

    def read_raw(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as err:
            why = err.strerror if isinstance(err, OSError) else f"not UTF-8 text ({err.reason})"
            raise ConfigError(f"cannot read {self.path}: {why}. {REVERT_ADVICE}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ConfigError(
                f"{self.path} line {err.lineno} column {err.colno}: not valid JSON ({err.msg}). "
                + REVERT_ADVICE
            ) from None
        if not isinstance(data, dict):
            raise ConfigError(
                f"{self.path}: the top level must be a JSON object {{...}}. {REVERT_ADVICE}"
            )
        return data

    def load(self) -> Phase3Config:
        """The validated config; a missing file is created with the defaults. Every error
        about the file advises `aurum config revert`."""
        if not self.path.exists():
            cfg = Phase3Config()
            self._replace_file(cfg)
            return cfg
        try:
            return validate(self.read_raw(), source=str(self.path))
        except ConfigError as err:
            text = str(err)
            raise ConfigError(
                text if REVERT_ADVICE in text else f"{text}\n{REVERT_ADVICE}"
            ) from None

    def save(self, new: Phase3Config, *, actor: str, reason: str = "") -> ConfigChangeRecord | None:
        """Save atomically and record the change; returns None when nothing changed."""
        before = self.load().model_dump(mode="json")
        after = new.model_dump(mode="json")
        diff = diff_configs(before, after)
        if not diff:
            return None
        tmp = write_atomically(self.path, _dump(after))
        try:
            record = self._record(before, after, diff, actor=actor, reason=reason, tmp=tmp)
        finally:
            tmp.unlink(missing_ok=True)
        return record

    def set(self, dotted: str, raw_value: str, *, actor: str) -> ConfigChangeRecord | None:
        value = parse_value(raw_value)
        data = set_key(self.load().model_dump(mode="json"), dotted, value)
        cfg = validate(data, source=f"config set {dotted}")
        return self.save(cfg, actor=actor, reason=f"set {dotted}")

    def history(self, limit: int = 100) -> list[ConfigChangeRecord]:
        db = self._require_db()
        with db.session() as s:
            rows = s.scalars(
                select(ConfigChange).order_by(ConfigChange.id.desc()).limit(limit)
            ).all()
            return [_to_record(r) for r in rows]

    def revert(
        self, change_id: int | None, *, actor: str, note: str = ""
    ) -> ConfigChangeRecord | None:
        """Restore the configuration as it was before change `change_id`, or (None) the last
        good one: the newest recorded configuration that validates, the defaults when none
        was recorded. Works whatever state the file is in (unreadable, invalid, missing);
        the restore is itself a recorded change, its reason naming what was restored followed
        by the user's `note` (if any)."""
        if change_id is None:
            cfg, source = self._last_good()
            reason = _with_note(f"revert to the last good ({source})", note)
            return self._restore(cfg, actor=actor, reason=reason)
        db = self._require_db()
        with db.session() as s:
            row = s.get(ConfigChange, change_id)
            if row is None:
                raise NotFoundError(f"config change #{change_id} does not exist")
            before = json.loads(row.before_json)
        cfg = validate(before, source=f"config change #{change_id}")
        return self._restore(
            cfg, actor=actor, reason=_with_note(f"revert change #{change_id}", note)
        )

    def _last_good(self) -> tuple[Phase3Config, str]:
        with self._require_db().session() as s:
            rows = s.execute(
                select(ConfigChange.id, ConfigChange.after_json).order_by(ConfigChange.id.desc())
            ).all()
        for change_id, after in rows:
            try:
                return Phase3Config.model_validate(json.loads(after)), f"change #{change_id}"
            except (ValidationError, ValueError):
                continue  # recorded by an older Aurum whose keys no longer validate
        return Phase3Config(), "the defaults: no change was recorded"

    def _restore(self, cfg: Phase3Config, *, actor: str, reason: str) -> ConfigChangeRecord | None:
        """Write `cfg` over whatever the file holds and record it (None: the file equals it)."""
        before = self._file_as_it_is()
        after = cfg.model_dump(mode="json")
        diff = diff_configs(before, after)
        if not diff:
            return None
        tmp = write_atomically(self.path, _dump(after))
        try:
            return self._record(before, after, diff, actor=actor, reason=reason, tmp=tmp)
        finally:
            tmp.unlink(missing_ok=True)

    def _file_as_it_is(self) -> dict[str, Any]:
        """The file for the history: complete when it is valid, as it parses when not, {} when
        it cannot be read at all."""
        try:
            return self.load().model_dump(mode="json")
        except ConfigError:
            try:
                return self.read_raw()
            except ConfigError:
                return {}

    def _record(
        self,
        before: dict[str, Any],
        after: dict[str, Any],
        diff: dict[str, Any],
        *,
        actor: str,
        reason: str,
        tmp: Path,
    ) -> ConfigChangeRecord:
        if self.db is None:
            os.replace(tmp, self.path)
            return ConfigChangeRecord(0, actor, reason, datetime.now().astimezone(), diff)
        with self.db.session(write=True) as s:
            row = ConfigChange(
                actor=actor,
                reason=reason,
                diff_json=json.dumps(diff),
                before_json=json.dumps(before),
                after_json=json.dumps(after),
            )
            s.add(row)
            s.flush()
            os.replace(tmp, self.path)  # inside the transaction: a failed rename rolls it back
            return _to_record(row)

    def _replace_file(self, cfg: Phase3Config) -> None:
        tmp = write_atomically(self.path, _dump(cfg.model_dump(mode="json")))
        os.replace(tmp, self.path)

    def _require_db(self) -> Database:
        if self.db is None:
            raise ConfigError("config history needs the database: run `aurum init` first")
        return self.db


def _with_note(what: str, note: str) -> str:
    """A revert's recorded reason: what it restored, then the note the user gave."""
    note = note.strip()
    return f"{what}: {note}" if note else what


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def _to_record(row: ConfigChange) -> ConfigChangeRecord:
    diff = {k: (v[0], v[1]) for k, v in json.loads(row.diff_json).items()}
    return ConfigChangeRecord(row.id, row.actor, row.reason, row.created_at, diff)
