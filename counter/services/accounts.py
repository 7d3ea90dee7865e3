"""Accounts: sign-in with throttling, passwords, user administration."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from counter.domain.errors import NotAllowed, NotFound, ValidationError
from counter.domain.lifecycle import Role
from counter.extensions import db
from counter.models import ROLES, LoginFailure, User, utcnow
from counter.services import Actor, audit, transaction

#: Role names on screen: one wording, the status machine's (``Role.label``).
ROLE_LABELS: dict[str, str] = {role.value: role.label for role in Role}
MIN_PASSWORD_LENGTH = 8
#: The longest password a form takes (the hash column holds the hash, not the password).
MAX_PASSWORD_LENGTH = 256
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,64}$")
# A fixed hash to compare against when the account does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("counter-dummy-password")


class LoginThrottled(NotAllowed):
    """Too many failed sign-ins for this account or from this address."""


def hash_password(password: str) -> str:
    """Hash with werkzeug's default (scrypt)."""
    return generate_password_hash(password)


def check_new_password(password: str, username: str) -> None:
    """Refuse passwords that are too short or equal to the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.", field="new_password"
        )
    if password.strip().lower() == username.lower():
        raise ValidationError("Mật khẩu không được trùng tên đăng nhập.", field="new_password")


def authenticate(
    username: str,
    password: str,
    address: str,
    *,
    max_account: int = 5,
    max_address: int = 20,
    window_minutes: int = 15,
) -> User:
    """Check a sign-in; record and throttle failures per account and per address."""
    username = username.strip().lower()
    since = utcnow() - timedelta(minutes=window_minutes)
    by_account = db.session.scalar(
        db.select(db.func.count(LoginFailure.id)).where(
            LoginFailure.username == username, LoginFailure.at >= since
        )
    )
    by_address = db.session.scalar(
        db.select(db.func.count(LoginFailure.id)).where(
            LoginFailure.address == address, LoginFailure.at >= since
        )
    )
    if (by_account or 0) >= max_account or (by_address or 0) >= max_address:
        with transaction():
            audit.record(Actor(None, username, "", address), "login_failed", username, "throttled")
        raise LoginThrottled(
            f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {window_minutes} phút "
            "hoặc liên hệ quản trị viên."
        )
    user = db.session.scalar(db.select(User).where(User.username == username))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        with transaction():
            db.session.add(LoginFailure(username=username, address=address))
            audit.record(Actor(None, username, "", address), "login_failed", username)
        raise ValidationError("Tên đăng nhập hoặc mật khẩu không đúng.")
    with transaction():
        db.session.execute(db.delete(LoginFailure).where(LoginFailure.username == username))
        audit.record(Actor.for_user(user, address), "login", username)
    return user


def record_logout(actor: Actor) -> None:
    """Note a sign-out in the audit log."""
    with transaction():
        audit.record(actor, "logout", actor.username)


def change_password(actor: Actor, current: str, new: str) -> User:
    """A user changes their own password; other sessions of the account end."""
    user = _get(actor.user_id)
    if not check_password_hash(user.password_hash, current):
        raise ValidationError("Mật khẩu hiện tại không đúng.", field="current_password")
    check_new_password(new, user.username)
    if check_password_hash(user.password_hash, new):
        raise ValidationError("Mật khẩu mới phải khác mật khẩu cũ.", field="new_password")
    with transaction():
        user.password_hash = hash_password(new)
        user.must_change_password = False
        user.password_changed_at = utcnow()
        user.session_version += 1
        audit.record(actor, "password_changed", user.username)
    return user


def list_users() -> list[User]:
    """All accounts, by username."""
    return list(db.session.scalars(db.select(User).order_by(User.username)))


def get_user(user_id: int) -> User:
    """One account, or NotFound."""
    return _get(user_id)


def role_names(roles: Iterable[str]) -> list[str]:
    """The roles in screen order (Vietnamese labels: ``ROLE_LABELS``); unknown ones dropped."""
    held = set(roles)
    return [role for role in ROLES if role in held]


def _check_roles(roles: Iterable[str]) -> frozenset[str]:
    """The chosen roles: at least one, each a known role (no default: the admin chooses)."""
    chosen = frozenset(roles)
    if not chosen:
        raise ValidationError("Vui lòng chọn ít nhất một vai trò cho tài khoản.", field="roles")
    if not chosen <= set(ROLES):
        raise ValidationError("Vai trò không hợp lệ.", field="roles")
    return chosen


def create_user(
    actor: Actor,
    *,
    username: str,
    full_name: str,
    roles: Iterable[str],
    password: str,
    title: str = "",
    must_change_password: bool = True,
) -> User:
    """An admin creates an account with one or more roles; the user sets a password at first login."""
    _require_admin(actor)
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang, "
            "gạch dưới (3–64 ký tự).",
            field="username",
        )
    chosen = _check_roles(roles)
    if not full_name.strip():
        raise ValidationError("Vui lòng nhập họ và tên.", field="full_name")
    check_new_password(password, username)
    if db.session.scalar(db.select(User.id).where(User.username == username)):
        raise ValidationError("Tên đăng nhập này đã có.", field="username")
    with transaction():
        user = User(
            username=username,
            full_name=full_name.strip(),
            title=title.strip(),
            roles=chosen,
            password_hash=hash_password(password),
            must_change_password=must_change_password,
        )
        db.session.add(user)
        db.session.flush()
        audit.record(actor, "user_created", username, "roles=" + ", ".join(role_names(chosen)))
    return user


def update_user(
    actor: Actor,
    user_id: int,
    *,
    full_name: str,
    title: str,
    roles: Iterable[str],
    active: bool,
) -> User:
    """An admin edits an account's name, roles or whether it may sign in."""
    _require_admin(actor)
    user = _get(user_id)
    chosen = _check_roles(roles)
    if not full_name.strip():
        raise ValidationError("Vui lòng nhập họ và tên.", field="full_name")
    if user.id == actor.user_id and (not active or "admin" not in chosen):
        raise ValidationError(
            "Không thể tự khóa hoặc bỏ quyền quản trị của chính mình.", field="roles"
        )
    changes = []
    for name, value in (
        ("full_name", full_name.strip()),
        ("title", title.strip()),
        ("active", active),
    ):
        if getattr(user, name) != value:
            changes.append(f"{name}: {getattr(user, name)} → {value}")
            setattr(user, name, value)
    # Roles take effect at the user's next request (the account is loaded per request).
    if chosen != user.roles:
        changes.append(
            f"roles: {', '.join(role_names(user.roles))} → {', '.join(role_names(chosen))}"
        )
        user.roles = chosen
    if not changes:
        return user
    with transaction():
        if not active:
            user.session_version += 1
        audit.record(actor, "user_updated", user.username, "; ".join(changes))
    return user


def reset_password(actor: Actor, user_id: int, new: str) -> User:
    """An admin sets a temporary password; the user must change it at next login."""
    _require_admin(actor)
    user = _get(user_id)
    check_new_password(new, user.username)
    with transaction():
        user.password_hash = hash_password(new)
        user.must_change_password = True
        user.session_version += 1
        audit.record(actor, "password_reset", user.username)
    return user


def _get(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise NotFound("Không tìm thấy tài khoản.")
    return user


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("Chỉ quản trị viên được quản lý tài khoản.")
