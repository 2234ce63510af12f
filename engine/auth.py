"""Users, roles and logins. Viewers read; operators also act. Passwords are stored only as
argon2 hashes; failed logins are rate-limited and recorded (never with the password)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select

from engine.audit import add_audit
from engine.db.schema import LoginAttempt, User, utcnow
from engine.errors import AuthError, NotFoundError
from engine.home import safe_name

Role = Literal["viewer", "operator"]
ROLES: tuple[str, ...] = ("viewer", "operator")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str
    role: str
    created_at: datetime


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def _check(name: str, role: str | None = None, password: str | None = None) -> None:
    safe_name(name, what="user name")
    if role is not None and role not in ROLES:
        raise AuthError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise AuthError(f"the password must have at least {MIN_PASSWORD} characters")


def add_user(desk: Any, name: str, role: str, password: str, *, actor: str) -> UserInfo:
    _check(name, role, password)
    with desk.db.session(write=True) as s:
        if s.scalars(select(User).where(User.name == name)).first() is not None:
            raise AuthError(f"user {name!r} exists already; use `aurum user passwd` to change it")
        row = User(name=name, role=role, password_hash=_hasher().hash(password))
        s.add(row)
        s.flush()
        add_audit(s, actor, "user.add", name, {"role": role})
        return UserInfo(row.id, row.name, row.role, row.created_at)


def set_password(desk: Any, name: str, password: str, *, actor: str) -> None:
    _check(name, password=password)
    with desk.db.session(write=True) as s:
        row = s.scalars(select(User).where(User.name == name)).first()
        if row is None:
            raise NotFoundError(f"user {name!r} does not exist")
        row.password_hash = _hasher().hash(password)
        add_audit(s, actor, "user.passwd", name, {})


def remove_user(desk: Any, name: str, *, actor: str) -> None:
    with desk.db.session(write=True) as s:
        row = s.scalars(select(User).where(User.name == name)).first()
        if row is None:
            raise NotFoundError(f"user {name!r} does not exist")
        s.delete(row)
        add_audit(s, actor, "user.remove", name, {})


def list_users(desk: Any) -> list[UserInfo]:
    with desk.db.session() as s:
        rows = s.scalars(select(User).order_by(User.name)).all()
        return [UserInfo(r.id, r.name, r.role, r.created_at) for r in rows]


def current_role(desk: Any, name: str) -> str | None:
    """The user's role as the database holds it now (None: no such user any more). Every
    action of a logged-in user is checked against this, not the role their session began with."""
    with desk.db.session() as s:
        return s.scalar(select(User.role).where(User.name == name))


def operators_exist(desk: Any) -> bool:
    with desk.db.session() as s:
        return bool(s.scalar(select(func.count(User.id)).where(User.role == "operator")))


def authenticate(desk: Any, name: str, password: str) -> UserInfo:
    """The user, if the password matches and the name is not locked out. Every try is recorded
    (committed before a refusal is raised), never with the password."""
    sec = desk.config().security
    since = utcnow() - timedelta(minutes=sec.lockout_minutes)
    key = name[:64]
    with desk.db.session(write=True) as s:
        failures = (
            s.scalar(
                select(func.count(LoginAttempt.id)).where(
                    LoginAttempt.name == key,
                    LoginAttempt.attempted_at >= since,
                    LoginAttempt.success.is_(False),
                )
            )
            or 0
        )
        locked = failures >= sec.max_failed_logins
        row = None if locked else s.scalars(select(User).where(User.name == key)).first()
        ok = row is not None and _verify(row.password_hash, password)
        if not locked:
            s.add(LoginAttempt(name=key, success=ok))
        add_audit(
            s, key, "login" if ok else ("login.locked" if locked else "login.failed"), key, {}
        )
        user = UserInfo(row.id, row.name, row.role, row.created_at) if ok and row else None
    if locked:
        raise AuthError(
            f"too many failed logins for {key!r}: try again in {sec.lockout_minutes} min"
        )
    if user is None:
        raise AuthError("wrong user name or password")
    return user


def _verify(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False
