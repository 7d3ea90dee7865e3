"""Every value a request brings, bounded and cleaned at one door (issue 9).

* :class:`IdConverter` replaces ``<int:...>`` app-wide: a number no id can be
  (past 32 bits, PostgreSQL's INTEGER) does not match the route, so it is a 404.
* :class:`TextConverter` and :class:`TextPathConverter` replace the text converters:
  a control character in an address matches no route (a 404).
* :class:`CounterRequest` strips control characters (NUL, ESC, BEL …; tab and
  line breaks stay) from every query argument and form value as the request
  parses them, so every form, CounterForm or not, receives clean text.
* :func:`arg_int` and :func:`to_id` read numbers with bounds; dates have their
  bounds in :func:`counter.domain.dates.parse_day` (1900–2100).
* :func:`json_object` is the one reader of JSON bodies: anything but an object
  is a 400 with a Vietnamese message.
* :func:`safe_next` keeps ``next`` on this site, without line breaks.
"""

from __future__ import annotations

import builtins
import json
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Request, abort, jsonify, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, Map, PathConverter, UnicodeConverter, ValidationError

from counter.web.i18n import gettext as _

#: The largest id: id columns are INTEGER, 32 bits on PostgreSQL (64 on SQLite), so a
#: larger number is no row's id on either; the database is never asked about it.
ID_MAX = 2**31 - 1
_ID_DIGITS = len(str(ID_MAX))

#: C0 controls but tab, LF and CR (textareas keep their lines), DEL, and the C1 range.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INTEGER = re.compile(rf"[+-]?\d{{1,{_ID_DIGITS}}}")


def clean_text(value: str) -> str:
    """``value`` without control characters (a NUL would cut an SQL string, ESC reach a printer)."""
    return _CONTROL.sub("", value)


def _cleaned(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


class CleanMultiDict(ImmutableMultiDict):  # type: ignore[type-arg]
    """The request's argument and form storage: keys and text values cleaned on the way in."""

    def __init__(self, mapping: Any = None) -> None:
        kept = []
        for key, value in MultiDict(mapping).items(multi=True):
            if isinstance(key, str):
                kept.append((clean_text(key), _cleaned(value)))
            elif hasattr(value, "close"):  # a file part without a name belongs to no field
                value.close()
        super().__init__(kept)


class CounterRequest(Request):
    """The app's request: query arguments and form values arrive without control characters."""

    parameter_storage_class = CleanMultiDict


class IdConverter(IntegerConverter):
    """``<int:...>`` for the whole app: at most ID_MAX, so an id too large is a 404, not a 500."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        high = ID_MAX if max is None else builtins.min(max, ID_MAX)
        low = -ID_MAX if min is None else min
        super().__init__(map, fixed_digits, low, high, signed)

    def to_python(self, value: str) -> Any:
        """The number, or no match when it has more digits than any id (int() would refuse)."""
        if len(value.lstrip("-")) > _ID_DIGITS:
            raise ValidationError()
        return super().to_python(value)


class TextConverter(UnicodeConverter):
    """``<name>`` and ``<string:...>`` for the whole app: no control character matches.

    No code, file name or language holds one, and PostgreSQL refuses a NUL in any
    text it is asked about, so ``/tra-cuu/%00`` is a 404 before the database is asked.
    """

    def to_python(self, value: str) -> Any:
        if _CONTROL.search(value):
            raise ValidationError()
        return super().to_python(value)


class TextPathConverter(PathConverter):
    """``<path:...>`` with the same refusal of control characters."""

    def to_python(self, value: str) -> Any:
        if _CONTROL.search(value):
            raise ValidationError()
        return super().to_python(value)


def to_id(value: Any, *, low: int = 1, high: int = ID_MAX) -> int | None:
    """A whole number within ``low``..``high`` from text or JSON, else None (never an error)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if low <= number <= high else None


def arg_int(
    name: str, default: int | None = None, *, low: int = 1, high: int = ID_MAX
) -> int | None:
    """The query argument ``name`` as a whole number within bounds, else ``default``."""
    number = to_id(request.args.get(name, ""), low=low, high=high)
    return default if number is None else number


#: The highest page number a list takes: its offset (page × rows per page) stays a 64-bit number.
PAGE_MAX = 1_000_000


def arg_page() -> int:
    """The ``page`` query argument: 1 when absent, wrong, or beyond PAGE_MAX."""
    return arg_int("page", high=PAGE_MAX) or 1


def json_object() -> dict[str, Any]:
    """The request's JSON body, which must be an object; else a 400 with a Vietnamese message.

    Top-level text values are cleaned like form values. Nesting too deep for the
    parser is refused the same way.
    """
    payload: Any = None
    if request.is_json:
        try:
            payload = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, RecursionError):
            payload = None
    if not isinstance(payload, dict):
        answer = jsonify({"error": _("Dữ liệu gửi lên không đúng dạng (cần một đối tượng JSON).")})
        answer.status_code = 400
        abort(answer)
    return {
        clean_text(str(key)): clean_text(value) if isinstance(value, str) else value
        for key, value in payload.items()
    }


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``.

    Refused: another host (``//host``, ``/\\host``, a scheme), and any control
    character or line break, which a browser drops (``/<tab>/host``) or which
    would break the Location header.
    """
    value = target or ""
    if (
        not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
