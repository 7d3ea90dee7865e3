"""The worklist, search and dossier pages, as an officer uses them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import delete

from counter.domain import clock
from counter.domain.clock import now as utcnow
from counter.domain.lifecycle import Action, Status
from counter.extensions import db
from counter.models import AuditEntry, CounterNotice, Dossier
from counter.services import dossiers as svc
from tests.services.test_lifecycle_service import actor_for, make_dossier


@pytest.fixture
def empty(app: Flask) -> Flask:
    db.session.execute(delete(CounterNotice))
    db.session.execute(delete(Dossier))
    db.session.commit()
    return app


def _recent(status: Status = Status.RECEIVED, **kw: object) -> Dossier:
    """A dossier received a little while ago, so today's actions come after it."""
    return make_dossier(status, received_at=utcnow() - timedelta(hours=1), **kw)  # type: ignore[arg-type]


def _action_forms(html: str) -> set[str]:
    return set(re.findall(r'action="/ho-so/\d+/([a-z_]+)"', html))


def test_pages_need_a_signed_in_staff_member(app: Flask, client: object, empty: Flask) -> None:
    dossier = _recent()
    for url in ("/ho-so/", "/ho-so/tim", f"/ho-so/{dossier.id}"):
        resp = client.get(url)  # type: ignore[attr-defined]
        assert resp.status_code == 302 and "/dang-nhap" in resp.headers["Location"]


def test_worklist_shows_tabs_with_counts_and_rows(login_as: object, empty: Flask) -> None:
    overdue = _recent(Status.IN_PROGRESS, name="Quàng Thị Lả", id_number="011190001111")
    overdue.due_at = utcnow() - timedelta(days=3)
    db.session.commit()
    _recent(Status.SUPPLEMENT_REQUESTED, name="Lường Văn Chăn", id_number="011090002222")
    browser = login_as("chuyenvien")  # type: ignore[operator]
    html = browser.get("/ho-so/?tab=overdue").get_data(as_text=True)
    assert "Đến hạn hôm nay" in html and "Quá hạn" in html and "Tất cả" in html
    counts = dict(re.findall(r'tab-(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', html))
    assert counts["overdue"] == "1" and counts["open"] == "2" and counts["all"] == "2"
    assert "Quàng Thị Lả" in html and "Lường Văn Chăn" not in html
    assert "quá hạn" in html
    html = browser.get("/ho-so/?tab=open").get_data(as_text=True)
    assert "Tạm dừng" in html  # the paused dossier is shown as paused
    # Every dossier not finished, resolved ones awaiting return too: not the reports'
    # «Đang giải quyết», which counts those not yet resolved (a leader reads both).
    assert "Chưa hoàn thành" in html and "Đang giải quyết" not in html
    assert "011190001111" not in html  # no ID numbers on the list


