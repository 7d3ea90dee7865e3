"""File imports: what a file would import, and the lines it cannot, before anything is saved.

Every import (the calendar's schedule CSV, the procedure catalog) follows one flow:
upload → parse → preview → confirm → apply. Parsing a whole file gives an
:class:`ImportPreview`: the rows it would import and a :class:`RowError` for every
line that cannot be imported, with its line number, so the admin fixes the file in
one go. Nothing is saved while there is one: confirming reads the file again and
applies it all or nothing, or raises :class:`ImportRefused`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, NamedTuple, TypeVar

from counter.domain.errors import ValidationError
from counter.domain.i18n import N_, Message

Row = TypeVar("Row")

#: How many of a refused file's errors its message repeats (the page lists them all).
REFUSAL_ERRORS_SHOWN = 5


class RowError(NamedTuple):
    """A line of an imported file that cannot be imported, and why."""

    #: 1-based, as a spreadsheet numbers it (the header is line 1; in a JSON list, the
    #: item's position); 0 is the file as a whole.
    line: int
    #: What is wrong: a fragment made to follow "Dòng 3: " (the schedule's), or a
    #: sentence of its own (the catalog's "Cột ten_tthc: thiếu tên thủ tục.").
    detail: Message

    @property
    def message(self) -> Message:
        """The error as one sentence: "Dòng 3: …" (the detail alone for the whole file)."""
        if not self.line:
            return self.detail
        return Message(N_("Dòng %(line)s: %(detail)s"), line=self.line, detail=self.detail)

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class ImportPreview(Generic[Row]):
    """A parsed file: the rows it would import and every line it cannot (then none are)."""

    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the file has no error."""
        return not self.errors

    @property
    def can_apply(self) -> bool:
        """Whether confirming would import something."""
        return self.ok and bool(self.rows)


class ImportRefused(ValidationError):
    """An import confirmed while its file has errors: nothing is saved; ``preview`` lists them."""

    def __init__(self, preview: ImportPreview[Any]) -> None:
        super().__init__(
            N_("Tệp có %(n)s dòng lỗi, chưa lưu gì: %(errors)s"),
            field="file",
            n=len(preview.errors),
            errors=[error.message for error in preview.errors[:REFUSAL_ERRORS_SHOWN]],
        )
        self.preview = preview
