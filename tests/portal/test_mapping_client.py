"""The mapping to the portal's objects and the strict reading of its replies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from counter.extensions import db
from counter.models import Dossier, DossierEvent
from counter.models.portal import KIND_PROGRESS, OutboxItem
from counter.portal import mapping
from counter.portal.client import Transient, classify
from tests.portal.helpers import bulk_dossiers

DOSSIER_FIELDS = [
    "MaHoSo",
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "TenLinhVuc",
    "KenhThucHien",
    "SoBienNhan",
    "ChuHoSo",
    "SoGiayToChuHoSo",
    "LoaiDoiTuong",
    "MaDoiTuong",
    "ThongTinKhac",
    "Email",
    "Fax",
    "SoDienThoai",
    "TrichYeuHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "TrangThaiHoSo",
    "NgayTra",
    "ThongTinTra",
    "HinhThuc",
    "NgayKetThucXuLy",
    "DonViXuLy",
    "GhiChu",
    "TaiLieuNop",
    "DanhSachLePhi",
    "DanhSachTepDinhKemKhac",
    "DanhSachHoSoBoSung",
    "DanhSachGiayToKetQua",
]
PROGRESS_FIELDS = [
    "MaTienDo",
    "MaHoSo",
    "NguoiXuLy",
    "ChucDanh",
    "ThoiDiemXuLy",
    "PhongBanXuLy",
    "NoiDungXuLy",
    "TrangThai",
    "NgayBatDau",
    "NgayKetThucTheoQuyDinh",
]


def test_portal_time_is_vietnam_wall_clock() -> None:
    assert mapping.portal_time(datetime(2026, 12, 31, 17, 30, 5, tzinfo=UTC)) == "20270101003005"
    assert mapping.portal_time(None) == ""


def test_status_codes_are_the_national_portals() -> None:
    assert [
        mapping.status_code(s)
        for s in [
            "submitted",
            "received",
            "refused",
            "in_progress",
            "supplement_requested",
            "awaiting_payment",
            "withdrawn",
            "stopped",
            "resolved",
            "returned",
        ]
    ] == list(range(1, 11))


def test_a_dossier_and_its_event_as_the_portal_reads_them(app: Flask) -> None:
    [dossier_id] = bulk_dossiers(1, prefix="MP")
    dossier = db.session.get(Dossier, dossier_id)
    obj = mapping.dossier_object(dossier)
    assert list(obj) == DOSSIER_FIELDS
    assert obj["MaHoSo"] == "MP-000000"
    assert (obj["KenhThucHien"], obj["LoaiDoiTuong"], obj["HinhThuc"]) == (1, 1, 0)
    assert (obj["TrangThaiHoSo"], obj["NgayTiepNhan"]) == (2, "20261116090000")
    event = db.session.scalar(select(DossierEvent).where(DossierEvent.dossier_id == dossier_id))
    item = db.session.scalar(
        select(OutboxItem).where(OutboxItem.event_id == event.id, OutboxItem.kind == KIND_PROGRESS)
    )
    entry = mapping.progress_entry(event, item.progress_key)
    assert list(entry) == PROGRESS_FIELDS
    assert (entry["MaTienDo"], entry["TrangThai"]) == (item.progress_key, 2)
    assert entry["NoiDungXuLy"] == "Tiếp nhận"


def ok(*keys: str, code: str = "0") -> dict:
    return {"error_code": "0", "results": [{"MaHoSo": k, "error_code": code} for k in keys]}


def test_only_an_items_own_zero_delivers_it() -> None:
    out = classify(ok("A", "B"), mapping.SERVICE_DOSSIER, ["A", "B", "C"])
    assert out.delivered == {"A", "B"} and out.unconfirmed == {"C"}
    out = classify(ok("A", code="3"), mapping.SERVICE_DOSSIER, ["A"])
    assert out.rejected == {"A": ("3", "")} and not out.delivered
    both = {"error_code": "0", "results": ok("A")["results"] + ok("A", code="2")["results"]}
    assert classify(both, mapping.SERVICE_DOSSIER, ["A"]).unconfirmed == {"A"}
    # A progress reply names MaTienDo; results naming MaHoSo are not its shape.
    with pytest.raises(Transient):
        classify(ok("T1"), mapping.SERVICE_PROGRESS, ["T1"])


@pytest.mark.parametrize(
    "reply",
    [
        None,
        [],
        {"error_code": "500"},
        {"error_code": 0, "results": []},
        {"error_code": "0"},
        {"error_code": "0", "results": {}},
        {"error_code": "0", "results": ["A"]},
        {"error_code": "0", "results": [{"MaHoSo": "A", "error_code": 0}]},
    ],
)
def test_anything_else_fails_the_whole_batch(reply: object) -> None:
    with pytest.raises(Transient):
        classify(reply, mapping.SERVICE_DOSSIER, ["A"])
