"""Messages and labels translated where they are shown, not where they are made.

Domain code stays free of Flask, so it cannot call ``gettext``. Instead:

* :func:`N_` marks a literal for extraction (``pybabel extract -k N_``) and returns
  it as a :class:`Message`: a ``str`` whose value is the Vietnamese text, so code,
  tests and logs that read it as text see exactly what they saw before.
* A message with values is ``Message(N_("Đã quá %(n)s ngày."), n=3)``: a *msgid*
  with named placeholders plus the values, never a pre-formatted f-string (a
  translator must see the whole sentence). ``str(message)`` is the Vietnamese
  sentence; :meth:`Message.translated` gives it in the reader's language.
* A value that is itself a :class:`Message` (a status, action, role or unit label
  from the domain, or another error's message) is translated along with the
  sentence; a list or tuple of them is joined with ", ". Any other value (a name,
  a code, a number, a date) is shown as it is.

The web layer translates with Flask-Babel's ``gettext`` in one place
(:func:`counter.web.i18n.translated`); the CLI and the tests read the Vietnamese.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: A gettext function: msgid → text in the reader's language.
Gettext = Callable[[str], str]


class Message(str):
    """A sentence or label for the officer: Vietnamese text that knows its msgid and values."""

    msgid: str
    params: Mapping[str, Any]
    sentence: bool

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        """``msgid`` is a literal marked with :func:`N_`; ``params`` fill its placeholders."""
        return cls._make(msgid, params, sentence=False)

    @classmethod
    def _make(cls, msgid: str, params: Mapping[str, Any], sentence: bool) -> Message:
        msgid = str(getattr(msgid, "msgid", msgid))
        self = super().__new__(cls, _render(msgid, params, None, sentence))
        self.msgid, self.params, self.sentence = msgid, dict(params), sentence
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message._make, (self.msgid, self.params, self.sentence))

    def translated(self, gettext: Gettext | None = None) -> str:
        """The text in the language of ``gettext`` (Vietnamese without one)."""
        return _render(self.msgid, self.params, gettext, self.sentence)

    def as_sentence(self) -> Message:
        """The same message shown alone: first letter capitalised, one full stop at the end.

        Schedule errors are fragments made to follow "Dòng 3: "; a form shows them alone.
        """
        return Message._make(self.msgid, self.params, sentence=True)


def N_(message: str) -> Message:
    """Mark ``message`` for extraction; it is translated when shown (a "gettext no-op")."""
    return Message(message)


def _value(value: Any, gettext: Gettext | None) -> Any:
    """A placeholder's value in the reader's language (labels and nested messages)."""
    if isinstance(value, Message):
        return value.translated(gettext)
    nested = getattr(value, "message", None)  # a CounterError given as a value
    if isinstance(nested, Message):
        return nested.translated(gettext)
    if isinstance(value, list | tuple):
        return ", ".join(str(_value(item, gettext)) for item in value)
    return value


def _render(msgid: str, params: Mapping[str, Any], gettext: Gettext | None, sentence: bool) -> str:
    text = gettext(msgid) if gettext is not None else msgid
    if params:  # as gettext does: a message without values is not %-formatted
        values = {name: _value(value, gettext) for name, value in params.items()}
        try:
            text = text % values
        except (KeyError, ValueError, TypeError):
            if gettext is None:
                raise
            text = msgid % values  # a translation that lost a placeholder: say it in Vietnamese
    if sentence:
        text = text.strip()
        text = (text[:1].upper() + text[1:]).rstrip(".") + "."
    return str(text)
