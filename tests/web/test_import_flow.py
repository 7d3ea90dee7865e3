"""The two file imports share one flow: upload → preview with line errors → confirm, all or nothing.

A refused confirm says why with the same line errors the preview showed (the
service's refusal carries them); the limits of a file are the service's, not the page's.
"""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from counter.domain.errors import ValidationError
from counter.domain.imports import ImportRefused
from counter.extensions import db
from counter.models import CalendarEntry, CatalogImport
from counter.services import Actor
from counter.services import calendar as calendar_service
from counter.services import catalog as catalog_service
from tests.web.test_calendar_pages import BAD_2027

DATA = Path(__file__).resolve().parent.parent / "data"
ADMIN = Actor(user_id=None, username="admin", roles=frozenset({"admin"}))
DECISION_DATE = date(2025, 6, 30)


def text_of(response: Any) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_a_schedule_refused_at_confirm_lists_its_lines_again(app: Flask, login_as: Any) -> None:
    admin = login_as("admin")
    before = db.session.scalar(db.select(db.func.count(CalendarEntry.id)))
    response = admin.submit(
        "/quan-tri/lich-nghi/nhap/xac-nhan", {"content": BAD_2027}, page="/quan-tri/lich-nghi/nhap"
    )
    assert response.status_code == 422
    text = text_of(response)
    assert "Tệp có 4 dòng lỗi — chưa lưu gì" in text
    assert "Dòng 3: ngày kết thúc 05/02/2027 trước ngày bắt đầu 10/02/2027" in text
    assert 'name="content"' not in response.get_data(as_text=True)  # nothing to confirm
    assert db.session.scalar(db.select(db.func.count(CalendarEntry.id))) == before


def test_both_services_refuse_a_bad_file_with_its_line_errors(app: Flask) -> None:
    with pytest.raises(ImportRefused) as schedule:
        calendar_service.import_schedule(ADMIN, BAD_2027)
    assert [error.line for error in schedule.value.preview.errors] == [3, 4, 5, 6]
    assert schedule.value.field == "file"

    data = (DATA / "catalog_bad.csv").read_bytes()
    with pytest.raises(ImportRefused) as catalog:
        catalog_service.apply_import(ADMIN, "catalog_bad.csv", data, "QĐ 1/QĐ-UBND", DECISION_DATE)
    expected = catalog_service.preview_import("catalog_bad.csv", data).errors
    assert catalog.value.preview.errors == expected
    assert str(catalog.value).startswith(f"Tệp có {len(expected)} dòng lỗi, chưa lưu gì")


def test_a_schedule_too_big_is_refused_by_the_service_on_the_file_field(app: Flask) -> None:
    limit = calendar_service.SCHEDULE_MAX_BYTES
    assert calendar_service.decode_upload(b"first_date\n" + b"x" * (limit - 11)) is not None
    with pytest.raises(ValidationError) as caught:
        calendar_service.decode_upload(b"x" * (limit + 1))
    assert caught.value.field == "file"
    assert "Tệp quá lớn cho một lịch nghỉ (tối đa 256 KB" in str(caught.value)


def test_a_catalog_confirm_after_someone_changed_the_catalog_goes_back_to_the_preview(
    app: Flask, login_as: Any
) -> None:
    admin = login_as("admin")
    good = (DATA / "catalog_good.csv").read_bytes()
    form = {
        "file": (io.BytesIO(good), "catalog_good.csv"),
        "decision_number": "QĐ 1234/QĐ-UBND",
        "decision_date": "2025-06-30",
    }
    assert (
        admin.submit("/thu-tuc/nhap", form, content_type="multipart/form-data").status_code == 302
    )
    html = admin.get("/thu-tuc/nhap/xem-truoc").get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)  # type: ignore[union-attr]
    imports = db.session.scalar(db.select(db.func.count(CatalogImport.id)))
    # Meanwhile another admin applies the same file.
    catalog_service.apply_import(ADMIN, "catalog_good.csv", good, "QĐ 99/QĐ-UBND", DECISION_DATE)

    response = admin.submit(
        "/thu-tuc/nhap/xac-nhan", {"digest": digest}, page="/thu-tuc/nhap/xem-truoc"
    )
    assert response.status_code == 302 and response.location.endswith("/thu-tuc/nhap/xem-truoc")
    page = admin.get(response.location).get_data(as_text=True)
    warning = re.search(r'class="flash flash-warning"[^>]*>([^<]*)<', page)
    assert warning and "Danh mục đã thay đổi từ lúc xem trước" in warning.group(1)
    assert db.session.scalar(db.select(db.func.count(CatalogImport.id))) == imports + 1
