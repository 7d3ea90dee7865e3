"""fold(): the search key that lets people type without Vietnamese diacritics."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.text import fold

VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
vietnamese_text = st.text(
    alphabet=st.sampled_from(
        VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " \t\n0123456789,.-"
    ),
    max_size=60,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Chứng thực bản sao", "chung thuc ban sao"),
        ("ĐĂNG KÝ KHAI SINH", "dang ky khai sinh"),
        ("Điện Biên", "dien bien"),
        ("  Xác   nhận\ttình trạng\nhôn nhân ", "xac nhan tinh trang hon nhan"),
        ("Thừa Thiên Huế", "thua thien hue"),
        ("", ""),
    ],
)
def test_fold_examples(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_handles_decomposed_input() -> None:
    """Text typed by some IMEs or scanners arrives in NFD; it must fold the same."""
    assert fold(unicodedata.normalize("NFD", "Hộ tịch")) == "ho tich"


@given(vietnamese_text)
def test_fold_of_vietnamese_is_ascii(s: str) -> None:
    assert fold(s).isascii()


@given(st.text(max_size=60))
def test_fold_is_idempotent(s: str) -> None:
    assert fold(fold(s)) == fold(s)


@given(vietnamese_text)
def test_fold_has_no_double_or_edge_spaces(s: str) -> None:
    folded = fold(s)
    assert folded == folded.strip()
    assert "  " not in folded
