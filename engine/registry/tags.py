"""Tags (`key=value`) and a free-text description per version: what people note about a version.

They are metadata about a version, never part of what it is (its model file, features, window
and metrics stay as registered). Names and lengths are checked here, once, for every front end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import Connection, Table, delete, select
from sqlalchemy.orm import Session

from engine.db.schema import VersionTag, utcnow
from engine.errors import NotFoundError, RegistryError

TAG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
MAX_TAG_VALUE = 256
MAX_TAGS = 50
MAX_DESCRIPTION = 5000
_TAGS: Table = VersionTag.__table__  # type: ignore[assignment]


def check_tag_key(key: str) -> str:
    """The key if it may name a tag: 1-64 characters, letters, digits, `_`, `.`, `-`, starting
    with a letter."""
    if not TAG_KEY.match(key):
        raise RegistryError(
            f"tag key {key[:80]!r} is not allowed: use 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter (e.g. reviewed_by, market.regime)"
        )
    return key


def check_tag_value(key: str, value: str) -> str:
    """The value, trimmed: 1-256 printable characters (no line breaks or control characters)."""
    text = value.strip()
    if not text:
        raise RegistryError(f"tag {key} needs a value (KEY=VALUE); `aurum untag` removes a tag")
    if len(text) > MAX_TAG_VALUE:
        raise RegistryError(
            f"tag {key}: the value has {len(text)} characters, at most {MAX_TAG_VALUE} are kept; "
            "longer text belongs in the description (`aurum describe`)"
        )
    if _has_control(text, allowed=""):
        raise RegistryError(f"tag {key}: the value holds a line break or control character")
    return text


def parse_tag(text: str) -> tuple[str, str]:
    """`key=value` as (key, value), both checked."""
    key, sep, value = text.partition("=")
    if not sep:
        raise RegistryError(f"{text[:80]!r} is not a tag: write KEY=VALUE (e.g. reviewed=yes)")
    key = key.strip()
    return check_tag_key(key), check_tag_value(key, value)


def check_description(text: str) -> str:
    """The description, trimmed: at most 5,000 characters; line breaks and tabs allowed."""
    body = text.strip()
    if len(body) > MAX_DESCRIPTION:
        raise RegistryError(
            f"the description has {len(body):,} characters; at most {MAX_DESCRIPTION:,} are kept"
        )
    if _has_control(body, allowed="\n\t"):
        raise RegistryError("the description holds a control character (only \\n and tab allowed)")
    return body


def _has_control(text: str, *, allowed: str) -> bool:
    return any(
        unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c not in allowed for c in text
    )


def set_tag(session: Session, version_id: int, key: str, value: str, *, actor: str) -> str | None:
    """Set (or replace) one tag; returns the value it replaced."""
    check_tag_key(key)
    value = check_tag_value(key, value)
    row = session.get(VersionTag, (version_id, key))
    if row is None:
        count = len(tags_by_version(session, [version_id]).get(version_id, {}))
        if count >= MAX_TAGS:
            raise RegistryError(
                f"a version keeps at most {MAX_TAGS} tags; remove one first (`aurum untag`)"
            )
        session.add(VersionTag(version_id=version_id, key=key, value=value, updated_by=actor))
        return None
    before = row.value
    row.value, row.updated_by, row.updated_at = value, actor, utcnow()
    return before


def remove_tag(session: Session, version_id: int, key: str, *, ref: str) -> str:
    """Remove one tag; returns its value. A tag that is not there is an error (a typo)."""
    row = session.get(VersionTag, (version_id, key))
    if row is None:
        raise NotFoundError(f"{ref} has no tag {key[:64]!r}; `aurum show {ref}` lists its tags")
    value = row.value
    session.execute(
        delete(VersionTag).where(VersionTag.version_id == version_id, VersionTag.key == key)
    )
    return value


def tags_by_version(
    connection: Connection | Session, version_ids: Iterable[int] | None = None
) -> dict[int, dict[str, str]]:
    """version id -> {key: value}, keys in order."""
    query = select(_TAGS.c.version_id, _TAGS.c.key, _TAGS.c.value)
    if version_ids is not None:
        query = query.where(_TAGS.c.version_id.in_(list(version_ids)))
    out: dict[int, dict[str, str]] = {}
    for vid, key, value in connection.execute(query.order_by(_TAGS.c.key)):
        out.setdefault(vid, {})[key] = value
    return out
