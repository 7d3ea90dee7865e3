"""The one root exception of the app and its few kinds.

Every error a counter officer may see derives from :class:`CounterError`, so the
web layer maps them to HTTP in one place and puts them back onto the form: every
error has one shape for that, ``field_errors`` (field → message; one field's, or
:class:`InvalidInput`'s several). Messages are Vietnamese sentences written for the officer, never for a
developer, and they are translated where they are shown: a message is a msgid
marked with ``N_()`` with named placeholders, and its values are passed apart::

    raise NotAllowed(N_("Không thể '%(action)s' khi hồ sơ ở trạng thái '%(status)s'."),
                     action=action.label, status=status.label)

never an f-string. ``err.message`` is the Vietnamese sentence (a
:class:`~counter.domain.i18n.Message`, so passing it on keeps it translatable);
``err.translated(gettext)`` is the sentence in the reader's language, with label
values (status, action, role, unit names) translated too.
"""

from __future__ import annotations

from typing import Any

from counter.domain.i18n import Gettext, Message


class CounterError(Exception):
    """Root of every expected error: a message for the officer, and the field it is about.

    ``message`` is a msgid marked with ``N_()`` (or another error's ``message``,
    passed on); ``params`` fill its ``%(name)s`` placeholders.
    """

    def __init__(self, message: str, field: str | None = None, **params: Any) -> None:
        if isinstance(message, Message) and not params:
            self.message = message  # a Message passed on as it is (N_ literal or another error's)
        else:
            self.message = Message(message, **params)
        super().__init__(str(self.message))
        self.field = field

    @property
    def msgid(self) -> str:
        """The untranslated message id."""
        return self.message.msgid

    @property
    def params(self) -> dict[str, Any]:
        """The values of the message's placeholders."""
        return dict(self.message.params)

    def translated(self, gettext: Gettext | None = None) -> str:
        """The message in the language of ``gettext`` (Vietnamese without one)."""
        return self.message.translated(gettext)

    @property
    def field_errors(self) -> dict[str, Message]:
        """What is wrong, by field ("" for the input as a whole): the one shape every refusal
        has, which the web puts back on the form's fields (``counter.web.forms.run_form``)."""
        return {self.field or "": self.message}

    def __str__(self) -> str:
        return str(self.message)


class ValidationError(CounterError):
    """A value has the wrong shape (ID number, date, code, import cell...)."""


class NotAllowed(CounterError):
    """The role or the dossier's status does not allow the action."""


class Conflict(CounterError):
    """Someone else changed the record first (stale form, duplicate number)."""


class NotFound(CounterError):
    """The thing looked up does not exist (or is hidden from this user)."""


class InvalidInput(ValidationError):
    """Several fields are wrong at once; ``errors`` maps each field to its message (N_ msgids)."""

    def __init__(self, errors: dict[str, str]) -> None:
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors

    @property
    def field_errors(self) -> dict[str, Message]:
        """Every wrong field with its message."""
        return {name: _as_message(text) for name, text in self.errors.items()}


def _as_message(text: str) -> Message:
    """A message as it is (with its values), or plain text as a message."""
    return text if isinstance(text, Message) else Message(text)
