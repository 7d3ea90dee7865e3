"""Input nobody should type still gets a plain answer: a 404, a 400 or a Vietnamese message.

Each case here was an HTTP 500 found by fuzzing every form (issue 9): numbers too
large for the database in addresses and parameters, JSON that is not an object,
line breaks in ``next``, searches of a thousand words, NUL bytes, and years
outside any calendar the office uses.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from counter.domain.clock import now as utcnow
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Dossier, Office
from tests.conftest import Browser, csrf_from
from tests.services.test_lifecycle_service import make_dossier
from tests.web.test_forms_everywhere import forms_of

HUGE = "99999999999999999999"
#: The largest id an INTEGER column holds on PostgreSQL, and past SQLite's 64 bits.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


@pytest.fixture
def admin(login_as: Any) -> Browser:
    return login_as("admin")


@pytest.fixture
def officer(login_as: Any) -> Browser:
    return login_as("tiepnhan")


def _int_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) of every route with an integer in its path."""
    out = []
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((method, rule.rule))
    return out


def _fill(rule: str, value: str) -> str:
    path = re.sub(r"<int:\w+>", value, rule)
    return re.sub(r"<(?:\w+:)?\w+>", "receive", path)


@pytest.mark.parametrize(
    "value", [HUGE, str(INT64_MAX + 1), str(INT64_MAX), str(INT32_MAX + 1), "9" * 5000]
)
def test_an_id_too_large_for_the_database_is_not_found(
    app: Flask, admin: Browser, value: str
) -> None:
    routes = _int_routes(app)
    assert len(routes) >= 25
    for method, rule in routes:
        url = _fill(rule, value)
        resp = admin.client.open(url, method=method)
        assert resp.status_code in (404, 400), f"{method} {url}: {resp.status_code}"


def test_the_year_page_of_the_calendar_refuses_years_out_of_range(admin: Browser) -> None:
    for year in ("1", "99999", HUGE):
        resp = admin.get(f"/quan-tri/lich-nghi/nam/{year}")
        assert resp.status_code in (302, 404), year


@pytest.mark.parametrize(
    "url",
    [
        f"/ho-so/?page={HUGE}",
        f"/ho-so/?officer={HUGE}",
        f"/ho-so/tim?q=nguyen&page={HUGE}",
        f"/tiep-nhan/?thu_tuc={HUGE}",
        f"/tiep-nhan/?thu_tuc=-{HUGE}",
        f"/thu-tuc/tim?q=a&limit={HUGE}",
        f"/quan-tri/nhat-ky?page={HUGE}",
        f"/quan-tri/nhat-ky?page=-{HUGE}",
        f"/quan-tri/lich-nghi/?nam={HUGE}",
        f"/quan-tri/lich-nghi/them?nam={HUGE}",
    ],
)
def test_huge_numbers_in_parameters_are_ignored_or_clamped(admin: Browser, url: str) -> None:
    resp = admin.get(url)
    assert resp.status_code in (200, 302), f"{url}: {resp.status_code}"


def test_the_due_preview_of_an_unknown_huge_procedure_says_choose_one(admin: Browser) -> None:
    resp = admin.get(f"/tiep-nhan/hen-tra?thu_tuc={HUGE}")
    assert resp.status_code == 404
    assert resp.get_json() == {"error": "Chọn thủ tục để xem ngày hẹn trả."}


@pytest.mark.parametrize(
    ("param", "value"),
    [("to", "9999-12-31"), ("from", "0001-01-01"), ("from", "01/01/1899"), ("to", "01/01/2101")],
)
def test_the_ledger_refuses_a_year_outside_1900_2100(
    admin: Browser, param: str, value: str
) -> None:
    resp = admin.get(f"/in/so-theo-doi?{param}={value}")
    assert resp.status_code == 422
    assert "từ năm 1900 đến năm 2100" in resp.get_data(as_text=True)


