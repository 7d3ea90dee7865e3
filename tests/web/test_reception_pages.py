"""The reception screen over HTTP: roles, submit, errors kept on the form, JSON helpers, scans."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask

from counter.extensions import db
from counter.models import Attachment, AuditEntry, CounterNotice, Dossier, Procedure
from counter.services import catalog as catalog_service
from tests.conftest import Browser, csrf_from

QR = "011090001234|040512345|Lò Văn Bình|05091990|Nam|Bản Che Căn, xã Mường Phăng, tỉnh Điện Biên|01072021"
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def certify(app: Flask) -> Procedure:
    procedure = catalog_service.get_by_code("2.000815")
    if procedure is None:
        catalog_service.load_demo_catalog()
        procedure = catalog_service.get_by_code("2.000815")
    assert procedure is not None
    return procedure


@pytest.fixture
def officer(login_as: Any) -> Browser:
    return login_as("tiepnhan")


def form_data(procedure: Procedure, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "procedure_id": str(procedure.id),
        "applicant_kind": "person",
        "applicant_name": "Lò Văn Bình",
        "id_number": "011090001234",
        "date_of_birth": "05/09/1990",
        "address": "Bản Che Căn, xã Mường Phăng",
        "phone": "0912345678",
        "email": "",
        "sets_count": "1",
        "channel": "counter",
        "result_delivery": "counter",
        "fee_amount": "2000",
        "notes": "",
        "action": "receive",
    }
    for i, doc in enumerate(procedure.documents):
        data[f"documents-{i}-received"] = "y"
        data[f"documents-{i}-name"] = doc.name
        data[f"documents-{i}-kind"] = doc.kind
        data[f"documents-{i}-count"] = str(doc.count)
        data[f"documents-{i}-source"] = "catalog"
    n = len(procedure.documents)
    data[f"documents-{n}-name"] = ""
    data[f"documents-{n}-kind"] = "original"
    data[f"documents-{n}-count"] = "1"
    data[f"documents-{n}-source"] = "other"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def mine() -> list[Dossier]:
    """Dossiers of the test applicant (the demo data has dossiers of its own)."""
    return list(
        db.session.scalars(
            db.select(Dossier).where(Dossier.id_number == "011090001234").order_by(Dossier.id)
        )
    )


def dossier_count() -> int:
    return len(mine())


def notices() -> list[CounterNotice]:
    return list(
        db.session.scalars(
            db.select(CounterNotice)
            .where(CounterNotice.applicant_name == "Lò Văn Bình")
            .order_by(CounterNotice.id)
        )
    )


def test_the_reception_screen_opens_for_the_counter_with_the_search_focused(
    officer: Browser,
) -> None:
    resp = officer.get("/tiep-nhan/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Tiếp nhận hồ sơ" in html
    assert re.search(r'<input[^>]*id="rx-q"[^>]*autofocus', html)
    assert "Ctrl</kbd>+<kbd>Enter" in html
    assert 'src="/static/js/reception.js"' in html


@pytest.mark.parametrize("username", ["chuyenvien", "lanhdao"])
def test_specialists_and_leaders_do_not_receive(login_as: Any, username: str) -> None:
    browser = login_as(username)
    assert browser.get("/tiep-nhan/").status_code == 403


def test_admin_may_receive(login_as: Any) -> None:
    assert login_as("admin").get("/tiep-nhan/").status_code == 200


def test_without_javascript_a_search_lists_procedures_and_a_pick_fills_the_checklist(
    officer: Browser, certify: Procedure
) -> None:
    html = officer.get("/tiep-nhan/?q=chung thuc ban sao").get_data(as_text=True)
    assert f'href="/tiep-nhan/?thu_tuc={certify.id}"' in html
    page = officer.get(f"/tiep-nhan/?thu_tuc={certify.id}").get_data(as_text=True)
    for doc in certify.documents:
        assert doc.name in page
    assert "Hẹn trả: " in page
    assert 'name="documents-0-received"' in page and "checked" in page


def test_submit_receives_the_dossier_and_opens_the_slip(
    app: Flask, officer: Browser, certify: Procedure
) -> None:
    resp = officer.submit("/tiep-nhan/", form_data(certify))
    assert resp.status_code == 302
    [dossier] = mine()
    assert dossier.status == "received"
    assert re.fullmatch(r"000\.20\.18\.H18-\d{6}-\d{4}", dossier.code)
    assert [d.name for d in dossier.documents] == [d.name for d in certify.documents]
    if "printforms.form01" in app.view_functions:
        assert resp.location.endswith(f"/in/ho-so/{dossier.id}/mau-01?size=a4&print=1")
    slip = officer.get(resp.location)
    assert slip.status_code == 200
    assert dossier.code in slip.get_data(as_text=True)


def test_bad_input_comes_back_422_with_messages_on_fields_and_everything_typed(
    officer: Browser, certify: Procedure
) -> None:
    data = form_data(certify, id_number="12345", phone="0123", **{"documents-1-count": "0"})
    data.pop("documents-0-received")
    data["documents-2-name"] = "Giấy ủy quyền"
    data["documents-2-received"] = "y"
    resp = officer.submit("/tiep-nhan/", data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "phải gồm đúng 12 chữ số" in html
    assert "Số điện thoại" in html and "không hợp lệ" in html
    assert "Số lượng phải là số nguyên" in html
    # What was typed is still there, the checklist state too.
    assert 'value="Lò Văn Bình"' in html and 'value="12345"' in html
    assert re.search(r'<input[^>]*id="documents-0-received"(?![^>]*checked)[^>]*>', html)
    assert re.search(
        r'<input[^>]*checked[^>]*id="documents-1-received"|<input[^>]*id="documents-1-received"[^>]*checked',
        html,
    )
    assert 'value="Giấy ủy quyền"' in html
    assert dossier_count() == 0


def test_a_likely_duplicate_asks_for_confirmation_before_saving(
    officer: Browser, certify: Procedure
) -> None:
    assert officer.submit("/tiep-nhan/", form_data(certify)).status_code == 302
    [first] = mine()
    resp = officer.submit("/tiep-nhan/", form_data(certify))
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "Có thể trùng hồ sơ" in html and first.code in html
    assert "Vẫn tiếp nhận" in html
    assert dossier_count() == 1
    resp = officer.submit("/tiep-nhan/", form_data(certify, confirm_duplicate="1"))
    assert resp.status_code == 302
    assert dossier_count() == 2


def _with_a_scan(officer: Browser, certify: Procedure) -> Any:
    """The reception form posted with a PDF scan of its first document."""
    page = officer.get("/tiep-nhan/").get_data(as_text=True)
    data = form_data(certify)
    data["csrf_token"] = csrf_from(page)
    data["documents-0-files"] = (io.BytesIO(PDF), "ban-chinh.pdf")
    return officer.client.post("/tiep-nhan/", data=data, content_type="multipart/form-data")


def test_a_duplicate_warning_with_scans_says_in_its_box_that_they_were_not_kept(
    officer: Browser, certify: Procedure
) -> None:
    assert officer.submit("/tiep-nhan/", form_data(certify)).status_code == 302
    resp = _with_a_scan(officer, certify)
    assert resp.status_code == 409
    box = resp.get_data(as_text=True).split('id="rx-duplicate"', 1)[1].split("</div>", 1)[0]
    # Read before «Vẫn tiếp nhận», which has the focus: the scans must be chosen again, or
    # added on the dossier's page afterwards.
    assert "Các tệp quét đã chọn chưa được lưu" in box and "trang hồ sơ" in box
    assert box.index("chưa được lưu") < box.index('id="rx-confirm"')


def test_a_scan_is_attached_and_only_staff_can_open_it(
    app: Flask, officer: Browser, login_as: Any, certify: Procedure
) -> None:
    resp = _with_a_scan(officer, certify)
    assert resp.status_code == 302
    [dossier] = mine()
    [attachment] = db.session.scalars(
        db.select(Attachment).where(Attachment.dossier_id == dossier.id)
    ).all()
    assert attachment.filename == "ban-chinh.pdf"
    # The dossier page says which document the scan is of, and that it is under 1 KB.
    shown = officer.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    first = certify.documents[0].name
    assert f'ban-chinh.pdf</a> — bản quét của «{first}» <span class="muted">(&lt; 1 KB' in shown
    url = f"/tiep-nhan/tep/{attachment.id}"
    got = login_as("lanhdao").get(url)
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    got.close()
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "attachment_viewed"))
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/dang-nhap" in anonymous.location


def test_a_fake_pdf_is_refused_with_a_vietnamese_message_on_its_line(
    officer: Browser, certify: Procedure
) -> None:
    page = officer.get("/tiep-nhan/").get_data(as_text=True)
    data = form_data(certify)
    data["csrf_token"] = csrf_from(page)
    data["documents-1-files"] = (io.BytesIO(b"just text"), "ban-sao.pdf")
    resp = officer.client.post("/tiep-nhan/", data=data, content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "không phải tệp PDF, JPEG hoặc PNG thật" in html
    assert "hãy chọn lại tệp" in html
    assert dossier_count() == 0


def test_incomplete_and_refused_notices_from_the_same_screen(
    officer: Browser, certify: Procedure
) -> None:
    data = form_data(certify, action="incomplete", notice_items="Bản sao phải rõ nét")
    data.pop("documents-1-received")
    resp = officer.submit("/tiep-nhan/", data)
    assert resp.status_code == 302
    [notice] = notices()
    assert notice.kind == "incomplete"
    assert notice.items == [certify.documents[1].name, "Bản sao phải rõ nét"]
    shown = officer.get(resp.location)
    assert shown.status_code == 200 and notice.number in shown.get_data(as_text=True)

    missing_reason = officer.submit("/tiep-nhan/", form_data(certify, action="refuse"))
    assert missing_reason.status_code == 422
    assert "Ghi rõ lý do từ chối" in missing_reason.get_data(as_text=True)
    resp = officer.submit(
        "/tiep-nhan/", form_data(certify, action="refuse", reason="Không thuộc thẩm quyền")
    )
    assert resp.status_code == 302
    assert [n.kind for n in notices()] == ["incomplete", "refused"]
    assert dossier_count() == 0


def test_the_qr_endpoint_reads_a_cccd_payload(officer: Browser) -> None:
    token = csrf_from(officer.get("/tiep-nhan/").get_data(as_text=True))
    resp = officer.client.post(
        "/tiep-nhan/quet-cccd", json={"qr": QR}, headers={"X-CSRFToken": token}
    )
    assert resp.status_code == 200
    assert resp.get_json() == {
        "id_number": "011090001234",
        "old_id": "040512345",
        "full_name": "Lò Văn Bình",
        "date_of_birth": "05/09/1990",
        "sex": "Nam",
        "address": "Bản Che Căn, xã Mường Phăng, tỉnh Điện Biên",
        "issue_date": "01/07/2021",
    }
    bad = officer.client.post(
        "/tiep-nhan/quet-cccd", json={"qr": "abc|def"}, headers={"X-CSRFToken": token}
    )
    assert bad.status_code == 422 and "Không đọc được mã QR CCCD" in bad.get_json()["error"]
    no_token = officer.client.post("/tiep-nhan/quet-cccd", json={"qr": QR})
    assert no_token.status_code == 400


def test_a_scan_typed_into_the_form_without_javascript_fills_the_applicant(
    officer: Browser, certify: Procedure
) -> None:
    data = form_data(certify, scan=QR, applicant_name="", id_number="", address="")
    resp = officer.submit("/tiep-nhan/", data)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'value="Lò Văn Bình"' in html and 'value="011090001234"' in html
    assert 'value="05/09/1990"' in html
    assert dossier_count() == 0


def test_due_preview_endpoint(officer: Browser, certify: Procedure) -> None:
    resp = officer.get(f"/tiep-nhan/hen-tra?thu_tuc={certify.id}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert re.fullmatch(r"Hẹn trả: \d\d:\d\d ngày \d\d/\d\d/\d{4}", body["text"])
    assert officer.get("/tiep-nhan/hen-tra?thu_tuc=999999").status_code == 404


def test_procedure_endpoint_gives_the_checklist_and_the_fee(
    officer: Browser, certify: Procedure
) -> None:
    body = officer.get(f"/tiep-nhan/thu-tuc/{certify.id}").get_json()
    assert body["code"] == "2.000815"
    assert [d["name"] for d in body["documents"]] == [d.name for d in certify.documents]
    assert body["fee"] == 2000
    assert body["due_text"].startswith("Hẹn trả: ")


def test_more_scans_can_be_added_to_a_received_dossier(
    officer: Browser, login_as: Any, certify: Procedure
) -> None:
    assert officer.submit("/tiep-nhan/", form_data(certify)).status_code == 302
    [dossier] = mine()
    specialist = login_as("chuyenvien")
    token = csrf_from(specialist.get(f"/ho-so/{dossier.id}").get_data(as_text=True))
    url = f"/tiep-nhan/ho-so/{dossier.id}/tep"
    refused = specialist.client.post(
        url,
        data={"csrf_token": token, "files": (io.BytesIO(b"<html>"), "trang.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 302
    page = specialist.get(refused.location).get_data(as_text=True)
    assert "không phải tệp PDF, JPEG hoặc PNG thật" in page
    ok = specialist.client.post(
        url,
        data={"csrf_token": token, "files": (io.BytesIO(PDF), "trang-2.pdf")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    names = db.session.scalars(
        db.select(Attachment.filename).where(Attachment.dossier_id == dossier.id)
    ).all()
    assert names == ["trang-2.pdf"]
    leader = login_as("lanhdao")
    leader_token = csrf_from(leader.get(f"/ho-so/{dossier.id}").get_data(as_text=True))
    forbidden = leader.client.post(
        url,
        data={"csrf_token": leader_token, "files": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert forbidden.status_code == 403


def test_the_dossier_page_offers_more_scans_to_those_who_may_add_them(
    officer: Browser, login_as: Any, certify: Procedure
) -> None:
    assert officer.submit("/tiep-nhan/", form_data(certify)).status_code == 302
    [dossier] = mine()
    action = f'action="/tiep-nhan/ho-so/{dossier.id}/tep"'
    for username, offered in (("tiepnhan", True), ("chuyenvien", True), ("lanhdao", False)):
        page = login_as(username).get(f"/ho-so/{dossier.id}").get_data(as_text=True)
        assert (action in page) is offered, username
        assert ("Thêm bản quét (PDF, JPEG, PNG)" in page) is offered, username


def test_without_javascript_changing_the_procedure_keeps_the_applicant(
    officer: Browser, certify: Procedure
) -> None:
    signature = catalog_service.get_by_code("2.000884")
    data = form_data(certify, action="pick", procedure_id=str(signature.id))
    resp = officer.submit("/tiep-nhan/", data)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'value="Lò Văn Bình"' in html
    for doc in signature.documents:
        assert doc.name in html
    assert certify.documents[0].name not in html
    assert dossier_count() == 0
