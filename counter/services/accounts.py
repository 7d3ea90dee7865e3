"""Accounts: sign-in with throttling, sessions, passwords, user administration.

Throttling slows an attacker without locking the real user out. It is keyed by
(typed username, address): after a few free mistakes each wrong password makes
that address wait before its next attempt, the wait doubling up to a cap, and
attempts during the wait are refused without checking the password. Another
address (the officer at their own PC) keeps its own count, so a flood from one
machine never refuses the right password typed on another. A looser cap counts
wrong passwords from one address across all accounts (someone trying many
names). Refusals are audited as one row per (name, address) and window, with a
count. The admin lifts the waits of an account with :func:`unlock`.

Sessions live on the server (:class:`~counter.models.UserSession`): the signed
cookie holds a random token, and logout, a lock, a password change or an idle
spell end the session, whatever copy of the cookie a browser kept.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from counter.domain import clock
from counter.domain.errors import NotAllowed, NotFound, ValidationError
from counter.domain.i18n import N_
from counter.domain.lifecycle import Role
from counter.extensions import db
from counter.models import ROLES, AuditEntry, LoginFailure, User, UserRole, UserSession
from counter.services import Actor, as_loaded, audit, page_facts, transaction

#: Role names on screen: one wording, the status machine's (``Role.label``).
ROLE_LABELS: dict[str, str] = {role.value: role.label for role in Role}
MIN_PASSWORD_LENGTH = 8
#: The longest password a form takes (the hash column holds the hash, not the password).
MAX_PASSWORD_LENGTH = 256
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,64}$")


@functools.cache
def _dummy_hash() -> str:
    """A fixed hash to compare against when the account does not exist, so timing does not
    tell. Made at the first sign-in, not at import: scrypt costs every start half a second."""
    return generate_password_hash("counter-dummy-password")


#: A session's last visit is written at most this often (not on every request).
SESSION_TOUCH = timedelta(minutes=1)
#: Ended sessions are kept this long (who was signed in where), then deleted.
ENDED_SESSIONS_KEPT = timedelta(days=30)
#: Column widths of what is stored from a request.
_ADDRESS_MAX, _AGENT_MAX, _USERNAME_MAX = 64, 256, 64


@dataclass(frozen=True)
class ThrottlePolicy:
    """How wrong passwords slow down an address (settings ``LOGIN_*``)."""

    #: Wrong passwords in a row that cost no wait (typing mistakes).
    free_failures: int = 3
    #: The wait after the first failure past the free ones; it doubles with each one after.
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=15)
    #: Wrong passwords from one address, across accounts, within ``window``.
    address_cap: int = 30
    #: The span of the address cap, and of one audit row counting refusals.
    window: timedelta = timedelta(minutes=15)
    #: Failures are forgotten (and their rows pruned) this long after the last attempt.
    forget_after: timedelta = timedelta(hours=24)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ThrottlePolicy:
        """The policy from the app's settings."""
        return cls(
            free_failures=int(config["LOGIN_FREE_FAILURES"]),
            first_delay=timedelta(seconds=float(config["LOGIN_FIRST_DELAY_SECONDS"])),
            max_delay=timedelta(minutes=float(config["LOGIN_MAX_DELAY_MINUTES"])),
            address_cap=int(config["LOGIN_MAX_FAILURES_ADDRESS"]),
            window=timedelta(minutes=float(config["LOGIN_WINDOW_MINUTES"])),
        )

    def delay(self, failures: int) -> timedelta:
        """The wait after ``failures`` wrong passwords in a row: none at first, then doubling."""
        extra = failures - self.free_failures
        if extra <= 0:
            return timedelta(0)
        return min(self.first_delay * 2 ** min(extra - 1, 30), self.max_delay)


class LoginThrottled(NotAllowed):
    """Too many wrong passwords from this address: ``wait`` before the next attempt."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(N_("Đăng nhập sai nhiều lần. Vui lòng chờ một lát rồi thử lại."))
        self.wait = wait


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the account and the session token for the browser's cookie."""

    user: User
    token: str


@dataclass(frozen=True)
class Unlocked:
    """What :func:`unlock` cleared: wrong passwords counted, from which addresses."""

    username: str
    failures: int
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class AccountState:
    """What the users page shows beside an account: open sessions and sign-in waits."""

    sessions: int = 0
    failures: int = 0
    addresses: tuple[str, ...] = ()
    blocked_until: datetime | None = None


def hash_password(password: str) -> str:
    """Hash with werkzeug's default (scrypt)."""
    return generate_password_hash(password)


