"""API tokens of the HTTP bridge: created by `aurum token add NAME`, shown once, stored as sha256
(a token is 32 random bytes, so a slow hash adds nothing), revocable, every change audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from engine.audit import add_audit
from engine.db.schema import ApiToken, utcnow
from engine.errors import AuthError, DatabaseError, NotFoundError
from engine.home import safe_name

TOKEN_PREFIX = "aur_"
SHOWN_PREFIX = 12  # characters kept in clear ("aur_" + 8): enough to recognise a token in a list
TOUCH_SECONDS = 60.0  # last_used_at is written at most this often per token
_ACTIVE_TOKENS = "SELECT id, name, token_hash FROM api_tokens WHERE revoked_at IS NULL"


@dataclass(frozen=True)
class TokenInfo:
    """A token as `aurum token list` shows it (never the token itself)."""

    name: str
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewToken:
    """The token, returned once at creation: only its hash is stored."""

    info: TokenInfo
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        row.name, row.prefix, row.created_by, row.created_at, row.last_used_at, row.revoked_at
    )


def add_token(desk: Any, name: str, *, actor: str) -> NewToken:
    """A new token named `name` (e.g. the EA or VPS that uses it); the name must be new."""
    safe_name(name, what="token name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with desk.db.session(write=True) as s:
        existing = s.scalars(select(ApiToken).where(ApiToken.name == name)).first()
        if existing is not None:
            state = "revoked" if existing.revoked_at else "in use"
            raise AuthError(f"a token named {name!r} exists already ({state}); choose another name")
        row = ApiToken(
            name=name, token_hash=hash_token(token), prefix=token[:SHOWN_PREFIX], created_by=actor
        )
        s.add(row)
        s.flush()
        add_audit(s, actor, "token.add", name, {"prefix": row.prefix})
        return NewToken(_info(row), token)


def list_tokens(desk: Any) -> list[TokenInfo]:
    with desk.db.session() as s:
        return [_info(r) for r in s.scalars(select(ApiToken).order_by(ApiToken.name))]


def revoke_token(desk: Any, name: str, *, actor: str) -> TokenInfo:
    """Refuse the token from now on (the next request already gets 401); the row stays for the
    audit trail. Revoking a revoked token changes nothing."""
    with desk.db.session(write=True) as s:
        row = s.scalars(select(ApiToken).where(ApiToken.name == name)).first()
        if row is None:
            raise NotFoundError(f"no API token named {name!r} (`aurum token list` shows them)")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            add_audit(s, actor, "token.revoke", name, {"prefix": row.prefix})
        return _info(row)


class TokenGuard:
    """Checks `Authorization: Bearer` tokens for the server: one indexed read per request on a
    pooled DBAPI connection (a revoked token is refused at once), compared in constant time;
    `last_used_at` is written at most once a minute per token."""

    def __init__(self, desk: Any) -> None:
        self.desk = desk
        self._touched: dict[int, float] = {}
        self._lock = threading.Lock()

    def name_for(self, token: str) -> str | None:
        """The name of the live token `token`, or None; touches `last_used_at` when due."""
        found = self.match(token)
        if found is None:
            return None
        if self.touch_due(found[0]):
            self.touch(found[0])
        return found[1]

    def match(self, token: str) -> tuple[int, str] | None:
        """(id, name) of the live token `token`, or None."""
        presented = hash_token(token)
        found: tuple[int, str] | None = None
        for token_id, name, stored in self._active():
            # every live token is compared (a few rows), so timing says nothing of which matched
            if hmac.compare_digest(str(stored), presented):
                found = (int(token_id), str(name))
        return found

    def touch_due(self, token_id: int) -> bool:
        """Whether `last_used_at` of this token should be written now (and claim that write)."""
        now = time.monotonic()
        with self._lock:
            if now - self._touched.get(token_id, -TOUCH_SECONDS) < TOUCH_SECONDS:
                return False
            self._touched[token_id] = now
            return True

    def touch(self, token_id: int) -> None:
        """Write `last_used_at` (advisory: a refused write is tried again on a later request)."""
        try:
            with self.desk.db.session(write=True) as s:
                s.execute(
                    update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow())
                )
        except DatabaseError:
            with self._lock:
                self._touched.pop(token_id, None)

    def _active(self) -> list[tuple[Any, ...]]:
        """The live tokens, read again once anything was committed (a revoke: refused at once)."""
        return self.desk.db.unchanged_or("api-tokens", self._read_active)

    def _read_active(self) -> list[tuple[Any, ...]]:
        engine = self.desk.db.engine
        conn = engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(_ACTIVE_TOKENS)
            rows = cursor.fetchall()
            cursor.close()
        except engine.dialect.loaded_dbapi.Error as err:
            raise DatabaseError(f"could not read the API tokens: {err}") from err
        finally:
            conn.close()
        return [tuple(r) for r in rows]
