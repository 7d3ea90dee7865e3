"""Our dossiers and events as the provincial portal's objects (the pre-2026 LGSP field set).

The one place that knows the portal's field names and codes (docs/domain.md,
"The provincial portal"): when the province publishes the field list of
Circular 04/2025, this module is replaced and MAPPING_VERSION raised; nothing
else changes. Texts sent are Vietnamese whatever the screen language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from counter.domain import clock
from counter.domain.lifecycle import Status, step_label
from counter.domain.satisfaction import Level
from counter.models import Dossier, DossierEvent

MAPPING_VERSION = "lgsp-2018.1"

SERVICE_DOSSIER = "DongBoHoSoMC"
SERVICE_PROGRESS = "CapNhatTienDoHoSoMC"
#: The office's dossiers, a page at a time (the pull; the check after a restore).
SERVICE_LIST = "LayDanhSachHoSo"
#: The key each service's items and results carry.
KEY_FIELD = {SERVICE_DOSSIER: "MaHoSo", SERVICE_PROGRESS: "MaTienDo"}

PORTAL_TIME_FORMAT = "%Y%m%d%H%M%S"

#: KenhThucHien: 1 at the counter, 2 online, 3 by post.
CHANNELS = {"counter": 1, "online": 2, "post": 3}
#: LoaiDoiTuong: 1 citizen, 2 business (4 other is not used at a commune counter).
APPLICANT_KINDS = {"person": 1, "organisation": 2}
#: HinhThuc (how the result is handed back): 0 at the counter, 1 by post.
DELIVERY = {"counter": 0, "post": 1}


def portal_time(instant: datetime | None) -> str:
    """``yyyyMMddHHmmss`` in Vietnam time; "" when there is no instant."""
    if instant is None:
        return ""
    return instant.astimezone(clock.VN).strftime(PORTAL_TIME_FORMAT)


def status_code(status: str) -> int:
    """TrangThaiHoSo (1..10) of one of our statuses."""
    return Status(status).portal_code


def satisfaction_text(dossier: Dossier) -> str:
    """The citizen's rating as ThongTinKhac carries it ("" before any rating)."""
    rating = dossier.satisfaction
    if rating is None:
        return ""
    level = Level(rating.level)
    text = f"Đánh giá hài lòng: {level.portal_code} - {level.label}"
    return f"{text}; Lý do: {rating.reason}" if rating.reason else text


def dossier_object(dossier: Dossier) -> dict[str, Any]:
    """The DongBoHoSoMC object of a dossier, as it is now."""
    procedure = dossier.procedure
    fees = []
    if dossier.fee_amount:
        fees.append(
            {
                "TenPhiLePhi": "Phí, lệ phí",
                "MaPhiLePhi": "",
                "HinhThucThu": 1,
                "Gia": dossier.fee_amount,
                "LoaiPhiLePhi": 1,
            }
        )
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": procedure.local_code or procedure.national_code,
        "TenTTHC": procedure.name,
        "MaLinhVuc": procedure.field_code,
        "TenLinhVuc": procedure.field_name,
        "KenhThucHien": CHANNELS.get(dossier.channel, 1),
        "SoBienNhan": dossier.code,
        "ChuHoSo": dossier.applicant_name,
        "SoGiayToChuHoSo": dossier.id_number,
        "LoaiDoiTuong": APPLICANT_KINDS.get(dossier.applicant_kind, 4),
        "MaDoiTuong": "",
        "ThongTinKhac": satisfaction_text(dossier),
        "Email": dossier.email,
        "Fax": "",
        "SoDienThoai": dossier.phone,
        "TrichYeuHoSo": procedure.name,
        "NgayTiepNhan": portal_time(dossier.received_at),
        "NgayHenTra": portal_time(dossier.due_at),
        "TrangThaiHoSo": status_code(dossier.status),
        "NgayTra": portal_time(dossier.returned_at),
        "ThongTinTra": dossier.collected_by,
        "HinhThuc": DELIVERY.get(dossier.result_delivery, 0),
        "NgayKetThucXuLy": portal_time(dossier.resolved_at),
        "DonViXuLy": dossier.processing_unit,
        "GhiChu": dossier.notes,
        "TaiLieuNop": [
            {"TenGiayTo": d.name, "SoLuong": d.count, "LoaiGiayTo": d.kind}
            for d in dossier.documents
        ],
        "DanhSachLePhi": fees,
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
    }


def progress_entry(event: DossierEvent, key: str) -> dict[str, Any]:
    """The CapNhatTienDoHoSoMC entry of one event, under its MaTienDo ``key``."""
    dossier = event.dossier
    content = str(step_label(event.action))
    if event.note:
        content = f"{content}: {event.note}"
    return {
        "MaTienDo": key,
        "MaHoSo": dossier.code,
        # The officer and the unit as they were at the step, not as they are now.
        "NguoiXuLy": event.officer_name or event.username,
        "ChucDanh": event.officer_title,
        "ThoiDiemXuLy": portal_time(event.at),
        "PhongBanXuLy": event.unit or dossier.processing_unit,
        "NoiDungXuLy": content,
        "TrangThai": status_code(event.to_status),
        "NgayBatDau": portal_time(event.at),
        "NgayKetThucTheoQuyDinh": portal_time(event.due_after or dossier.due_at),
    }