def check_new_password(password: str, username: str) -> None:
    """Refuse passwords that are too short or equal to the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            N_("Mật khẩu phải có ít nhất %(min)s ký tự."),
            field="new_password",
            min=MIN_PASSWORD_LENGTH,
        )
    if password.strip().lower() == username.lower():
        raise ValidationError(N_("Mật khẩu không được trùng tên đăng nhập."), field="new_password")


def sign_in(
    username: str,
    password: str,
    address: str,
    agent: str,
    *,
    policy: ThrottlePolicy | None = None,
    now: datetime | None = None,
) -> SignIn:
    """Check a sign-in and open a session; wrong passwords make this address wait.

    Raises :class:`LoginThrottled` (password not checked) while this address waits
    for this name, or while it is over the cap across names; ValidationError for a
    wrong name or password.
    """
    policy = policy or ThrottlePolicy()
    now = now or clock.now()
    username = username.strip().lower()[:_USERNAME_MAX]
    address = address[:_ADDRESS_MAX]
    anonymous = Actor(None, username, frozenset(), address)
    wait = _address_wait(address, policy, now)
    counted_on = "" if wait else username  # refusals over the address cap count per address
    if not wait:
        allowed_at = db.session.scalar(
            db.select(LoginFailure.next_allowed_at).where(*_key(username, address))
        )
        if allowed_at is not None and allowed_at > now:
            wait = allowed_at - now
    if wait:
        with transaction():
            _count_refusal(anonymous, counted_on, policy, now)
        raise LoginThrottled(wait)

    user = db.session.scalar(db.select(User).where(User.username == username))
    valid = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not valid or not user.active:
        with transaction():
            _count_failure(username, address, policy, now)
            audit.record(anonymous, "login_failed", username)
        raise ValidationError(N_("Tên đăng nhập hoặc mật khẩu không đúng."))

    token = secrets.token_urlsafe(32)
    with transaction():
        # This address starts afresh; other addresses keep their counts.
        db.session.execute(db.delete(LoginFailure).where(*_key(username, address)))
        db.session.add(
            UserSession(
                token_hash=_token_hash(token),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                address=address,
                user_agent=agent[:_AGENT_MAX],
            )
        )
        _prune_sessions(now)
        audit.record(Actor.for_user(user, address), "login", username)
    return SignIn(user, token)


def _key(username: str, address: str) -> tuple[Any, Any]:
    return LoginFailure.username == username, LoginFailure.address == address


def _ensure_failure_row(username: str, address: str, policy: ThrottlePolicy, now: datetime) -> None:
    """Make the (name, address) row if missing, in one statement (requests may race)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    made = db.session.execute(
        insert(LoginFailure)
        .values(username=username, address=address, failures=0, refused=0, last_at=now)
        .on_conflict_do_nothing(index_elements=[LoginFailure.username, LoginFailure.address])
    )
    if made.rowcount:
        # New rows are the only growth of the table: prune forgotten ones as they come.
        db.session.execute(
            db.delete(LoginFailure).where(LoginFailure.last_at < now - policy.forget_after)
        )


