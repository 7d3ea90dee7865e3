"""The audit log reads as words an admin understands: status names, field labels, roles."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from counter.domain.clock import now as utcnow
from counter.domain.lifecycle import Status
from tests.conftest import Browser
from tests.services.test_lifecycle_service import make_dossier


def _rows(html: str) -> str:
    """The audit table's text, tags stripped."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_a_status_change_shows_status_names_not_codes(login_as: Any) -> None:
    dossier = make_dossier(Status.RESOLVED, received_at=utcnow() - timedelta(hours=4))
    officer: Browser = login_as("tiepnhan")
    url = f"/ho-so/{dossier.id}"
    resp = officer.submit(
        f"{url}/return_result",
        {"return_result-version": str(dossier.version), "return_result-collected_by": "Lò Văn A"},
        page=url,
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    text = _rows(login_as("admin").get("/quan-tri/nhat-ky").get_data(as_text=True))
    assert "Đã xử lý xong → Đã trả kết quả" in text
    assert "resolved" not in text and "returned" not in text


def test_account_and_office_changes_show_labels_not_field_names(login_as: Any) -> None:
    admin: Browser = login_as("admin")
    resp = admin.submit(
        "/quan-tri/tai-khoan/moi",
        {
            "username": "mai.lt",
            "full_name": "Lò Thị Mai",
            "title": "",
            "roles": ["reception", "specialist"],
            "password": "tam-thoi-123",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    office = admin.get("/quan-tri/don-vi").get_data(as_text=True)
    form = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', office))
    form.pop("csrf_token", None)
    form["phone"] = "0215 3826 999"
    assert admin.submit("/quan-tri/don-vi", form).status_code == 302
    text = _rows(admin.get("/quan-tri/nhat-ky").get_data(as_text=True))
    assert "Số điện thoại:" in text and "0215 3826 999" in text
    assert "Vai trò" in text and "Cán bộ một cửa" in text
    for raw in ("phone:", "roles", "reception", "specialist", "full_name"):
        assert raw not in text, raw
