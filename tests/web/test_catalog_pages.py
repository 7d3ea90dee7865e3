"""Catalog pages: list and search, detail, admin edit, import with preview, JSON search."""

from __future__ import annotations

import io
from html import unescape
from pathlib import Path
from typing import Any

from flask import Flask

from counter.extensions import db
from counter.models import CatalogImport, Procedure, ProcedureDocument
from counter.services import catalog as svc

DATA = Path(__file__).resolve().parent.parent / "data"


def _proc(code: str) -> Procedure:
    p = svc.get_by_code(code)
    assert p is not None
    return p


def _count(model: Any) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model)) or 0


def _upload(b: Any, filename: str, data: bytes, **fields: str) -> Any:
    form = {
        "file": (io.BytesIO(data), filename),
        "decision_number": "QĐ 1234/QĐ-UBND",
        "decision_date": "2025-06-30",
        **fields,
    }
    return b.submit("/thu-tuc/nhap", form, content_type="multipart/form-data")


# --- list, detail, JSON ------------------------------------------------------


def test_any_staff_role_searches_the_list_without_diacritics(login_as: Any) -> None:
    for user in ("tiepnhan", "chuyenvien", "lanhdao"):
        b = login_as(user)
        html = b.get("/thu-tuc?q=chung+thuc+ban+sao").get_data(as_text=True)
        assert "Chứng thực bản sao từ bản chính" in html
        assert "Đăng ký khai sinh" not in html
        assert "Trong ngày" in html
        assert "2.000 đ/trang" in html
        assert "Nhập danh mục từ tệp" not in html  # admin only


def test_list_filters_by_field_and_shows_limits(login_as: Any) -> None:
    b = login_as("tiepnhan")
    html = b.get("/thu-tuc?linh_vuc=HT").get_data(as_text=True)
    assert "Cấp Giấy xác nhận tình trạng hôn nhân" in html
    assert "3 ngày làm việc" in html
    assert "Chứng thực chữ ký" not in html
    assert "10 thủ tục" in html


def test_detail_shows_documents_fees_and_legal_basis(login_as: Any) -> None:
    b = login_as("chuyenvien")
    p = _proc("1.001193")
    html = b.get(f"/thu-tuc/{p.id}").get_data(as_text=True)
    assert "Tờ khai đăng ký khai sinh" in html
    assert "bản chính" in html
    assert "Miễn lệ phí nếu đăng ký đúng hạn" in html
    assert "Luật Hộ tịch 2014" in html
    assert "Giấy khai sinh" in html
    assert "Trực tuyến toàn trình" in html
    assert "Danh mục mẫu (dùng thử)" in html  # the import it came from
    assert f"/thu-tuc/{p.id}/sua" not in html  # no edit link for non-admins


def test_unknown_procedure_is_a_vietnamese_404(login_as: Any) -> None:
    resp = login_as("tiepnhan").get("/thu-tuc/999999")
    assert resp.status_code == 404
    assert "Không tìm thấy thủ tục." in resp.get_data(as_text=True)


def test_json_search_for_the_reception_screen(login_as: Any) -> None:
    b = login_as("tiepnhan")
    rows = b.get("/thu-tuc/tim?q=khai+sinh").get_json()
    assert rows[0]["code"] == "1.001193"
    assert rows[0]["name"] == "Đăng ký khai sinh"
    assert rows[0]["field"] == "Hộ tịch"
    assert rows[0]["limit_text"] == "Trong ngày"
    assert rows[0]["fee_text"].startswith("Miễn lệ phí")
    assert rows[0]["documents"][0] == {
        "name": "Tờ khai đăng ký khai sinh",
        "kind": "original",
        "kind_text": "bản chính",
        "count": 1,
    }
    assert rows[0]["id"] == _proc("1.001193").id
    copy = b.get("/thu-tuc/tim?q=2.000815").get_json()
    assert [r["code"] for r in copy] == ["2.000815"]
    assert copy[0]["fee_text"].startswith("2.000 đ/trang")
    assert b.get("/thu-tuc/tim?q=khong+co+thu+tuc+nay").get_json() == []
    assert len(b.get("/thu-tuc/tim?q=&limit=3").get_json()) == 3


