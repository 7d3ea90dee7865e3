"""The words of the printed forms, written once for every renderer.

The HTML sheets (templates/printforms, where this module is ``w``) and the thermal
roll layouts read their labels, titles, signature titles and the wording of dates
and time limits from here, so a form never says one thing on A4 and another on the
roll. Printed forms stay in Vietnamese whatever the screen language: they are legal
documents (Circular 03/2025/TT-VPCP, Annex I).

A title holds a line break where a narrow roll breaks it; HTML folds it into a space.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from counter.domain import clock
from counter.domain.codes import form_number
from counter.domain.due import LimitUnit

#: A blank left for the officer to fill in by hand.
DOTS = "……"

# --- letterhead -----------------------------------------------------------------

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
#: The one-stop unit as Decree 118/2025 names it (the 2018 "Bộ phận tiếp nhận và trả kết quả").
ONE_STOP_UNIT = "Bộ phận Một cửa"

# --- titles ---------------------------------------------------------------------

FORM01_TITLE = "GIẤY TIẾP NHẬN HỒ SƠ\nVÀ HẸN TRẢ KẾT QUẢ"
FORM02_TITLE = "PHIẾU YÊU CẦU BỔ SUNG,\nHOÀN THIỆN HỒ SƠ"
FORM03_TITLE = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"
FORM04_TITLE = "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ"
FORM05_TITLE = "ĐƠN ĐỀ NGHỊ DỪNG GIẢI QUYẾT HỒ SƠ"
STOP_NOTICE_TITLE = "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"
FORM06_TITLE = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
LEDGER_TITLE = "SỔ THEO DÕI HỒ SƠ"

# --- labels (printed "Label: value") --------------------------------------------

DOSSIER_CODE = "Mã hồ sơ"
LOOKUP_KEY = "Mã tra cứu"
#: Form 01 names the applicant so; form 02 says whose dossier it is.
RECEIVED_FROM = "Tiếp nhận hồ sơ của Ông (Bà)/Tổ chức"
DOSSIER_OF = "Hồ sơ của"
ID_NUMBER = "Số định danh cá nhân/tổ chức"
PERSONAL_ID = "Số định danh cá nhân"
ADDRESS = "Địa chỉ"
PHONE = "Số điện thoại"
EMAIL = "Email"
BY_PROXY = "Trường hợp nộp hồ sơ theo ủy quyền:"
PROXY = "Người được ủy quyền nộp hồ sơ"
REQUEST = "Nội dung yêu cầu giải quyết"
DOCUMENTS = "Thành phần hồ sơ nộp gồm:"
SETS = "Số lượng hồ sơ"
TIME_LIMIT = "Thời gian giải quyết hồ sơ theo quy định"
RECEIVED_AT = "Thời gian nhận hồ sơ"
DUE_AT = "Thời gian trả kết quả giải quyết hồ sơ"
DELIVERY_AT = "Đăng ký nhận kết quả tại"
DELIVERY = "Đăng ký nhận kết quả"
LEDGER_ENTRY = "Vào Sổ theo dõi hồ sơ"
LEDGER_BOOK = "Quyển số"
LEDGER_SEQ = "Số thứ tự"
NOTE = "Ghi chú"
SCAN_TO_LOOK_UP = "Quét mã để tra cứu tình trạng hồ sơ"
TO_COMPLETE = "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:"
REASON = "Lý do"

# --- signatures -------------------------------------------------------------------

SIGN_NOTE = "(Ký và ghi rõ họ tên)"
SIGN_AND_SEAL_NOTE = "(Ký, ghi rõ họ tên và đóng dấu)"
APPLICANT_SIGNS = "NGƯỜI NỘP HỒ SƠ"
RECEIVER_SIGNS = "NGƯỜI TIẾP NHẬN HỒ SƠ"
GUIDE_SIGNS = "NGƯỜI HƯỚNG DẪN"
HEAD_SIGNS = "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"

# --- on the roll only (the sheet has no room for them in the legal layout) ----------

OFFICE_PHONE = "Điện thoại"
BRING_THIS = "Xin mang theo giấy này khi nhận kết quả."

#: How the citizen collects the result (``Dossier.result_delivery``), as the forms word it.
DELIVERY_LABELS = {
    "counter": f"Tại {ONE_STOP_UNIT}",
    "post": "Qua dịch vụ bưu chính công ích",
    "online": "Trực tuyến",
}


def format_vn_date_line(moment: date | datetime | None) -> str:
    """The dated line of a form: 'ngày 27 tháng 11 năm 2026'; dots to fill in when unknown."""
    if moment is None:
        return f"ngày {DOTS} tháng {DOTS} năm {DOTS}"
    if isinstance(moment, datetime):
        moment = clock.as_local(moment)
    return f"ngày {moment.day:02d} tháng {moment.month:02d} năm {moment.year}"


def format_vn_moment(moment: datetime | None) -> str:
    """A moment as the forms word it: '10 giờ 05 phút, ngày 27 tháng 11 năm 2026'."""
    if moment is None:
        return ""
    t = clock.as_local(moment)
    return f"{t.hour:02d} giờ {t.minute:02d} phút, {format_vn_date_line(t)}"


def dated_line(place_name: str, moment: date | datetime | None) -> str:
    """'Mường Phăng, ngày 27 tháng 11 năm 2026', dots for a place not yet set."""
    return f"{place_name or DOTS}, {format_vn_date_line(moment)}"


def format_time_limit(amount: Decimal | int | None, unit: str) -> str:
    """The legal time limit as printed: '03 ngày làm việc', '08 giờ làm việc', 'Trong ngày'."""
    try:
        kind = LimitUnit(unit)
    except ValueError:
        kind = LimitUnit.WORKING_DAYS
    if kind is LimitUnit.SAME_DAY:
        return "Trong ngày"
    value = Decimal(amount or 0)
    if value == value.to_integral_value():
        number = f"{int(value):02d}"
    else:
        number = format(value.normalize(), "f").replace(".", ",")
    return f"{number} {kind.label}"


def format_sets(count: int) -> str:
    """Form 01's 'Số lượng hồ sơ: 01 (bộ)'."""
    return f"{count:02d} (bộ)"