def test_search_is_posted_and_keeps_id_numbers_out_of_urls(login_as: object, empty: Flask) -> None:
    dossier = _recent(name="Nguyễn Văn Ánh", id_number="011090001234")
    browser = login_as("tiepnhan")  # type: ignore[operator]
    resp = browser.submit("/ho-so/tim", {"q": "011090001234"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.history[0].status_code == 303
    assert f"/ho-so/{dossier.id}" in html and "Nguyễn Văn Ánh" in html
    assert "?q=" not in html and "011090001234" not in resp.request.url
    resp = browser.submit("/ho-so/tim", {"q": "nguyen van anh"}, follow_redirects=True)
    assert "Tìm thấy 1 hồ sơ" in resp.get_data(as_text=True)
    resp = browser.submit("/ho-so/tim", {"q": "  "})
    assert resp.status_code == 422 and "Vui lòng nhập" in resp.get_data(as_text=True)
    # Without the CSRF token the search is refused.
    assert browser.client.post("/ho-so/tim", data={"q": "ánh"}).status_code == 400


def test_dossier_page_shows_details_timeline_and_only_allowed_actions(
    login_as: object, empty: Flask
) -> None:
    dossier = _recent(name="Nguyễn Văn Ánh", id_number="011090001234")
    reception = login_as("tiepnhan")  # type: ignore[operator]
    html = reception.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert dossier.code in html and "011090001234" in html  # the ID is shown to staff
    assert "Tờ khai theo mẫu" in html  # documents
    assert "Tiếp nhận" in html  # the reception event in the timeline
    assert _action_forms(html) == {"hand_over", "request_supplement", "withdraw"}
    leader = login_as("lanhdao")  # type: ignore[operator]
    html = leader.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert _action_forms(html) == {"hand_over", "request_supplement", "stop"}
    # Viewing a page that shows the ID number is logged.
    viewers = db.session.scalars(
        db.select(AuditEntry.username).where(
            AuditEntry.action == "dossier_viewed", AuditEntry.target == dossier.code
        )
    ).all()
    assert sorted(viewers) == ["lanhdao", "tiepnhan"]


def test_in_progress_actions_differ_for_specialist_and_leader(
    login_as: object, empty: Flask
) -> None:
    dossier = _recent(Status.IN_PROGRESS)
    specialist = login_as("chuyenvien")  # type: ignore[operator]
    html = specialist.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert _action_forms(html) == {
        "hand_over",
        "request_supplement",
        "request_payment",
        "propose_delay",
        "resolve",
    }
    leader = login_as("lanhdao")  # type: ignore[operator]
    html = leader.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert {"delay", "stop"} <= _action_forms(html)
    assert "propose_delay" in _action_forms(html)


def test_an_action_is_posted_and_appears_in_the_timeline(login_as: object, empty: Flask) -> None:
    dossier = _recent()
    browser = login_as("tiepnhan")  # type: ignore[operator]
    specialist = actor_for("specialist")
    url = f"/ho-so/{dossier.id}"
    resp = browser.submit(
        f"{url}/hand_over",
        {
            "hand_over-version": str(dossier.version),
            "hand_over-from_unit": "Bộ phận một cửa",
            "hand_over-to_unit": "Công chức Tư pháp - Hộ tịch",
            "hand_over-assign_to_id": str(specialist.user_id),
            "hand_over-note": "Chuyển ngay",
        },
        page=url,
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(url)
    html = browser.get(url).get_data(as_text=True)
    assert "Đã cập nhật hồ sơ" in html
    assert "Bộ phận một cửa → Công chức Tư pháp - Hộ tịch" in html
    assert "Chuyển ngay" in html and "Quàng Văn Minh" in html
    fresh = db.session.get(Dossier, dossier.id)
    assert fresh.status == "in_progress" and fresh.assigned_to_id == specialist.user_id


def test_a_stale_form_gets_409_and_keeps_the_typed_note(login_as: object, empty: Flask) -> None:
    dossier = _recent()
    stale = dossier.version
    svc.request_supplement(
        actor_for("reception"), dossier.id, version=stale, items=["Bản sao Giấy khai sinh"]
    )
    browser = login_as("tiepnhan")  # type: ignore[operator]
    url = f"/ho-so/{dossier.id}"
    resp = browser.submit(
        f"{url}/withdraw",
        {"withdraw-version": str(stale), "withdraw-reason": "Công dân đi làm ăn xa, xin rút"},
        page=url,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "người khác cập nhật" in html
    assert "Công dân đi làm ăn xa, xin rút" in html  # nothing typed is lost
    assert db.session.get(Dossier, dossier.id).status == "supplement_requested"
    # The form is shown again with the current version: sending it now works.
    version = re.search(r'name="withdraw-version"[^>]*value="(\d+)"', html)
    assert version and version.group(1) == str(db.session.get(Dossier, dossier.id).version)


def test_a_stale_form_for_an_action_no_longer_possible_shows_the_text(
    login_as: object, empty: Flask
) -> None:
    dossier = _recent()
    stale = dossier.version
    svc.withdraw(actor_for("reception"), dossier.id, version=stale, reason="Rút")
    browser = login_as("tiepnhan")  # type: ignore[operator]
    url = f"/ho-so/{dossier.id}"
    resp = browser.submit(
        f"{url}/hand_over",
        {"hand_over-version": str(stale), "hand_over-to_unit": "Địa chính - Xây dựng"},
        page=url,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "chưa được lưu" in html and "Địa chính - Xây dựng" in html


def test_a_missing_reason_is_422_with_the_message_on_the_form(
    login_as: object, empty: Flask
) -> None:
    dossier = _recent(Status.IN_PROGRESS)
    browser = login_as("lanhdao")  # type: ignore[operator]
    url = f"/ho-so/{dossier.id}"
    resp = browser.submit(
        f"{url}/delay",
        {"delay-version": str(dossier.version), "delay-new_due": "31/02/2026", "delay-reason": "x"},
        page=url,
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Ngày hẹn trả mới không hợp lệ" in html
    assert 'value="31/02/2026"' in html  # the typed value stays in the form
    resp = browser.submit(f"{url}/stop", {"stop-version": str(dossier.version)}, page=url)
    assert resp.status_code == 422 and "Vui lòng ghi lý do dừng" in resp.get_data(as_text=True)
    resp = browser.submit(
        f"{url}/resolve",
        {"resolve-version": str(dossier.version), "resolve-note": "x" * 2001},
        page=url,
    )
    assert resp.status_code == 422 and "Tối đa 2000 ký tự" in resp.get_data(as_text=True)
    assert db.session.get(Dossier, dossier.id).status == "in_progress"


def test_an_action_the_role_may_not_take_is_403(login_as: object, empty: Flask) -> None:
    dossier = _recent(Status.IN_PROGRESS)
    browser = login_as("tiepnhan")  # type: ignore[operator]
    url = f"/ho-so/{dossier.id}"
    resp = browser.submit(f"{url}/resolve", {"resolve-version": str(dossier.version)}, page=url)
    assert resp.status_code == 403
    assert db.session.get(Dossier, dossier.id).status == "in_progress"
    assert browser.submit(f"{url}/fly", {}, page=url).status_code == 404


def test_delay_form_is_prefilled_from_the_proposal(login_as: object, empty: Flask) -> None:
    dossier = _recent(Status.IN_PROGRESS)
    dossier.due_at = utcnow() + timedelta(days=10)
    db.session.commit()
    from counter.services import calendar as cal

    day = clock.local_naive(dossier.due_at).date() + timedelta(days=1)
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    svc.propose_delay(
        actor_for("specialist"),
        dossier.id,
        version=dossier.version,
        new_due=svc.local_due(day),
        reason="Chờ xác minh của xã bạn",
    )
    html = login_as("lanhdao").get(f"/ho-so/{dossier.id}").get_data(as_text=True)  # type: ignore[operator]
    assert f'value="{day.isoformat()}"' in html
    assert "Chờ xác minh của xã bạn" in html


def test_reprint_links_for_the_forms_that_apply(login_as: object, empty: Flask, app: Flask) -> None:
    dossier = _recent(Status.IN_PROGRESS)
    svc.request_supplement(
        actor_for("specialist"), dossier.id, version=dossier.version, items=["Tờ khai"]
    )
    html = login_as("tiepnhan").get(f"/ho-so/{dossier.id}").get_data(as_text=True)  # type: ignore[operator]
    for number in ("01", "02", "06"):
        endpoint = f"printforms.form{number}"
        if endpoint in app.view_functions:  # the print forms are another part of the issue
            with app.test_request_context():
                assert f'href="{url_for(endpoint, dossier_id=dossier.id)}"' in html
            assert f"In lại mẫu {number}" in html
    assert "In lại mẫu 03" not in html and "In lại mẫu 04" not in html


def test_action_labels_in_the_menu_are_the_domain_labels(login_as: object, empty: Flask) -> None:
    dossier = _recent(Status.RESOLVED)
    html = login_as("tiepnhan").get(f"/ho-so/{dossier.id}").get_data(as_text=True)  # type: ignore[operator]
    assert Action.RETURN_RESULT.label in html
    assert 'value="Nguyễn Văn Ánh"' in html  # collected_by defaults to the applicant


def test_results_waiting_for_the_citizen_have_their_own_tab(login_as: Any) -> None:
    from counter.models import Dossier

    ready = db.session.scalars(db.select(Dossier).where(Dossier.status == "resolved")).all()
    assert ready, "the demo data has resolved dossiers"
    html = login_as("tiepnhan").get("/ho-so/?tab=ready").get_data(as_text=True)
    assert "Chờ trả kết quả" in html
    for dossier in ready:
        assert dossier.code in html


def test_handover_from_the_counter_proposes_the_resolving_body(login_as: Any) -> None:
    from counter.models import Dossier

    dossier = db.session.scalars(
        db.select(Dossier).where(Dossier.status == "received").order_by(Dossier.id)
    ).first()
    html = login_as("tiepnhan").get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert f'value="{dossier.processing_unit}"' in html and dossier.processing_unit
