"""Use cases: one function, one transaction. Views and CLI commands call these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from counter.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """Who is acting, for role checks and the audit log.

    ``roles`` is the set of roles the account holds (a single role name is
    accepted and becomes a one-role set).
    """

    user_id: int | None
    username: str
    roles: frozenset[str]
    address: str = ""

    def __post_init__(self) -> None:
        held = self.roles
        if isinstance(held, str):  # frozenset("admin") would be a set of letters
            held = frozenset({held} if held else ())
        object.__setattr__(self, "roles", frozenset(held))

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The actor for CLI commands and background jobs."""
        return cls(user_id=None, username=name, roles=frozenset({"admin"}), address="local")

    @classmethod
    def for_user(cls, user: Any, address: str = "") -> Actor:
        """The actor for a signed-in account (a :class:`~counter.models.User`)."""
        return cls(user_id=user.id, username=user.username, roles=user.roles, address=address)

    @property
    def is_admin(self) -> bool:
        """Whether the actor administers the software."""
        return "admin" in self.roles

    def has_role(self, *roles: str) -> bool:
        """Whether the actor holds one of ``roles`` (admins pass every check)."""
        return self.is_admin or not self.roles.isdisjoint(roles)


@contextmanager
def transaction(*, keep_loaded: bool = False) -> Iterator[None]:
    """Commit what the block wrote, or roll all of it back.

    The commit expires every object of the session; a use case that answers with what
    it wrote builds its answer after it (:func:`as_loaded`) rather than reading it back.
    ``keep_loaded``: the objects read before stay as read (a block that writes only a
    row of its own, such as an access log, need not have them all read again).
    """
    session = db.session()
    expiring = session.expire_on_commit
    if keep_loaded:
        session.expire_on_commit = False
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        session.expire_on_commit = expiring


def as_loaded(cls: type[T], values: dict[str, Any]) -> T:
    """The session's object of ``cls`` for a row a plain statement read or wrote, holding
    ``values`` (its columns as stored) as if the ORM had loaded them: no query reads it
    again. An object the session already holds for the row is updated in place (one
    object per row: whoever holds it sees the change; its relationships load anew when
    asked). Columns not in ``values`` load when first read, as expired ones do.

    For the busiest requests, where the ORM's own loading of a statement's rows cost more
    than the statement itself."""
    session = db.session()
    mapper = inspect(cls)
    key = mapper.identity_key_from_primary_key([values[c.key] for c in mapper.primary_key])
    held = session.identity_map.get(key)
    if held is not None:
        for name, value in values.items():
            set_committed_value(held, name, value)
        session.expire(held, [rel.key for rel in mapper.relationships])
        return held  # type: ignore[no-any-return]
    # Filled as the ORM's loading fills an object (straight into its dict), then made
    # the session's as if read from the database: nothing to flush.
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj  # type: ignore[no-any-return]
