"""The public look-up page: no sign-in, status and dates, never personal data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from counter.extensions import db
from counter.models import Dossier, User
from counter.services import Actor, reception
from counter.services import catalog as catalog_service
from counter.services.reception import DocumentLine, ReceptionInput
from counter.web.public import lookup_url

NOW = datetime(2025, 11, 28, 2, 0, tzinfo=UTC)  # Friday 09:00 in Vietnam


@pytest.fixture
def dossier(app: Flask) -> Dossier:
    procedure = catalog_service.get_by_code("2.000815")
    if procedure is None:
        catalog_service.load_demo_catalog()
        procedure = catalog_service.get_by_code("2.000815")
    user = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
    actor = Actor.for_user(user)
    data = ReceptionInput(
        procedure_id=procedure.id,
        applicant_name="Lò Văn Bình",
        id_number="011090001234",
        phone="0912 345 678",
        address="Bản Che Căn, xã Mường Phăng",
        email="binh@example.com",
        documents=[DocumentLine(d.name, d.kind, d.count) for d in procedure.documents],
    )
    return reception.receive(actor, data, now=NOW)


def test_the_look_up_page_shows_status_dates_and_a_masked_name_only(
    client: object, dossier: Dossier
) -> None:
    resp = client.get(f"/tra-cuu/{dossier.code}?k={dossier.lookup_key}")  # type: ignore[attr-defined]
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert dossier.code in html
    assert "Chứng thực bản sao từ bản chính" in html
    assert "Được tiếp nhận" in html  # the national portal's word for status 2
    assert "Lò V** B***" in html
    assert "28/11/2025 09:00" in html  # received
    assert "28/11/2025 17:00" in html  # due (same day)
    for secret in (
        "Lò Văn Bình",
        "Văn Bình",
        "011090001234",
        "0912345678",
        "0912 345 678",
        "Che Căn",
        "binh@example.com",
    ):
        assert secret not in html, secret


def test_the_code_may_be_typed_in_lower_case_and_the_form_redirects(
    client: object, dossier: Dossier
) -> None:
    resp = client.get("/tra-cuu/", query_string={"ma": dossier.code.lower()})  # type: ignore[attr-defined]
    assert resp.status_code == 302
    assert resp.location.endswith(f"/tra-cuu/{dossier.code}")
    assert client.get(f"/tra-cuu/{dossier.code.lower()}").status_code == 200  # type: ignore[attr-defined]


def test_a_ready_result_says_so(client: object, dossier: Dossier) -> None:
    dossier.status = "resolved"
    db.session.commit()
    html = client.get(f"/tra-cuu/{dossier.code}").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Đã có kết quả" in html


def test_an_unknown_code_gives_a_friendly_vietnamese_404(client: object) -> None:
    resp = client.get("/tra-cuu/000.20.18.H18-251128-9999")  # type: ignore[attr-defined]
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert "Không tìm thấy hồ sơ" in html
    assert 'name="ma"' in html


def test_the_form_page_needs_no_sign_in(client: object) -> None:
    resp = client.get("/tra-cuu/")  # type: ignore[attr-defined]
    assert resp.status_code == 200
    assert "Tra cứu tình trạng hồ sơ" in resp.get_data(as_text=True)


def test_lookup_url_uses_public_url_when_set(app: Flask) -> None:
    app.config["PUBLIC_URL"] = "https://motcua.muongphang.gov.vn/"
    assert (
        lookup_url("000.20.18.H18-251128-0001")
        == "https://motcua.muongphang.gov.vn/tra-cuu/000.20.18.H18-251128-0001"
    )
    app.config["PUBLIC_URL"] = None
    with app.test_request_context(base_url="http://192.168.1.10:8080/"):
        assert (
            lookup_url("000.20.18.H18-251128-0001")
            == "http://192.168.1.10:8080/tra-cuu/000.20.18.H18-251128-0001"
        )


def _actor(username: str) -> Actor:
    return Actor.for_user(db.session.scalar(db.select(User).where(User.username == username)))


def _office(phone: str = "0215 3826 999", address: str = "Bản Phăng, xã Mường Phăng") -> None:
    from counter.services.office import get_office

    office = get_office()
    office.phone, office.address = phone, address
    db.session.commit()


def _text(html: str) -> str:
    import re
    from html import unescape

    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def awaiting_supplement(name: str, id_number: str, items: list[str], note: str) -> Dossier:
    """A dossier received, handed to a specialist, who asks for ``items`` (form 02)."""
    from datetime import timedelta

    from counter.domain.clock import now as utcnow
    from counter.services import dossiers

    _office()
    procedure = catalog_service.get_by_code("1.004873") or catalog_service.get_by_code("2.000815")
    data = ReceptionInput(
        procedure_id=procedure.id,
        applicant_name=name,
        id_number=id_number,
        phone="0912 000 111",
        address="Bản Che Căn",
        documents=[DocumentLine(d.name, d.kind, d.count) for d in procedure.documents],
    )
    received = reception.receive(_actor("tiepnhan"), data, now=utcnow() - timedelta(hours=3))
    outcome = dossiers.hand_over(
        _actor("tiepnhan"), received.id, version=received.version, to_unit="Tư pháp - Hộ tịch"
    )
    dossiers.request_supplement(
        _actor("chuyenvien"), received.id, version=outcome.dossier.version, items=items, note=note
    )
    return received


def test_during_a_supplement_the_page_says_what_to_bring_and_whom_to_call(
    client: object, app: Flask
) -> None:
    received = awaiting_supplement(
        "Quàng Thị Lả",
        "011190001111",
        ["Bản sao Giấy khai sinh", "Tờ khai có chữ ký của người yêu cầu"],
        "Tờ khai chưa ký",
    )
    html = client.get(f"/tra-cuu/{received.code}?k={received.lookup_key}").get_data(as_text=True)  # type: ignore[attr-defined]
    text = _text(html)
    assert "Yêu cầu bổ sung giấy tờ" in text
    assert "Mời ông/bà mang đến Bộ phận Một cửa" in text
    assert "Bản sao Giấy khai sinh" in text and "Tờ khai có chữ ký của người yêu cầu" in text
    assert "Tờ khai chưa ký" in text  # the reason
    assert "0215 3826 999" in text and "Bản Phăng, xã Mường Phăng" in text
    assert "thời gian giải quyết tạm dừng" in text
    assert "quá hạn" not in text  # a paused dossier is not late
    for secret in ("Quàng Thị Lả", "011190001111", "0912000111", "Bản Che Căn"):
        assert secret not in html, secret


def test_an_overdue_dossier_says_so_with_an_apology(client: object, dossier: Dossier) -> None:
    _office()
    dossier.status = "in_progress"
    db.session.commit()  # due 28/11/2025 17:00: long past
    text = _text(client.get(f"/tra-cuu/{dossier.code}").get_data(as_text=True))  # type: ignore[attr-defined]
    assert "Hồ sơ đã quá hạn giải quyết" in text
    assert "xin lỗi" in text
    assert "0215 3826 999" in text


def test_a_dossier_on_time_does_not_speak_of_delay(client: object, dossier: Dossier) -> None:
    from datetime import timedelta

    from counter.domain.clock import now as utcnow

    dossier.due_at = utcnow() + timedelta(days=2)
    db.session.commit()
    text = _text(client.get(f"/tra-cuu/{dossier.code}").get_data(as_text=True))  # type: ignore[attr-defined]
    assert "quá hạn" not in text and "xin lỗi" not in text
