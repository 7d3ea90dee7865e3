"""Staff accounts, login failures and the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter.domain import clock
from counter.extensions import db
from counter.models.types import UTCDateTime

#: Every role, in the order they are listed on screens.
ROLES = ("admin", "reception", "specialist", "leader")


class UserRole(db.Model):  # type: ignore[name-defined,misc]
    """One role an account holds; an account may hold several (vai trò)."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A staff member (cán bộ); may hold several roles (reception and specialist, say)."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(128), default="")  # chức danh
    password_hash: Mapped[str] = mapped_column(String(256))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on password change, so other sessions of the account end.
    session_version: Mapped[int] = mapped_column(default=1)

    role_links: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    @property
    def roles(self) -> frozenset[str]:
        """The roles this account holds."""
        return frozenset(link.role for link in self.role_links)

    @roles.setter
    def roles(self, value: Iterable[str]) -> None:
        wanted = frozenset(value)
        self.role_links = [link for link in self.role_links if link.role in wanted] + [
            UserRole(role=role) for role in sorted(wanted - self.roles)
        ]

    @property
    def is_admin(self) -> bool:
        """Whether the account administers the software."""
        return "admin" in self.roles

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def has_role(self, *roles: str) -> bool:
        """Whether the account holds one of ``roles`` (admins pass every check)."""
        held = self.roles
        return "admin" in held or not held.isdisjoint(roles)


class LoginFailure(db.Model):  # type: ignore[name-defined,misc]
    """Failed sign-ins of one account name from one address: the throttle's key.

    One row per (username, address), not one per attempt, so a flood does not grow
    the table; rows untouched for a day are pruned. ``username`` is what was typed
    (an unknown name is throttled like a real one); the empty name holds refusals
    of an address over its cap across accounts.
    """

    __tablename__ = "login_failure"
    __table_args__ = (
        UniqueConstraint("username", "address", name="uq_login_failure_username_address"),
        Index("ix_login_failure_address_last_at", "address", "last_at"),
        Index("ix_login_failure_last_at", "last_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    #: Wrong passwords in a row (forgotten a day after the last attempt).
    failures: Mapped[int] = mapped_column(default=0)
    #: The last failure or refusal.
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: Attempts before this instant are refused without checking the password.
    next_allowed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Refusals in the current audit window, written as one audit row with their count.
    refused: Mapped[int] = mapped_column(default=0)
    refused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused_audit_id: Mapped[int | None] = mapped_column()


class UserSession(db.Model):  # type: ignore[name-defined,misc]
    """A signed-in browser (phiên đăng nhập), so logout, lock and idle time can end it.

    The browser's signed cookie holds a random token; only its SHA-256 is stored.
    """

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(256), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: logout, idle, locked, password, password_reset
    end_reason: Mapped[str | None] = mapped_column(String(16))


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """Who did what, when, from where (nhật ký hệ thống)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    username: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User | None] = relationship()