def _count_failure(username: str, address: str, policy: ThrottlePolicy, now: datetime) -> None:
    """Count a wrong password and set the wait before this address's next attempt."""
    _ensure_failure_row(username, address, policy, now)
    failures = db.session.execute(
        db.update(LoginFailure)
        .where(*_key(username, address))
        .values(
            failures=db.case(
                (LoginFailure.last_at < now - policy.forget_after, 1),
                else_=LoginFailure.failures + 1,
            ),
            last_at=now,
        )
        .returning(LoginFailure.failures)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    delay = policy.delay(failures)
    db.session.execute(
        db.update(LoginFailure)
        .where(*_key(username, address))
        .values(next_allowed_at=now + delay if delay else None)
        .execution_options(synchronize_session=False)
    )


def _address_wait(address: str, policy: ThrottlePolicy, now: datetime) -> timedelta | None:
    """How long an address over the cap (wrong passwords across names) must wait."""
    total, newest = db.session.execute(
        db.select(db.func.sum(LoginFailure.failures), db.func.max(LoginFailure.last_at)).where(
            LoginFailure.address == address,
            LoginFailure.failures > 0,
            LoginFailure.last_at >= now - policy.window,
        )
    ).one()
    if newest is None or (total or 0) < policy.address_cap:
        return None
    return max(newest + policy.window - now, timedelta(seconds=1))


def _count_refusal(actor: Actor, username: str, policy: ThrottlePolicy, now: datetime) -> None:
    """Count a refused attempt: one audit row per (name, address) and window, its count kept up."""
    _ensure_failure_row(username, actor.address, policy, now)
    key = _key(username, actor.address)
    counted = db.session.execute(
        db.update(LoginFailure)
        .where(
            *key,
            LoginFailure.refused_since > now - policy.window,
            LoginFailure.refused_audit_id.is_not(None),
        )
        .values(refused=LoginFailure.refused + 1, last_at=now)
        .returning(LoginFailure.refused, LoginFailure.refused_audit_id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if counted is not None:
        refused, audit_id = counted
        db.session.execute(
            db.update(AuditEntry)
            .where(AuditEntry.id == audit_id)
            .values(detail=f"refused={refused}")
            .execution_options(synchronize_session=False)
        )
        return
    entry = audit.record(actor, "login_throttled", username, "refused=1")
    db.session.flush()
    db.session.execute(
        db.update(LoginFailure)
        .where(*key)
        .values(refused=1, refused_since=now, refused_audit_id=entry.id, last_at=now)
        .execution_options(synchronize_session=False)
    )


def unlock(actor: Actor, username: str) -> Unlocked:
    """An admin lifts an account's sign-in waits: its wrong passwords from every address are cleared."""
    _require_admin(actor)
    user = db.session.scalar(db.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(N_("Không tìm thấy tài khoản."))
    rows = list(
        db.session.scalars(
            db.select(LoginFailure)
            .where(LoginFailure.username == user.username)
            .order_by(LoginFailure.address)
        )
    )
    done = Unlocked(user.username, sum(r.failures for r in rows), tuple(r.address for r in rows))
    if not rows:
        return done
    with transaction():
        for row in rows:
            db.session.delete(row)
        audit.record(actor, "login_unlocked", user.username, ", ".join(done.addresses))
    return done


@functools.cache
def _resume_query() -> Select[Any]:
    """The query of :func:`resume_session`: the session by its token, with its account's
    columns and roles (a row per role), as one plain statement built once; and what every
    staff page reads besides (:data:`counter.services.page_facts.COLUMNS`)."""
    sessions, users, roles = UserSession.__table__, User.__table__, UserRole.__table__
    return (
        db.select(
            *(c.label(f"s_{c.key}") for c in sessions.c),
            *(c.label(f"u_{c.key}") for c in users.c),
            roles.c.role.label("r_role"),
            *page_facts.COLUMNS,
        )
        .join_from(sessions, users, users.c.id == sessions.c.user_id)
        .outerjoin(roles, roles.c.user_id == users.c.id)
        .where(sessions.c.token_hash == bindparam("p_token"))
        .order_by(roles.c.role)
    )


def _account(rows: list[Any]) -> User:
    """The session's account (a model, as if loaded) from the rows of :func:`_resume_query`."""
    first = rows[0]._mapping
    user = as_loaded(User, {c.key: first[f"u_{c.key}"] for c in User.__table__.c})
    links = [
        as_loaded(UserRole, {"user_id": user.id, "role": row.r_role})
        for row in rows
        if row.r_role is not None
    ]
    set_committed_value(user, "role_links", links)
    return user


def resume_session(
    token: str, *, address: str, agent: str, idle: timedelta, now: datetime | None = None
) -> User | None:
    """The account a browser's session token signs in, or None.

    None when the token is unknown or its session ended, when the session was idle
    longer than ``idle`` (it ends then), when the account is locked, or when the
    cookie comes from another address or browser than the one that signed in.
    The visit is written at most once a minute.
    """
    if not token:
        return None
    now = now or clock.now()
    # Every signed-in request asks: the session, its account and the account's roles
    # come in one plain statement (the ORM's loading of it cost more than running it).
    rows = db.session.connection().execute(_resume_query(), {"p_token": _token_hash(token)}).all()
    record = rows[0] if rows else None
    if record is not None:  # what the page's banners and the setup's copies need, too
        page_facts.remember(record)
    if record is None or record.s_ended_at is not None:
        return None
    if record.s_address != address[:_ADDRESS_MAX] or record.s_user_agent != agent[:_AGENT_MAX]:
        return None  # a copied cookie; the session goes on for its own browser
    if now - record.s_last_seen_at > idle:
        with transaction():
            _write_session(record.s_id, ended_at=now, end_reason="idle")
        return None
    if not record.u_active:
        return None
    if now - record.s_last_seen_at >= SESSION_TOUCH:
        with transaction():
            _write_session(record.s_id, last_seen_at=now)
    return _account(rows)  # made after the commit, which would have expired it


def _write_session(session_id: int, **values: Any) -> None:
    db.session.execute(
        db.update(UserSession)
        .where(UserSession.id == session_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def sign_out(actor: Actor, token: str, *, now: datetime | None = None) -> None:
    """End this browser's session and note the sign-out in the audit log."""
    with transaction():
        db.session.execute(
            db.update(UserSession)
            .where(UserSession.token_hash == _token_hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=now or clock.now(), end_reason="logout")
        )
        audit.record(actor, "logout", actor.username)


def end_sessions(
    user_id: int, reason: str, *, keep_token: str | None = None, now: datetime | None = None
) -> None:
    """End an account's open sessions (but ``keep_token``'s), in the caller's transaction."""
    stmt = (
        db.update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now or clock.now(), end_reason=reason)
    )
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _token_hash(keep_token))
    db.session.execute(stmt)


def account_states(idle: timedelta, now: datetime | None = None) -> dict[int, AccountState]:
    """Per account id: open sessions (not idle past ``idle``) and sign-in waits."""
    now = now or clock.now()
    sessions = dict(
        db.session.execute(
            db.select(UserSession.user_id, db.func.count(UserSession.id))
            .where(UserSession.ended_at.is_(None), UserSession.last_seen_at >= now - idle)
            .group_by(UserSession.user_id)
        ).all()
    )
    failures: dict[str, list[LoginFailure]] = {}
    forgotten = now - ThrottlePolicy().forget_after
    for row in db.session.scalars(
        db.select(LoginFailure)
        .where(LoginFailure.failures > 0, LoginFailure.last_at >= forgotten)
        .order_by(LoginFailure.address)
    ):
        failures.setdefault(row.username, []).append(row)
    out = {}
    for user_id, username in db.session.execute(db.select(User.id, User.username)):
        rows = failures.get(username, [])
        waits = [r.next_allowed_at for r in rows if r.next_allowed_at and r.next_allowed_at > now]
        out[user_id] = AccountState(
            sessions=sessions.get(user_id, 0),
            failures=sum(r.failures for r in rows),
            addresses=tuple(r.address for r in rows),
            blocked_until=max(waits) if waits else None,
        )
    return out


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _prune_sessions(now: datetime) -> None:
    """Delete sessions ended (or left open and unused) longer ago than they are kept."""
    before = now - ENDED_SESSIONS_KEPT
    db.session.execute(
        db.delete(UserSession).where(
            db.or_(
                UserSession.ended_at < before,
                db.and_(UserSession.ended_at.is_(None), UserSession.last_seen_at < before),
            )
        )
    )


def change_password(actor: Actor, current: str, new: str, *, keep_token: str | None = None) -> User:
    """A user changes their own password; the account's other sessions end."""
    user = _get(actor.user_id)
    if not check_password_hash(user.password_hash, current):
        raise ValidationError(N_("Mật khẩu hiện tại không đúng."), field="current_password")
    check_new_password(new, user.username)
    if check_password_hash(user.password_hash, new):
        raise ValidationError(N_("Mật khẩu mới phải khác mật khẩu cũ."), field="new_password")
    with transaction():
        user.password_hash = hash_password(new)
        user.must_change_password = False
        user.password_changed_at = clock.now()
        user.session_version += 1
        end_sessions(user.id, "password", keep_token=keep_token)
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
        raise ValidationError(N_("Vui lòng chọn ít nhất một vai trò cho tài khoản."), field="roles")
    if not chosen <= set(ROLES):
        raise ValidationError(N_("Vai trò không hợp lệ."), field="roles")
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
            N_(
                "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang, "
                "gạch dưới (3–64 ký tự)."
            ),
            field="username",
        )
    chosen = _check_roles(roles)
    if not full_name.strip():
        raise ValidationError(N_("Vui lòng nhập họ và tên."), field="full_name")
    check_new_password(password, username)
    if db.session.scalar(db.select(User.id).where(User.username == username)):
        raise ValidationError(N_("Tên đăng nhập này đã có."), field="username")
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
        raise ValidationError(N_("Vui lòng nhập họ và tên."), field="full_name")
    if user.id == actor.user_id and (not active or "admin" not in chosen):
        raise ValidationError(
            N_("Không thể tự khóa hoặc bỏ quyền quản trị của chính mình."), field="roles"
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
            end_sessions(user.id, "locked")
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
        end_sessions(user.id, "password_reset")
        audit.record(actor, "password_reset", user.username)
    return user


def _get(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise NotFound(N_("Không tìm thấy tài khoản."))
    return user


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed(N_("Chỉ quản trị viên được quản lý tài khoản."))