def test_json_search_needs_sign_in(client: Any) -> None:
    resp = client.get("/thu-tuc/tim?q=khai+sinh")
    assert resp.status_code == 302 and "/dang-nhap" in resp.location


# --- roles -------------------------------------------------------------------


def test_non_admin_cannot_import_or_edit(login_as: Any) -> None:
    p = _proc("1.001193")
    for user in ("tiepnhan", "chuyenvien", "lanhdao"):
        b = login_as(user)
        assert b.get("/thu-tuc/nhap").status_code == 403
        assert b.get(f"/thu-tuc/{p.id}/sua").status_code == 403
        assert b.get("/thu-tuc/moi").status_code == 403
        assert b.get(f"/thu-tuc/{p.id}").status_code == 200
        # a POST with a valid token from a page they may see is still refused
        resp = b.submit(f"/thu-tuc/{p.id}/sua", {"name": "Đổi tên"}, page=f"/thu-tuc/{p.id}")
        assert resp.status_code == 403
        resp = b.submit("/thu-tuc/nhap/xac-nhan", {"digest": "x"}, page=f"/thu-tuc/{p.id}")
        assert resp.status_code == 403
    db.session.expire_all()
    assert _proc("1.001193").name == "Đăng ký khai sinh"


# --- admin edit --------------------------------------------------------------


def _edit_data(b: Any, procedure_id: int) -> dict[str, str]:
    """The edit form's current values, as the browser would send them back."""
    import re

    html = b.get(f"/thu-tuc/{procedure_id}/sua").get_data(as_text=True)
    data: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(
        r'<textarea[^>]*name="(\w+)"[^>]*>\r?\n?(.*?)</textarea>', html, re.S
    ):
        data[name] = value
    for name, body in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body
        )
        data[name] = next(g for g in selected.groups() if g is not None) if selected else ""
    if 'name="active"' in html and re.search(r'name="active"[^>]*checked', html):
        data["active"] = "y"
    data.pop("csrf_token", None)
    import html as htmllib

    return {k: htmllib.unescape(v) for k, v in data.items()}


