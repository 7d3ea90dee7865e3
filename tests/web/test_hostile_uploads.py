"""Uploads through the pages, as an officer sends them (issue 9).

The reception's scans: two 12 MB scans are received (the CSRF check used to read
the body under a 20 MB app-wide limit and answer a bare 413, losing the form);
past the per-file or per-reception budget the form comes back with everything
typed and a Vietnamese message naming the file; a body past even the app-wide
limit gets a page that says what to do. Catalog and calendar imports refuse
hostile files with a message on the page.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import stream_encode_multipart

from counter import create_app
from counter.extensions import db
from counter.models import Attachment, Dossier, Procedure
from tests.conftest import Browser, csrf_from
from tests.web.test_reception_pages import certify, form_data, mine  # noqa: F401 (fixture)

MB = 1024 * 1024


def _scan(mb: float) -> bytes:
    return b"%PDF-1.4\n" + b"0" * int(mb * MB)


@pytest.fixture
def officer(login_as: Any) -> Browser:
    return login_as("tiepnhan")


def post_multipart(client: Any, url: str, fields: list[tuple[str, Any]]) -> Any:
    """POST a multipart body built in memory, as a browser sends it.

    (The test client would spool a large body to a temporary file it never closes.)
    """
    values = MultiDict(
        (name, FileStorage(io.BytesIO(v[0]), filename=v[1]) if isinstance(v, tuple) else v)
        for name, v in fields
    )
    stream, _length, boundary = stream_encode_multipart(values, use_tempfile=False)
    return client.post(
        url, data=stream.read(), content_type=f"multipart/form-data; boundary={boundary}"
    )


def _receive(officer: Browser, procedure: Procedure, files: dict[str, tuple[bytes, str]]) -> Any:
    page = officer.get("/tiep-nhan/").get_data(as_text=True)
    data = form_data(procedure, address="Bản Che Căn, xã Mường Phăng", phone="0912345678")
    data["csrf_token"] = csrf_from(page)
    return post_multipart(officer.client, "/tiep-nhan/", [*data.items(), *files.items()])


def test_two_scans_of_12_mb_are_received(
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    resp = _receive(
        officer,
        certify,
        {"documents-0-files": (_scan(12), "to-khai.pdf"), "attachments": (_scan(12), "cccd.pdf")},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    [dossier] = mine()
    sizes = db.session.scalars(
        db.select(Attachment.size).where(Attachment.dossier_id == dossier.id)
    ).all()
    assert sorted(sizes) == [len(_scan(12))] * 2


def _kept_everything(html: str) -> None:
    for typed in ("Lò Văn Bình", "011090001234", "05/09/1990", "Bản Che Căn, xã Mường Phăng"):
        assert typed in html, typed
    assert "0912345678" in html


def test_scans_past_the_reception_total_come_back_with_everything_typed(
    app: Flask,
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    app.config["UPLOAD_TOTAL_MB"] = 20
    resp = _receive(
        officer,
        certify,
        {"documents-0-files": (_scan(12), "to-khai.pdf"), "attachments": (_scan(12), "cccd.pdf")},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    _kept_everything(html)
    assert "cccd.pdf" in html and "tối đa 20 MB" in html
    assert "chưa được lưu" in html  # the files must be chosen again
    assert mine() == []


def test_a_scan_past_the_per_file_limit_comes_back_with_everything_typed(
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    resp = _receive(officer, certify, {"documents-1-files": (_scan(21), "ban-sao.pdf")})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    _kept_everything(html)
    assert "ban-sao.pdf" in html and "mỗi tệp tối đa 20 MB" in html
    assert mine() == []


def test_a_body_past_even_the_app_limit_gets_a_page_that_says_what_to_do(
    app: Flask,
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2 * MB
    resp = _receive(officer, certify, {"attachments": (_scan(3), "lon.pdf")})
    assert resp.status_code == 413
    html = resp.get_data(as_text=True)
    assert "Chưa có gì được lưu" in html
    assert "Quay lại" in html and 'href="/tiep-nhan/"' in html
    assert "mỗi tệp tối đa 20 MB" in html
    assert mine() == []


def test_more_scans_on_the_dossier_page_take_the_same_budget(
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    assert _receive(officer, certify, {}).status_code == 302
    [dossier] = mine()
    page = officer.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    resp = post_multipart(
        officer.client,
        f"/tiep-nhan/ho-so/{dossier.id}/tep",
        [
            ("csrf_token", csrf_from(page)),
            ("files", (_scan(12), "a.pdf")),
            ("files", (_scan(12), "b.pdf")),
        ],
    )
    assert resp.status_code == 302
    count = db.session.scalar(
        db.select(db.func.count(Attachment.id)).where(Attachment.dossier_id == dossier.id)
    )
    assert count == 2


def test_the_app_limit_follows_the_reception_total(monkeypatch: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("COUNTER_UPLOAD_TOTAL_MB", "150")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    assert app.config["UPLOAD_TOTAL_MB"] == 150
    assert 150 * MB < app.config["MAX_CONTENT_LENGTH"] <= 152 * MB
    monkeypatch.delenv("COUNTER_UPLOAD_TOTAL_MB")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    assert app.config["UPLOAD_TOTAL_MB"] == 100 and app.config["UPLOAD_MAX_MB"] == 20


# -- catalog and calendar imports ---------------------------------------------------


def _bomb() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["ma_tthc", "ten_tthc", "thoi_han"])
    raw = io.BytesIO()
    book.save(raw)
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + row * (60 * MB // len(row)) + b"</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def test_a_catalog_bomb_uploaded_on_the_page_is_refused_in_the_preview(login_as: Any) -> None:
    admin = login_as("admin")
    page = admin.get("/thu-tuc/nhap").get_data(as_text=True)
    resp = post_multipart(
        admin.client,
        "/thu-tuc/nhap",
        [
            ("csrf_token", csrf_from(page)),
            ("decision_number", "QĐ 1234/QĐ-UBND"),
            ("decision_date", "2026-11-20"),
            ("file", (_bomb(), "danh-muc.xlsx")),
        ],
    )
    assert resp.status_code == 302
    resp = admin.get(resp.headers["Location"])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[:300]
    assert "giải nén ra quá lớn" in html  # the preview lists it; nothing can be applied
    assert "QĐ 1234/QĐ-UBND" in html
    assert 'action="/thu-tuc/nhap/xac-nhan"' not in html


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\xff\xfe\x89PNG" * 1000, "UTF-8"),
        (b"first_date,last_date,kind,label,source\n" + b"x" * 300 * 1024, "Tệp quá lớn"),
        (b"first_date,last_date,kind,label,source\n2026-01-01," + b"x" * 200 * 1024 + b"\n", "CSV"),
    ],
    ids=["binary", "past-256-KB", "a-field-of-200-KB"],
)
def test_a_garbage_calendar_file_is_refused_with_a_message(
    login_as: Any, content: bytes, message: str
) -> None:
    admin = login_as("admin")
    page = admin.get("/quan-tri/lich-nghi/nhap").get_data(as_text=True)
    resp = post_multipart(
        admin.client,
        "/quan-tri/lich-nghi/nhap",
        [("csrf_token", csrf_from(page)), ("file", (content, "lich.csv"))],
    )
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) > 0  # nothing else touched
