"""Use cases: one function, one transaction. Views and CLI commands call these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from counter.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who is acting, for role checks and the audit log."""

    user_id: int | None
    username: str
    role: str
    address: str = ""

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The actor for CLI commands and background jobs."""
        return cls(user_id=None, username=name, role="admin", address="local")

    def has_role(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block wrote, or roll all of it back."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
