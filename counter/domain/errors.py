"""The one root exception of the app and its few kinds.

Every error a counter officer may see derives from :class:`CounterError`, so the
web layer maps them to HTTP in one place and puts ``field`` errors back onto the
form. Messages are Vietnamese sentences written for the officer, never for a
developer.
"""

from __future__ import annotations


class CounterError(Exception):
    """Root of every expected error; ``message`` is shown to the officer as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationError(CounterError):
    """A value has the wrong shape (ID number, date, code, import cell...)."""


class NotAllowed(CounterError):
    """The role or the dossier's status does not allow the action."""


class Conflict(CounterError):
    """Someone else changed the record first (stale form, duplicate number)."""


class NotFound(CounterError):
    """The thing looked up does not exist (or is hidden from this user)."""
