"""Every number the office hands out, as printed; agency e-identifiers.

Dossier codes (mã hồ sơ), ledger numbers, counter notice numbers and the number
line of the printed forms are formatted here, and only here; allocating the
numbers is :mod:`counter.services.numbering`'s job.

A dossier code is ``{agency e-identifier}-{YYMMDD}-{NNNN}``, e.g.
``000.20.18.H18-261127-0001`` (Circular 03/2025/TT-VPCP Art. 13, M-H): the
sequence restarts each day, has at least four digits and grows past four
digits only when it passes 9999. This module only formats and parses.

The ledger (sổ theo dõi hồ sơ, form 07) has one book (quyển số) a year, named by
the year; its numbers (số thứ tự) run through the year. A notice given at the
counter (form 02 or 03) is numbered ``{form}-{YYMMDD}-{NNNN}``, restarting each
day. A queue ticket is its service's letter and three digits, ``A001``, restarting
each day. Every printed form has a number line "Số: …/TTPVHCC".

Agency e-identifier (mã định danh điện tử, Decision 20/2020/QĐ-TTg, amended by
Decision 09/2025/QĐ-TTg) — the rule we accept, documented because the decision
text was not at hand (M):

* groups of 2–3 upper-case letters or digits separated by dots,
  2 to 5 groups in all;
* the last group is the level-1 code, one letter and two digits:
  ``H`` + 2 digits for a province (Điện Biên is ``H18``), ``G`` + 2 digits for
  a central body; any letter is accepted so new prefixes do not lock us out.

The canonical shape is ``ddd.dd.dd.Ldd`` (``000.20.18.H18``,
``000.00.00.H41``); the looser rule also takes real short forms such as
``18.H18``. An identifier never contains ``-``, which keeps dossier codes
unambiguous to split. Input is upper-cased and stripped.
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import NamedTuple

from counter.domain.errors import ValidationError
from counter.domain.i18n import N_

AGENCY_ID_RE = re.compile(r"^(?:[0-9A-Z]{2,3}\.){1,4}[A-Z]\d{2}$")
_SEQ_RE = re.compile(r"^(?:\d{4}|[1-9]\d{4,})$")
_DAY_RE = re.compile(r"^\d{6}$")
#: The number line of every printed form reads "Số: <number>/TTPVHCC" (Circular 03/2025).
FORM_NUMBER_SUFFIX = "TTPVHCC"
#: Printed where a form has no number, for the officer to write one by hand.
NO_NUMBER = "……"


class DossierCode(NamedTuple):
    """The three parts of a dossier code."""

    agency_id: str
    day: date
    seq: int


def validate_agency_identifier(s: str) -> str:
    """Return the identifier normalised (stripped, upper-case) or raise ValidationError."""
    value = (s or "").strip().upper()
    if not AGENCY_ID_RE.match(value):
        raise ValidationError(
            N_(
                "Mã định danh cơ quan '%(value)s' không hợp lệ. Mã có dạng như 000.20.18.H18: "
                "các nhóm 2–3 chữ hoặc số cách nhau bằng dấu chấm, nhóm cuối là một chữ cái "
                "và hai chữ số (mã tỉnh, ví dụ H18)."
            ),
            field="agency_id",
            value=s,
        )
    return value


def format_dossier_code(agency_id: str, day: date, seq: int) -> str:
    """Build the printed dossier code; the sequence is zero-padded to 4 digits."""
    agency = validate_agency_identifier(agency_id)
    if not 2000 <= day.year <= 2099:
        raise ValidationError(N_("Năm của mã hồ sơ phải từ 2000 đến 2099."), field="day")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValidationError(N_("Số thứ tự hồ sơ phải là số nguyên từ 1 trở lên."), field="seq")
    return f"{agency}-{day:%y%m%d}-{format_dossier_seq(seq)}"


def format_dossier_seq(seq: int) -> str:
    """The sequence part of a dossier code: four digits at least (``0007``, ``12345``)."""
    return f"{seq:04d}"


def ledger_book(day: date) -> str:
    """The ledger book (quyển số) of a dossier received on ``day``: one book a year."""
    return str(day.year)


def ledger_book_start(day: date) -> date:
    """The first day of ``day``'s ledger book, where its numbers (số thứ tự) start from 1."""
    return date(day.year, 1, 1)


def format_ledger_seq(seq: int | None) -> str:
    """A ledger number (số thứ tự) as printed; blank for a dossier never entered."""
    return str(seq) if seq else ""


def format_notice_number(form_no: str, day: date, seq: int) -> str:
    """The number of a form 02 or 03 given at the counter: ``02-YYMMDD-NNNN``."""
    return f"{form_no}-{day:%y%m%d}-{seq:04d}"


def format_ticket_code(letter: str, seq: int) -> str:
    """A queue ticket's number as printed and called: the service letter and at least
    three digits (``A001``, ``B100``; ``A1000`` past 999), restarting each day."""
    return f"{letter}{seq:03d}"


def form_number(number: str | int | None) -> str:
    """A printed form's number with its suffix, ``12/TTPVHCC``; dots to fill in by hand."""
    return f"{number or NO_NUMBER}/{FORM_NUMBER_SUFFIX}"


def parse_dossier_code(code: str) -> DossierCode:
    """Split a dossier code typed or scanned at the counter; raise ValidationError if malformed."""
    value = (code or "").strip().upper()
    parts = value.rsplit("-", 2)
    invalid = ValidationError(
        N_(
            "Mã hồ sơ '%(code)s' không đúng dạng [mã cơ quan]-[YYMMDD]-[số thứ tự], "
            "ví dụ 000.20.18.H18-261127-0001."
        ),
        field="code",
        code=code,
    )
    if len(parts) != 3:
        raise invalid
    agency_part, day_part, seq_part = parts
    if not _DAY_RE.match(day_part) or not _SEQ_RE.match(seq_part):
        raise invalid
    agency = validate_agency_identifier(agency_part)
    try:
        day = date(2000 + int(day_part[:2]), int(day_part[2:4]), int(day_part[4:]))
    except ValueError:
        raise ValidationError(
            N_("Ngày trong mã hồ sơ '%(code)s' không tồn tại."), field="code", code=code
        ) from None
    seq = int(seq_part)
    if seq < 1:
        raise invalid
    return DossierCode(agency, day, seq)


#: The look-up key printed on the slip: no 0/O or 1/I, so it reads back as printed.
LOOKUP_KEY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#: 32**6 ≈ 10⁹ keys per dossier: with the look-up rate limit, guessing is hopeless.
LOOKUP_KEY_LENGTH = 6


def new_lookup_key() -> str:
    """A random key for a dossier's public look-up (mã tra cứu), from a secure source."""
    return "".join(secrets.choice(LOOKUP_KEY_ALPHABET) for _ in range(LOOKUP_KEY_LENGTH))


def normalize_lookup_key(typed: str) -> str:
    """A key as a citizen types it: any case, spaces or dashes between groups."""
    return re.sub(r"[\s\-.]", "", typed or "").upper()[: LOOKUP_KEY_LENGTH * 2]
