"""Reading the CCCD QR code and checking IDs, tax codes and phone numbers at the counter."""

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.applicant import (
    CCCD_PROVINCES,
    CccdData,
    mask_id,
    mask_name,
    normalize_phone,
    parse_cccd_qr,
    province_of_cccd,
    validate_cccd,
    validate_tax_code,
)
from counter.domain.errors import ValidationError

QR = (
    "011203001234|040123456|Nguyễn Văn An|15031990|Nam|Tổ 5, phường Mường Thanh, Điện Biên|10072021"
)
EXPECTED = CccdData(
    id_number="011203001234",
    old_id="040123456",
    full_name="Nguyễn Văn An",
    date_of_birth=date(1990, 3, 15),
    sex="Nam",
    address="Tổ 5, phường Mường Thanh, Điện Biên",
    issue_date=date(2021, 7, 10),
)


def test_parse_qr() -> None:
    assert parse_cccd_qr(QR) == EXPECTED


@pytest.mark.parametrize(
    "payload",
    [
        QR + "\r\n",
        "  " + QR + "\n",
        "]Q1" + QR,  # symbology prefix some scanners add
        QR + "|extra|fields",
        unicodedata.normalize("NFD", QR),
    ],
)
def test_parse_qr_tolerates_scanner_noise(payload: str) -> None:
    assert parse_cccd_qr(payload) == EXPECTED


def test_parse_qr_without_old_id() -> None:
    data = parse_cccd_qr("001303012345||Trần Thị Bình|01012003|Nữ|Hà Nội|02022022")
    assert data.old_id is None
    assert data.sex == "Nữ"
    assert data.date_of_birth == date(2003, 1, 1)


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("", "12 chữ số"),
        ("hello world", "12 chữ số"),
        ("011203001234|040123456|Nguyễn Văn An|15031990|Nam", "7 trường"),
        ("011203001234|040123456|Nguyễn Văn An|31021990|Nam|Điện Biên|10072021", "ngày sinh"),
        ("011203001234|040123456|Nguyễn Văn An|1503199|Nam|Điện Biên|10072021", "ngày sinh"),
        ("011203001234|040123456|Nguyễn Văn An|15031990|Nam|Điện Biên|2021-07-10", "ngày cấp"),
        ("011203001234|04012|Nguyễn Văn An|15031990|Nam|Điện Biên|10072021", "CMND"),
        ("011203001234|040123456|  |15031990|Nam|Điện Biên|10072021", "họ và tên"),
        ("999203001234|040123456|Nguyễn Văn An|15031990|Nam|Điện Biên|10072021", "mã tỉnh"),
    ],
)
def test_parse_qr_rejects_malformed(payload: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        parse_cccd_qr(payload)
    assert fragment in excinfo.value.message


def test_province_list_is_the_63_official_codes() -> None:
    assert len(CCCD_PROVINCES) == 63
    assert CCCD_PROVINCES["001"] == "Hà Nội"
    assert CCCD_PROVINCES["011"] == "Điện Biên"
    assert CCCD_PROVINCES["096"] == "Cà Mau"
    assert all(len(code) == 3 and "001" <= code <= "096" for code in CCCD_PROVINCES)
    assert "003" not in CCCD_PROVINCES  # gaps are real: codes follow the 1976 province list


def test_validate_cccd() -> None:
    assert validate_cccd("011203001234") == "011203001234"
    assert validate_cccd(" 011 203 001 234 ") == "011203001234"
    assert province_of_cccd("011203001234") == "Điện Biên"


@pytest.mark.parametrize(
    "value", ["", "01120300123", "0112030012345", "01120300123a", "000203001234", "097203001234"]
)
def test_validate_cccd_rejects(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_cccd(value)
    assert excinfo.value.field == "cccd"
    if value:
        assert value not in excinfo.value.message  # personal data stays out of messages


@given(st.sampled_from(sorted(CCCD_PROVINCES)), st.integers(0, 9), st.integers(0, 10**8 - 1))
def test_any_digit_after_a_province_code_is_a_valid_shape(province: str, g: int, rest: int) -> None:
    number = f"{province}{g}{rest:08d}"
    assert validate_cccd(number) == number


def test_tax_code_of_a_known_company() -> None:
    # 0100109106 is Viettel's published tax code: 114 mod 11 = 4, check digit 10 - 4 = 6.
    assert validate_tax_code("0100109106") == "0100109106"
    assert validate_tax_code(" 0100109106-001 ") == "0100109106-001"
    assert validate_tax_code("0100109106001") == "0100109106-001"


def test_personal_id_is_a_tax_code_since_july_2025() -> None:
    assert validate_tax_code("011203001234") == "011203001234"
    with pytest.raises(ValidationError):
        validate_tax_code("011203001234", allow_personal_id=False)


@pytest.mark.parametrize(
    "value",
    [
        "0100109107",  # wrong check digit
        "0100109106-000",  # branch 000 does not exist
        "010010910",
        "01001091066",
        "0100109106-01",
        "01001O9106",
        "",
    ],
)
def test_tax_code_rejects(value: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_tax_code(value)
    assert excinfo.value.field == "tax_code"


@given(st.integers(0, 10**9 - 1))
def test_tax_check_digit(body: int) -> None:
    first_nine = f"{body:09d}"
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    remainder = sum(int(d) * w for d, w in zip(first_nine, weights, strict=True)) % 11
    valid = [str(d) for d in range(10) if remainder and d == 10 - remainder]
    for last in "0123456789":
        if last in valid:
            assert validate_tax_code(first_nine + last) == first_nine + last
        else:
            with pytest.raises(ValidationError):
                validate_tax_code(first_nine + last)


def test_tax_code_with_remainder_zero_is_never_valid() -> None:
    # 000000000 sums to 0: the check digit would be 10, which does not exist.
    for last in "0123456789":
        with pytest.raises(ValidationError):
            validate_tax_code("000000000" + last)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("0912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("0084 912 345 678", "0912345678"),
        (" 0336 123 456\n", "0336123456"),
        ("0215 3825 123", "02153825123"),
        ("(0215) 3825.123", "02153825123"),
        ("+84 215 3825 123", "02153825123"),
        ("842153825123", "02153825123"),
    ],
)
def test_normalize_phone(raw: str, normalized: str) -> None:
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "091234567",  # 9 digits
        "09123456789",  # 11 digits but not a landline
        "0212345678",  # 10 digits starting 02
        "01234567890",  # old 11-digit mobile prefix, retired in 2018
        "0412345678",
        "+1 912 345 678",
        "0912 345 67a",
        "8491234567",
    ],
)
def test_normalize_phone_rejects(raw: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalize_phone(raw)
    assert excinfo.value.field == "phone"
    assert "Số điện thoại" in excinfo.value.message


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Nguyễn Văn An", "Nguyễn V** A*"),
        ("  Trần   Thị Thu  Hà ", "Trần T** T** H*"),
        ("Lê", "Lê"),
        ("Đặng Đức", "Đặng Đ**"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_name_counts_letters_not_code_points() -> None:
    assert mask_name(unicodedata.normalize("NFD", "Nguyễn Văn An")) == "Nguyễn V** A*"


@pytest.mark.parametrize(
    ("value", "masked"),
    [("001203001234", "********1234"), ("040123456", "*****3456"), ("123", "***"), ("", "")],
)
def test_mask_id(value: str, masked: str) -> None:
    assert mask_id(value) == masked
