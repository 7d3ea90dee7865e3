"""Applicant data taken at the counter: the chip CCCD QR code and ID/tax/phone checks.

The messages never repeat an ID or tax number: error texts may end up in logs,
and a citizen ID is personal data (Law 91/2025/QH15).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from counter.domain.errors import ValidationError
from counter.domain.i18n import N_

#: First three digits of a 12-digit personal ID: the province of birth
#: registration (Circular 07/2016/TT-BCA, Circular 59/2021/TT-BCA). These are
#: the 63 pre-2025 provinces; cards already issued keep them after the 2025
#: merger.
CCCD_PROVINCES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_TAX_RE = re.compile(r"^(\d{10})(?:-?(\d{3}))?$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE_RE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE_RE = re.compile(r"^02\d{9}$")
# A scanner may prepend a symbology prefix or stray keys; the payload starts at
# the first 12-digit number followed by the field separator.
_QR_START = re.compile(r"\d{12}\|")


@dataclass(frozen=True)
class CccdData:
    """What the chip CCCD's QR code tells us about its holder."""

    id_number: str
    old_id: str | None
    full_name: str
    date_of_birth: date
    sex: str
    address: str
    issue_date: date


def _clean_text(s: str) -> str:
    # Keyboard-wedge scanners and some IMEs type decomposed (NFD) Vietnamese.
    return " ".join(unicodedata.normalize("NFC", s).split())


def _qr_date(value: str, what: str) -> date:
    value = value.strip()
    if not re.fullmatch(r"\d{8}", value):
        raise ValidationError(
            N_("Mã QR CCCD: %(what)s phải có dạng ngàythángnăm (ddmmyyyy)."), what=what
        )
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise ValidationError(
            N_("Mã QR CCCD: %(what)s không phải ngày có thật."), what=what
        ) from None


def parse_cccd_qr(payload: str) -> CccdData:
    """Read ``ID|old ID|name|dob|sex|address|issue date`` as typed by a USB QR scanner.

    Surrounding whitespace, a scanner prefix and extra trailing fields are
    tolerated; anything else raises ValidationError.
    """
    start = _QR_START.search(payload or "")
    if start is None:
        raise ValidationError(
            N_(
                "Không đọc được mã QR CCCD: không thấy số định danh 12 chữ số ở đầu dữ liệu. "
                "Hãy quét lại mã QR ở mặt trước thẻ."
            )
        )
    fields = payload[start.start() :].strip().split("|")
    if len(fields) < 7:
        raise ValidationError(
            N_("Không đọc được mã QR CCCD: thiếu thông tin (cần ít nhất 7 trường). Hãy quét lại.")
        )
    id_number = validate_cccd(fields[0])
    old_id = fields[1].strip() or None
    if old_id is not None and not re.fullmatch(r"\d{9}|\d{12}", old_id):
        raise ValidationError(N_("Mã QR CCCD: số CMND cũ phải có 9 hoặc 12 chữ số."))
    full_name = _clean_text(fields[2])
    if not full_name:
        raise ValidationError(N_("Mã QR CCCD: thiếu họ và tên."))
    return CccdData(
        id_number=id_number,
        old_id=old_id,
        full_name=full_name,
        date_of_birth=_qr_date(fields[3], N_("ngày sinh")),
        sex=_clean_text(fields[4]),
        address=_clean_text(fields[5]),
        issue_date=_qr_date(fields[6], N_("ngày cấp")),
    )


def validate_cccd(s: str) -> str:
    """Return the 12-digit personal ID (spaces removed) or raise ValidationError.

    Checks the shape and the province code; the 4th digit (sex and century of
    birth) may be any digit, so it is not checked.
    """
    value = re.sub(r"\s", "", s or "")
    if not re.fullmatch(r"\d{12}", value):
        raise ValidationError(
            N_("Số định danh cá nhân (CCCD) phải gồm đúng 12 chữ số."), field="cccd"
        )
    if value[:3] not in CCCD_PROVINCES:
        raise ValidationError(
            N_("Số định danh cá nhân (CCCD) không hợp lệ: ba chữ số đầu không phải mã tỉnh."),
            field="cccd",
        )
    return value


