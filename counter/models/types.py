"""Column types shared by the models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from counter.domain import clock


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return clock.to_naive_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return clock.from_naive_utc(value)


def column_length(attribute: Any) -> int:
    """The longest text a column holds (``Dossier.applicant_name`` → 200).

    ``String(n)`` gives n; a ``Text`` column gives its ``info["max_length"]``. Forms
    (the maxlength attribute) and services (the Vietnamese message) both read it here.
    """
    column = attribute.property.columns[0]
    length = getattr(column.type, "length", None) or column.info.get("max_length")
    if not length:
        raise ValueError(f"{attribute} has no declared length")
    return int(length)