def test_admin_edits_documents_and_fees(login_as: Any) -> None:
    b = login_as("admin")
    p = _proc("2.000635")
    data = _edit_data(b, p.id)
    assert data["documents"].startswith("Tờ khai cấp bản sao trích lục hộ tịch (bản chính) x1")
    assert data["active"] == "y"
    data["documents"] = "Tờ khai (bản chính) x1\n[UQ] Văn bản ủy quyền (bản sao) x2"
    data["fees"] = "8.000 đ/bản\nMiễn lệ phí cho hộ nghèo"
    resp = b.submit(f"/thu-tuc/{p.id}/sua", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    p = _proc("2.000635")
    assert [(d.code, d.name, d.kind, d.count) for d in p.documents] == [
        (None, "Tờ khai", "original", 1),
        ("UQ", "Văn bản ủy quyền", "copy", 2),
    ]
    assert [(f.amount, f.description) for f in p.fees] == [
        (8000, "đ/bản"),
        (0, "Miễn lệ phí cho hộ nghèo"),
    ]
    html = b.get(resp.location).get_data(as_text=True)
    assert "Đã lưu thủ tục 2.000635." in html
    assert "Sửa thủ tục" in html  # the history row


def test_edit_errors_are_shown_on_their_fields_and_nothing_saved(login_as: Any) -> None:
    b = login_as("admin")
    p = _proc("1.004873")
    data = _edit_data(b, p.id)
    docs_before = _count(ProcedureDocument)
    data.update(name="", limit_amount="ba", documents="Tờ khai thiếu loại bản")
    resp = b.submit(f"/thu-tuc/{p.id}/sua", data)
    assert resp.status_code == 422
    html = unescape(resp.get_data(as_text=True))
    assert "Thiếu tên thủ tục." in html
    assert "'ba' không phải là số." in html
    assert "không đúng dạng" in html
    assert "Tờ khai thiếu loại bản" in html  # what was typed is kept
    db.session.expire_all()
    assert _proc("1.004873").name == "Cấp Giấy xác nhận tình trạng hôn nhân"
    assert _count(ProcedureDocument) == docs_before


def test_admin_abolishes_by_edit_and_reception_no_longer_finds_it(login_as: Any) -> None:
    admin = login_as("admin")
    p = _proc("1.004845")
    data = _edit_data(admin, p.id)
    data.pop("active")
    data["replaced_by"] = "1.004837"
    assert admin.submit(f"/thu-tuc/{p.id}/sua", data).status_code == 302
    reception = login_as("tiepnhan")
    assert reception.get("/thu-tuc/tim?q=cham+dut+giam+ho").get_json() == []
    html = reception.get("/thu-tuc?q=cham+dut+giam+ho").get_data(as_text=True)
    assert "Không có thủ tục nào phù hợp." in html
    html = reception.get("/thu-tuc?q=cham+dut+giam+ho&trang_thai=bai-bo").get_data(as_text=True)
    assert "Đăng ký chấm dứt giám hộ" in html and "Đã bãi bỏ" in html
    html = reception.get(f"/thu-tuc/{p.id}").get_data(as_text=True)
    assert "đã bãi bỏ" in html and "1.004837" in html
    replacement = _proc("1.004837")
    html = reception.get(f"/thu-tuc/{replacement.id}").get_data(as_text=True)
    assert "Thay thế cho" in html and "1.004845" in html


def test_admin_adds_a_procedure(login_as: Any) -> None:
    b = login_as("admin")
    resp = b.submit(
        "/thu-tuc/moi",
        {
            "national_code": "1.005555",
            "name": "Đăng ký khai sinh có yếu tố nước ngoài",
            "field_name": "Hộ tịch",
            "field_code": "HT",
            "limit_amount": "15",
            "limit_unit": "working_days",
            "documents": "Tờ khai (bản chính)",
            "fees": "",
            "active": "y",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    rows = b.get("/thu-tuc/tim?q=khai+sinh+nuoc+ngoai").get_json()
    assert [r["code"] for r in rows] == ["1.005555"]
    assert rows[0]["limit_text"] == "15 ngày làm việc"
    assert rows[0]["fee_text"] == "Không quy định phí, lệ phí"


# --- import ------------------------------------------------------------------


def test_import_preview_then_confirm(app: Flask, login_as: Any) -> None:
    b = login_as("admin")
    imports_before = _count(CatalogImport)
    resp = _upload(b, "catalog_good.csv", (DATA / "catalog_good.csv").read_bytes())
    assert resp.status_code == 302 and resp.location.endswith("/thu-tuc/nhap/xem-truoc")
    # the upload is kept under instance/imports, named by a random token only
    kept = list((Path(app.instance_path) / "imports").iterdir())
    assert len(kept) == 1 and kept[0].suffix == ".csv" and "catalog" not in kept[0].name
    html = b.get(resp.location).get_data(as_text=True)
    assert "QĐ 1234/QĐ-UBND" in html
    assert "<strong>5</strong> sửa đổi" in html
    assert "<strong>1</strong> bãi bỏ" in html
    assert "Thành phần hồ sơ" in html  # what changed
    assert "Xác nhận nhập" in html
    assert _count(CatalogImport) == imports_before  # nothing saved yet

    resp = b.submit(
        "/thu-tuc/nhap/xac-nhan", {"digest": _digest(html)}, page="/thu-tuc/nhap/xem-truoc"
    )
    assert resp.status_code == 302
    html = b.get(resp.location).get_data(as_text=True)
    assert "Đã nhập danh mục theo QĐ 1234/QĐ-UBND: 0 thủ tục mới, 5 sửa đổi, 1 bãi bỏ." in html
    assert _count(CatalogImport) == imports_before + 1
    assert list((Path(app.instance_path) / "imports").iterdir()) == []
    assert not _proc("1.004845").active
    # the kept file is gone: confirming again does nothing
    resp = b.submit("/thu-tuc/nhap/xac-nhan", {"digest": "x"}, page="/thu-tuc/nhap")
    assert resp.status_code == 302 and resp.location.endswith("/thu-tuc/nhap")
    assert _count(CatalogImport) == imports_before + 1


def _digest(html: str) -> str:
    import re

    match = re.search(r'name="digest" value="([0-9a-f]+)"', html)
    assert match
    return match.group(1)


def test_import_of_a_bad_file_lists_lines_and_cannot_be_confirmed(login_as: Any) -> None:
    b = login_as("admin")
    before = (_count(Procedure), _count(ProcedureDocument), _count(CatalogImport))
    resp = _upload(b, "catalog_bad.csv", (DATA / "catalog_bad.csv").read_bytes())
    assert resp.status_code == 302
    html = b.get("/thu-tuc/nhap/xem-truoc").get_data(as_text=True)
    assert "Chưa lưu gì" in html
    assert "<td>3</td><td>Cột ten_tthc: thiếu tên thủ tục.</td>" in html
    assert "Xác nhận nhập" not in html
    # even a hand-made confirm is refused: the file is read again
    resp = b.submit("/thu-tuc/nhap/xac-nhan", {"digest": "x"}, page="/thu-tuc/nhap/xem-truoc")
    assert resp.status_code == 302
    html = b.get(resp.location).get_data(as_text=True)
    assert "chưa lưu gì" in html
    assert (_count(Procedure), _count(ProcedureDocument), _count(CatalogImport)) == before


def test_import_refuses_wrong_type_and_missing_decision(login_as: Any) -> None:
    b = login_as("admin")
    resp = _upload(b, "danh_muc.pdf", b"%PDF-1.4")
    assert resp.status_code == 422
    assert "Chỉ nhận tệp .csv, .xlsx hoặc .json" in resp.get_data(as_text=True)
    resp = _upload(b, "a.csv", (DATA / "catalog_good.csv").read_bytes(), decision_number="")
    assert resp.status_code == 422
    assert "Vui lòng nhập số quyết định công bố" in resp.get_data(as_text=True)
    resp = b.submit(
        "/thu-tuc/nhap",
        {"decision_number": "QĐ 1/QĐ-UBND", "decision_date": "2025-06-30"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert "Vui lòng chọn tệp danh mục." in resp.get_data(as_text=True)


def test_import_cancel_forgets_the_file(app: Flask, login_as: Any) -> None:
    b = login_as("admin")
    _upload(b, "catalog_good.csv", (DATA / "catalog_good.csv").read_bytes())
    assert len(list((Path(app.instance_path) / "imports").iterdir())) == 1
    resp = b.submit("/thu-tuc/nhap/huy", {}, page="/thu-tuc/nhap/xem-truoc")
    assert resp.status_code == 302
    assert list((Path(app.instance_path) / "imports").iterdir()) == []
    resp = b.get("/thu-tuc/nhap/xem-truoc")
    assert resp.status_code == 302 and resp.location.endswith("/thu-tuc/nhap")


def test_past_imports_are_listed_with_decision_numbers(login_as: Any) -> None:
    b = login_as("admin")
    html = b.get("/thu-tuc/nhap").get_data(as_text=True)
    assert "Danh mục mẫu (dùng thử)" in html
    assert "demo_catalog.json" in html


def test_admin_menu_and_navigation_link_to_the_catalog(login_as: Any) -> None:
    html = login_as("admin").get("/quan-tri/").get_data(as_text=True)
    assert 'href="/thu-tuc/nhap"' in html
    html = login_as("tiepnhan").get("/").get_data(as_text=True)
    assert 'href="/thu-tuc"' in html