def province_of_cccd(s: str) -> str:
    """The province where the holder's birth was registered, e.g. 'Điện Biên' for 011…."""
    return CCCD_PROVINCES[validate_cccd(s)[:3]]


def _tax_check_digit(first_nine: str) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(first_nine, _TAX_WEIGHTS, strict=True)) % 11
    # A remainder of 0 would need check digit 10: no such code is issued.
    return None if remainder == 0 else 10 - remainder


def validate_tax_code(s: str, *, allow_personal_id: bool = True) -> str:
    """Return the tax code normalised (``NNNNNNNNNN`` or ``NNNNNNNNNN-NNN``) or raise.

    The 10th digit is the Vietnamese MST check digit: weights 31, 29, 23, 19, 17,
    13, 7, 5, 3 on the first nine, check = 10 − (sum mod 11) (M-H: the published
    formula, confirmed on the known code 0100109106). Since 1/7/2025 an
    individual's or household business's tax code is their 12-digit personal ID
    (Circular 86/2024/TT-BTC), accepted unless ``allow_personal_id`` is False.
    """
    value = re.sub(r"\s", "", s or "")
    if allow_personal_id and re.fullmatch(r"\d{12}", value):
        return validate_cccd(value)
    match = _TAX_RE.match(value)
    if match is None:
        raise ValidationError(
            N_(
                "Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số "
                "của đơn vị phụ thuộc (ví dụ 0100109106-001)."
            ),
            field="tax_code",
        )
    main, branch = match.groups()
    if _tax_check_digit(main[:9]) != int(main[9]):
        raise ValidationError(
            N_(
                "Mã số thuế không hợp lệ: chữ số kiểm tra không khớp. Hãy kiểm tra lại từng chữ số."
            ),
            field="tax_code",
        )
    if branch is None:
        return main
    if branch == "000":
        raise ValidationError(
            N_("Mã số thuế không hợp lệ: số thứ tự đơn vị phụ thuộc phải từ 001."), field="tax_code"
        )
    return f"{main}-{branch}"


def normalize_phone(s: str) -> str:
    """Return a Vietnamese phone number as 10 (mobile) or 11 (landline) digits from 0.

    Accepts spaces, dots, dashes, parentheses and the +84 / 84 / 0084 prefixes.
    """
    raw = s or ""
    value = _PHONE_SEPARATORS.sub("", raw)
    for prefix in ("+84", "0084"):
        if value.startswith(prefix):
            # "+84 (0) 912…" is written too: drop the trunk 0 after the country code.
            value = "0" + value[len(prefix) :].removeprefix("0")
            break
    else:
        if value.startswith("84") and len(value) in (11, 12):
            value = "0" + value[2:]
    if _MOBILE_RE.match(value) or _LANDLINE_RE.match(value):
        return value
    raise ValidationError(
        N_(
            "Số điện thoại '%(phone)s' không hợp lệ: số di động gồm 10 chữ số "
            "(ví dụ 0912 345 678), số cố định gồm 11 chữ số bắt đầu bằng 02 "
            "(ví dụ 0215 3825 123)."
        ),
        field="phone",
        phone=raw.strip(),
    )


def mask_name(full_name: str) -> str:
    """Keep the family name, shorten the rest to initials: 'Nguyễn V** A*' for public pages."""
    words = _clean_text(full_name).split()
    if not words:
        return ""
    return " ".join([words[0], *(w[0] + "*" * (len(w) - 1) for w in words[1:])])


def mask_id(id_number: str, visible: int = 4) -> str:
    """Hide all but the last ``visible`` characters of an ID: '********1234'."""
    value = (id_number or "").strip()
    if len(value) <= visible:
        return "*" * len(value)
    return "*" * (len(value) - visible) + value[-visible:]