def delivery_line(delivery: str, centre_name: str) -> tuple[str, str]:
    """Form 01's 'Đăng ký nhận kết quả tại: …' as (label, value): a place, or the way by post.

    At the counter the value is the centre itself; by post or online the label drops
    "tại", so the line never reads "tại: Tại …".
    """
    if delivery == "counter":
        return DELIVERY_AT, centre_name or ONE_STOP_UNIT
    return DELIVERY, DELIVERY_LABELS.get(delivery, delivery)


def number_line(number: str | int | None) -> str:
    """The number line under the centre's name: 'Số: 12/TTPVHCC' (numbers: domain/codes.py)."""
    return f"Số: {form_number(number)}"


def format_count(number: int) -> str:
    """A count as Vietnamese print writes it: '100.000'."""
    return f"{number:,}".replace(",", ".")


def ledger_part(first: int, last: int, total: int) -> str:
    """The ledger's line on a page of a longer period: which of its dossiers this page holds."""
    return (
        f"Hồ sơ thứ {format_count(first)} đến {format_count(last)} "
        f"trong tổng số {format_count(total)} hồ sơ của kỳ."
    )


def ledger_entry(book: str, seq: str) -> str:
    """Form 01's 'Vào Sổ theo dõi hồ sơ, Quyển số: 2026, Số thứ tự: 12', dots where unknown."""
    return f"{LEDGER_ENTRY}, {LEDGER_BOOK}: {book or DOTS}, {LEDGER_SEQ}: {seq or DOTS}"


def guidance(contact: str) -> str:
    """Form 02's closing sentence: whom the citizen asks while completing the dossier."""
    return (
        "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông (Bà)/Tổ chức liên hệ "
        f"{contact} để được hướng dẫn."
    )