@pytest.mark.parametrize("body", ["[1, 2]", '"x"', "1", "null", "true", "{", "\x00"])
@pytest.mark.parametrize("url", ["/tiep-nhan/quet-cccd", "/tiep-nhan/kiem-tra-trung"])
def test_a_json_body_that_is_not_an_object_is_refused_in_vietnamese(
    officer: Browser, url: str, body: str
) -> None:
    token = csrf_from(officer.get("/tiep-nhan/").get_data(as_text=True))
    resp = officer.client.post(
        url, data=body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
    assert resp.get_json() == {"error": "Dữ liệu gửi lên không đúng dạng (cần một đối tượng JSON)."}


@pytest.mark.parametrize("procedure_id", [int(HUGE), -int(HUGE), 1.5e300, [1], {"a": 1}, "x"])
def test_the_duplicate_check_takes_any_procedure_id_without_failing(
    officer: Browser, procedure_id: Any
) -> None:
    token = csrf_from(officer.get("/tiep-nhan/").get_data(as_text=True))
    resp = officer.client.post(
        "/tiep-nhan/kiem-tra-trung",
        json={"procedure_id": procedure_id, "id_number": "011090001234"},
        headers={"X-CSRFToken": token},
    )
    assert resp.status_code == 200 and resp.get_json() == []


@pytest.mark.parametrize(
    "target",
    [
        "/\r\nSet-Cookie: x=1",
        "/ho-so/\nx",
        "/\\evil.example",
        "/\t/evil.example",
        "//evil.example",
        "https://evil.example/",
        "ho-so",
        "/\x00",
    ],
)
def test_next_after_login_stays_on_this_site_and_never_carries_a_line_break(
    browser: Browser, target: str
) -> None:
    page = browser.get("/dang-nhap").get_data(as_text=True)
    resp = browser.client.post(
        "/dang-nhap",
        query_string={"next": target},
        data={"csrf_token": csrf_from(page), "username": "tiepnhan", "password": "tiepnhan123"},
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_a_local_next_is_still_followed(browser: Browser) -> None:
    page = browser.get("/dang-nhap").get_data(as_text=True)
    resp = browser.client.post(
        "/dang-nhap?next=/ho-so/%3Ftab%3Dtoday",
        data={"csrf_token": csrf_from(page), "username": "tiepnhan", "password": "tiepnhan123"},
    )
    assert resp.headers["Location"] == "/ho-so/?tab=today"


def test_the_language_switch_ignores_a_next_with_a_line_break(officer: Browser) -> None:
    token = csrf_from(officer.get("/ho-so/").get_data(as_text=True))
    resp = officer.client.post(
        "/ngon-ngu/vi", data={"csrf_token": token, "next": "/ho-so/\r\nX-Evil: 1"}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_a_search_of_a_thousand_words_is_refused_with_a_message(officer: Browser) -> None:
    words = " ".join(["an"] * 1000)
    resp = officer.submit("/ho-so/tim", {"q": words}, page="/ho-so/")
    assert resp.status_code == 422
    resp = officer.get("/ho-so/tim", query_string={"q": words})
    assert resp.status_code == 422


def test_a_search_of_eleven_short_words_says_ten_at_most(officer: Browser) -> None:
    words = " ".join("abcdefghijk")  # 21 characters: under the length limit
    resp = officer.submit("/ho-so/tim", {"q": words}, page="/ho-so/")
    assert resp.status_code == 422
    assert "Tìm theo tối đa 10 từ" in resp.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/tiep-nhan/?q={q}", "/thu-tuc?q={q}"])
def test_a_procedure_search_of_a_thousand_words_answers_with_a_message(
    admin: Browser, url: str
) -> None:
    resp = admin.get(url.format(q="+".join(["a"] * 1000)))
    assert resp.status_code == 422
    assert "Tìm theo tối đa 10 từ" in resp.get_data(as_text=True)


def test_the_live_procedure_search_answers_a_thousand_words_in_json(admin: Browser) -> None:
    resp = admin.get("/thu-tuc/tim", query_string={"q": " ".join(["a"] * 1000)})
    assert resp.status_code == 422
    assert "Tìm theo tối đa 10 từ" in resp.get_json()["error"]


def test_a_nul_byte_does_not_match_every_dossier(app: Flask, officer: Browser) -> None:
    make_dossier(Status.RECEIVED, received_at=utcnow() - timedelta(hours=1))
    for query in ("\x00", "\x00\x00 \x01"):
        resp = officer.submit("/ho-so/tim", {"q": query}, page="/ho-so/")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, query
        assert "Tìm thấy" not in html
        assert "Vui lòng nhập mã hồ sơ" in html
    resp = officer.get("/ho-so/tim?q=%00")
    assert "Tìm thấy" not in resp.get_data(as_text=True)


def test_control_characters_never_reach_the_database(app: Flask, admin: Browser) -> None:
    url = "/quan-tri/don-vi"
    html = admin.get(url).get_data(as_text=True)

    [spec] = [f for f in forms_of(html) if f.method == "post" and f.action in ("", url)]
    data: dict[str, Any] = {
        f["name"]: f.get("value", "")
        for f in spec.fields
        if f.get("name") and f.get("type") not in ("submit", "button", "checkbox")
    }
    for name, options in spec.selects.items():
        data[name] = options[-1] if options else ""
    data["name"] = "UBND xã\x00 Mường\x07 Phăng\x1b[0m"
    data["csrf_token"] = csrf_from(html)
    resp = admin.client.post(url, data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    office = db.session.scalar(db.select(Office))
    assert office is not None and office.name == "UBND xã Mường Phăng[0m"


def test_a_birth_date_outside_1900_2100_is_refused_on_its_field(officer: Browser) -> None:
    from counter.services import catalog as catalog_service
    from tests.web.test_reception_pages import form_data

    procedure = catalog_service.get_by_code("2.000815")
    assert procedure is not None
    for typed in ("01/01/1899", "9999-12-31", "01/01/0001"):
        resp = officer.submit("/tiep-nhan/", form_data(procedure, date_of_birth=typed))
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, typed
        assert "từ năm 1900 đến năm 2100" in html
        assert "Lò Văn Bình" in html  # everything typed comes back
    assert (
        db.session.scalar(
            db.select(db.func.count(Dossier.id)).where(Dossier.id_number == "011090001234")
        )
        == 0
    )


def test_a_new_due_date_in_year_9999_is_refused(app: Flask, login_as: Any) -> None:
    dossier = make_dossier(Status.IN_PROGRESS, received_at=utcnow() - timedelta(hours=2))
    leader = login_as("lanhdao")
    page = leader.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    resp = leader.client.post(
        f"/ho-so/{dossier.id}/delay",
        data={
            "csrf_token": csrf_from(page),
            "delay-version": str(dossier.version),
            "delay-new_due": "9999-12-31",
            "delay-reason": "Chờ xác minh",
        },
    )
    assert resp.status_code == 422
    assert "từ năm 1900 đến năm 2100" in resp.get_data(as_text=True)


@pytest.mark.parametrize("field", ["effective_from", "effective_to"])
def test_a_procedure_effective_date_in_year_9999_is_refused(admin: Browser, field: str) -> None:
    from counter.models import Procedure

    procedure_id = db.session.scalar(db.select(Procedure.id).order_by(Procedure.id))
    url = f"/thu-tuc/{procedure_id}/sua"
    html = admin.get(url).get_data(as_text=True)

    [spec] = [f for f in forms_of(html) if f.method == "post" and f.action in ("", url)]
    data: dict[str, Any] = {
        f["name"]: f.get("value", "")
        for f in spec.fields
        if f.get("name") and f.get("type") not in ("submit", "button", "checkbox")
    }
    data[field] = "9999-12-31"
    data["csrf_token"] = csrf_from(html)
    resp = admin.client.post(url, data=data)
    assert resp.status_code == 422
    assert "từ năm 1900 đến năm 2100" in resp.get_data(as_text=True)


def test_a_file_part_without_a_name_is_taken_like_any_other_body(officer: Browser) -> None:
    token = csrf_from(officer.get("/tiep-nhan/").get_data(as_text=True))
    body = (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b'\r\n--b\r\nContent-Disposition: form-data; filename="a.pdf"\r\n\r\n%PDF-1\r\n'
        b"--b--\r\n"
    )
    resp = officer.client.post(
        "/tiep-nhan/", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert resp.status_code == 422  # the form is incomplete; nothing failed


@pytest.mark.parametrize("body", ["false", "[1]", '"x"', '{"name": ["a", {"b": 1}]}'])
def test_json_posted_to_a_form_page_is_a_refused_form_not_a_500(admin: Browser, body: str) -> None:
    token = csrf_from(admin.get("/quan-tri/don-vi").get_data(as_text=True))
    resp = admin.client.post(
        "/quan-tri/don-vi",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert resp.status_code == 400
    assert "Dữ liệu gửi lên không đúng dạng của biểu mẫu" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(Office.name))  # nothing was saved over it


def test_a_procedure_id_past_63_bits_in_the_reception_form_is_a_message(officer: Browser) -> None:
    from counter.services import catalog as catalog_service
    from tests.web.test_reception_pages import form_data

    procedure = catalog_service.get_by_code("2.000815")
    assert procedure is not None
    resp = officer.submit("/tiep-nhan/", form_data(procedure, procedure_id=str(INT64_MAX + 1)))
    assert resp.status_code == 422
    assert "Lò Văn Bình" in resp.get_data(as_text=True)


def test_handing_over_to_a_user_id_past_63_bits_is_refused_on_the_field(
    app: Flask, officer: Browser
) -> None:
    dossier = make_dossier(Status.RECEIVED, received_at=utcnow() - timedelta(hours=1))
    page = officer.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    resp = officer.client.post(
        f"/ho-so/{dossier.id}/hand_over",
        data={
            "csrf_token": csrf_from(page),
            "hand_over-version": str(dossier.version),
            "hand_over-to_unit": "Công chức Tư pháp - Hộ tịch",
            "hand_over-assign_to_id": str(INT64_MAX + 1),
        },
    )
    assert resp.status_code == 422
    assert "Lựa chọn không hợp lệ" in resp.get_data(as_text=True)


@pytest.mark.parametrize("field", ["fee_amount", "sets_count", "documents-0-count"])
def test_a_number_of_five_thousand_digits_in_the_reception_form_is_a_message(
    officer: Browser, field: str
) -> None:
    from counter.services import catalog as catalog_service
    from tests.web.test_reception_pages import form_data

    procedure = catalog_service.get_by_code("2.000815")
    assert procedure is not None
    resp = officer.submit("/tiep-nhan/", form_data(procedure, **{field: "9" * 5000}))
    assert resp.status_code == 422
    assert "Lò Văn Bình" in resp.get_data(as_text=True)


@pytest.mark.parametrize("printer_id", ["9" * 5000, str(2**63), "٣"])
def test_printing_a_slip_on_a_printer_id_no_printer_can_have_is_a_message(
    app: Flask, officer: Browser, printer_id: str
) -> None:
    dossier = make_dossier(Status.RECEIVED, received_at=utcnow() - timedelta(hours=1))
    page = officer.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    resp = officer.client.post(
        f"/in-nhiet/giay-tiep-nhan/{dossier.id}",
        data={"csrf_token": csrf_from(page), "printer_id": printer_id},
    )
    assert resp.status_code in (302, 303, 422)


def _text_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, rule) of every route with a text segment (any converter but int)."""
    out = []
    for rule in app.url_map.iter_rules():
        if re.search(r"<(?!int:)(?:\w+:)?\w+>", rule.rule):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((method, rule.rule))
    return out


@pytest.mark.parametrize("segment", ["%00", "abc%00", "%1b%5b0m", "%07", "%7f", "%c2%85"])
def test_a_control_character_in_an_address_matches_no_route(
    app: Flask, admin: Browser, segment: str
) -> None:
    # PostgreSQL refuses a NUL in any text it is asked about: /tra-cuu/%00 was a 500
    # there (the route fuzz found it). No code, name or language holds a control
    # character, so such an address is no page; the database is never asked.
    adapter = app.url_map.bind("localhost")
    routes = _text_routes(app)
    assert any("/tra-cuu/" in rule for _, rule in routes)
    for method, rule in routes:
        url = re.sub(r"<(?!int:)(?:\w+:)?\w+>", segment, re.sub(r"<int:\w+>", "1", rule))
        resp = admin.client.open(url, method=method)
        assert resp.status_code == 404, f"{method} {url}: {resp.status_code}"
    with pytest.raises(Exception, match="404"):
        adapter.match("/tra-cuu/\x00")
