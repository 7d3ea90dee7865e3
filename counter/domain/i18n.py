"""A marker for strings translated at display time, not where they are defined.

Domain code stays free of Flask, so its labels cannot call ``gettext``. Wrapping a
literal in :func:`N_` (a "gettext no-op") lets ``pybabel extract -k N_`` collect
it into the catalog; the template or view translates the value with ``_(label)``
when it is shown, in the reader's language.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Return ``message`` unchanged; marks it for extraction."""
    return message
