"""Shared data for the printing tests: a slip that uses every Vietnamese letter."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest

from counter.domain.printed.form01 import SlipData
from counter.domain.printed.parts import ReceivedDocument

VOWELS = "aăâeêioôơuưy"
#: No mark, then huyền, sắc, hỏi, ngã, nặng as combining marks.
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def vietnamese_letters() -> list[str]:
    """Every vowel with every tone, lower and upper case, and đ Đ: 146 letters, built here
    from combining marks rather than copied from the code under test."""
    lower = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES]
    return [*lower, *(c.upper() for c in lower), "đ", "Đ"]


LETTERS = vietnamese_letters()
LOOKUP_URL = "https://dichvucong.dienbien.gov.vn/tra-cuu?ma=000.20.18.H18-261127-0001"


def make_slip(**changes: object) -> SlipData:
    """A form 01 slip whose fields between them hold every Vietnamese letter."""
    lower = [c for c in LETTERS if c.islower()]
    upper = [c for c in LETTERS if c.isupper()]
    fields: dict[str, object] = dict(
        centre_name="Trung tâm Phục vụ hành chính công xã Mường Phăng",
        governing_body="Ủy ban nhân dân xã Mường Phăng",
        dossier_code="000.20.18.H18-261127-0001",
        applicant_name="Đặng Thị Ngọc Hường",
        procedure_name="Chứng thực bản sao từ bản chính " + " ".join(lower),
        documents=[
            ReceivedDocument("Tờ khai " + " ".join(upper[:36]), "bản chính", 1),
            ReceivedDocument("Giấy tờ " + " ".join(upper[36:]), "bản sao", 2),
        ],
        sets=1,
        received_at=datetime(2026, 11, 27, 3, 5, tzinfo=UTC),
        due_at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
        lookup_url=LOOKUP_URL,
        officer_name="Lò Văn Đức",
        office_phone="0215 3825 999",
        note="Nhận kết quả tại quầy số 2; ưu tiên người cao tuổi.",
    )
    fields.update(changes)
    return SlipData(**fields)  # type: ignore[arg-type]


@pytest.fixture
def slip() -> SlipData:
    return make_slip()
