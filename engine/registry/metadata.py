"""The registry's metadata about versions: tags, descriptions and named aliases. Each method is
one transaction that writes its change and its audit row together; the versions themselves are
never changed in what they are."""

from __future__ import annotations

from dataclasses import dataclass

from engine.audit import add_audit, insert_audit
from engine.db.connection import Database
from engine.registry import aliases, tags
from engine.registry.refs import find_version
from engine.registry.types import AliasInfo, AliasMove


@dataclass(frozen=True)
class MetadataChange:
    """One edit of a version's metadata: `tag:KEY` or `description`, from what to what (None:
    absent)."""

    ref: str
    version_id: int
    item: str
    before: str | None
    after: str | None


class VersionMetadata:
    """Mixed into ModelRegistry (which holds `db`)."""

    db: Database

    def set_tag(self, ref: str | int, text: str, *, actor: str) -> MetadataChange:
        """Set the tag `KEY=VALUE` on a version (replacing that key's value)."""
        key, value = tags.parse_tag(text)
        with self.db.session(write=True) as s:
            row, lineage = find_version(s, ref)
            name = f"{lineage.name}:v{row.version}"
            before = tags.set_tag(s, row.id, key, value, actor=actor)
            add_audit(s, actor, "model.tag", name, {"key": key, "from": before, "to": value})
            return MetadataChange(name, row.id, f"tag:{key}", before, value)

    def remove_tag(self, ref: str | int, key: str, *, actor: str) -> MetadataChange:
        with self.db.session(write=True) as s:
            row, lineage = find_version(s, ref)
            name = f"{lineage.name}:v{row.version}"
            before = tags.remove_tag(s, row.id, key, ref=name)
            add_audit(s, actor, "model.untag", name, {"key": key, "from": before})
            return MetadataChange(name, row.id, f"tag:{key}", before, None)

    def describe(self, ref: str | int, text: str, *, actor: str) -> MetadataChange:
        """Replace a version's description (empty text clears it)."""
        body = tags.check_description(text)
        with self.db.session(write=True) as s:
            row, lineage = find_version(s, ref)
            name = f"{lineage.name}:v{row.version}"
            before = row.description or ""
            row.description = body
            add_audit(s, actor, "model.describe", name, {"from": before, "to": body})
            return MetadataChange(name, row.id, "description", before, body)

    def set_alias(self, ref: str | int, name: str, *, actor: str, reason: str = "") -> AliasMove:
        """Point the named alias of the version's lineage at it (never `active`)."""
        with self.db.transaction(write=True) as connection:
            move = aliases.set_alias(connection, ref, name, actor=actor, reason=reason)
            detail = {"from": move.from_ref, "to": move.to_ref, "why": reason}
            insert_audit(connection, actor, "model.alias", f"{move.lineage}@{name}", detail)
            return move

    def remove_alias(
        self, name: str, *, lineage: str | None = None, actor: str, reason: str = ""
    ) -> AliasMove:
        """Remove a named alias (`NAME` of the only lineage, or `lineage@NAME`)."""
        with self.db.transaction(write=True) as connection:
            move = aliases.remove_alias(connection, lineage, name, actor=actor, reason=reason)
            detail = {"from": move.from_ref, "why": reason}
            target = f"{move.lineage}@{move.alias}"
            insert_audit(connection, actor, "model.unalias", target, detail)
            return move

    def alias_history(
        self, lineage: str | None = None, name: str | None = None, limit: int = 200
    ) -> list[AliasMove]:
        with self.db.session() as s:
            return aliases.alias_history(s, lineage, name, limit)

    def current_aliases(self, lineage: str | None = None) -> list[AliasInfo]:
        with self.db.session() as s:
            return aliases.current_aliases(s, lineage)
