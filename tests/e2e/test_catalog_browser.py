"""An admin imports a catalog file (preview, then confirm) and finds the new procedure, in Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from counter.extensions import db
from counter.models import User
from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

DATA = Path(__file__).resolve().parent.parent / "data"
NEW_FILE = (
    "ma_tthc;ten_tthc;linh_vuc_ma;linh_vuc;thoi_han;le_phi;thanh_phan_ho_so\n"
    "1.013579;Đăng ký hoạt động tín ngưỡng;TG;Tín ngưỡng, tôn giáo;15 ngày làm việc;"
    "Miễn lệ phí;Văn bản đăng ký (bản chính) x1\n"
).encode()


def admin_ready(server: LiveServer) -> None:
    with server.app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "admin"))
        user.must_change_password = False
        db.session.commit()
        db.session.remove()


def test_import_preview_confirm_then_search(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    admin_ready(live_server)
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, "admin", "admin")
    upload = tmp_path / "qd_55.csv"
    upload.write_bytes(NEW_FILE)

    page.goto(live_server("/thu-tuc/nhap"))
    page.set_input_files("input[name=file]", str(upload))
    page.fill("input[name=decision_number]", "QĐ 55/QĐ-UBND")
    page.fill("input[name=decision_date]", "2025-06-30")
    page.click("button:has-text('Xem trước')")
    page.wait_for_url("**/thu-tuc/nhap/xem-truoc")
    counts = page.locator(".catalog-counts").inner_text()
    assert "1 thủ tục mới" in " ".join(counts.split())
    assert page.locator("text=Đăng ký hoạt động tín ngưỡng").count() == 1

    page.click("button:has-text('Xác nhận nhập')")
    page.wait_for_url("**/thu-tuc/nhap")
    assert "Đã nhập danh mục theo QĐ 55/QĐ-UBND: 1 thủ tục mới, 0 sửa đổi, 0 bãi bỏ." in (
        page.locator(".flash-success").inner_text()
    )
    assert page.locator("table.grid tbody tr").first.inner_text().count("QĐ 55/QĐ-UBND") == 1

    page.goto(live_server("/thu-tuc"))
    page.fill("input[name=q]", "tin nguong")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thu-tuc?q=tin+nguong*")
    rows = page.locator("table.catalog-list tbody tr")
    assert rows.count() == 1
    assert "15 ngày làm việc" in rows.first.inner_text()
    rows.first.locator("a").click()
    page.wait_for_url(re.compile(r"/thu-tuc/\d+$"))
    assert page.locator("h1").inner_text() == "Đăng ký hoạt động tín ngưỡng"
    assert "QĐ 55/QĐ-UBND" in page.locator("main").inner_text()


def test_a_bad_file_shows_its_lines_and_offers_no_confirm(
    page: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    admin_ready(live_server)
    log_in(page, live_server, "admin", "admin")
    upload = tmp_path / "catalog_bad.csv"
    upload.write_bytes((DATA / "catalog_bad.csv").read_bytes())
    page.goto(live_server("/thu-tuc/nhap"))
    page.set_input_files("input[name=file]", str(upload))
    page.fill("input[name=decision_number]", "QĐ 56/QĐ-UBND")
    page.fill("input[name=decision_date]", "2025-06-30")
    page.click("button:has-text('Xem trước')")
    page.wait_for_url("**/thu-tuc/nhap/xem-truoc")
    assert "Chưa lưu gì" in page.locator(".flash-danger").inner_text()
    first = page.locator(".catalog-errors tbody tr").first.inner_text()
    assert first.split()[0] == "3" and "thiếu tên thủ tục" in first
    assert page.locator("button:has-text('Xác nhận nhập')").count() == 0
    page.click("button:has-text('Hủy, tải tệp khác')")
    page.wait_for_url("**/thu-tuc/nhap")
    assert "QĐ 56/QĐ-UBND" not in page.locator("table.grid").inner_text()
