"""The office profile (thông tin đơn vị)."""

from __future__ import annotations

import re
from datetime import time

from counter.domain.codes import validate_agency_identifier
from counter.domain.errors import NotAllowed, ValidationError
from counter.domain.i18n import N_
from counter.extensions import db
from counter.models import Office
from counter.services import Actor, audit, setup_cache, transaction

PUBLIC_URL_RE = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
DEFAULT_OFFICE = {
    "name": "Trung tâm Phục vụ hành chính công xã",
    "governing_body": "UBND xã",
    "agency_id": "000.00.00.H00",
}
#: How «Tiếp nhận và in giấy hẹn» prints the slip right after the dossier is saved.
PRINT_MODES: dict[str, str] = {
    "auto": N_("Tự động: máy in nhiệt nếu đã cài đặt, nếu không thì hộp thoại in khổ A4"),
    "thermal": N_("Máy in nhiệt của quầy"),
    "a4": N_("Hộp thoại in của trình duyệt, khổ A4"),
    "a5": N_("Hộp thoại in của trình duyệt, khổ A5"),
    "80mm": N_("Hộp thoại in của trình duyệt, giấy cuộn 80 mm"),
    "off": N_("Không in ngay, chỉ mở giấy hẹn"),
}
PROFILE_FIELDS = (
    "name",
    "governing_body",
    "agency_id",
    "place_name",
    "address",
    "phone",
    "public_url",
    "print_on_receive",
    "morning_open",
    "morning_close",
    "afternoon_open",
    "afternoon_close",
    "same_day_cutoff",
)


def get_office() -> Office:
    """The office row; ``init`` always creates it."""
    office = db.session.get(Office, 1)
    if office is None:
        office = Office(id=1, **DEFAULT_OFFICE)
    return office


def agency_id() -> str:
    """The office's agency code (the first part of every dossier code), from this
    process's copy of the setup (:mod:`counter.services.setup_cache`)."""
    return setup_cache.cached("office_agency_id", lambda: get_office().agency_id)


def ensure_office(**values: object) -> Office:
    """Create the office row if the database has none (part of init)."""
    office = db.session.get(Office, 1)
    if office is None:
        office = Office(id=1, **{**DEFAULT_OFFICE, **values})
        db.session.add(office)
    return office


def update_office(actor: Actor, **values: object) -> Office:
    """An admin edits the office profile; hours must be in order."""
    if not actor.is_admin:
        raise NotAllowed(N_("Chỉ quản trị viên được sửa thông tin đơn vị."))
    for name in ("name", "governing_body", "agency_id"):
        if not str(values.get(name) or "").strip():
            raise ValidationError(N_("Trường này là bắt buộc."), field=name)
    values["agency_id"] = validate_agency_identifier(str(values["agency_id"]))
    values["public_url"] = check_public_url(str(values.get("public_url") or ""))
    if values.get("print_on_receive") is not None and values["print_on_receive"] not in PRINT_MODES:
        raise ValidationError(
            N_("Chọn cách in giấy hẹn khi tiếp nhận trong danh sách."), field="print_on_receive"
        )
    check_hours(
        *(
            values[k]
            for k in ("morning_open", "morning_close", "afternoon_open", "afternoon_close")
        ),
        values["same_day_cutoff"],  # type: ignore[arg-type]
    )
    office = db.session.get(Office, 1) or ensure_office()
    changes = []
    for name in PROFILE_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is not None and getattr(office, name) != value:
            changes.append(f"{name}: {getattr(office, name)} → {value}")
            setattr(office, name, value)
    with transaction():
        if changes:
            audit.record(actor, "office_updated", office.agency_id, "; ".join(changes))
    return office


def check_public_url(value: str) -> str:
    """Empty, or an http(s) address without spaces: the base of the slip's look-up link."""
    value = value.strip().rstrip("/")
    if value and not PUBLIC_URL_RE.match(value):
        raise ValidationError(
            N_(
                "Địa chỉ tra cứu phải bắt đầu bằng http:// hoặc https://, không có dấu cách, "
                "ví dụ http://192.168.1.10:8080."
            ),
            field="public_url",
        )
    return value


def check_hours(*times: object) -> None:
    """Morning open < close <= afternoon open < close; the cutoff falls within the day."""
    mo, mc, ao, ac, cutoff = times
    if not all(isinstance(t, time) for t in times):
        raise ValidationError(
            N_("Giờ làm việc không hợp lệ (định dạng HH:MM)."), field="morning_open"
        )
    if not (mo < mc <= ao < ac):  # type: ignore[operator]
        raise ValidationError(
            N_(
                "Giờ làm việc phải theo thứ tự: mở cửa sáng < đóng cửa sáng ≤ mở cửa chiều "
                "< đóng cửa chiều."
            ),
            field="morning_open",
        )
    if not (mo <= cutoff <= ac):  # type: ignore[operator]
        raise ValidationError(
            N_("Giờ chốt nhận trong ngày phải nằm trong giờ làm việc."), field="same_day_cutoff"
        )
