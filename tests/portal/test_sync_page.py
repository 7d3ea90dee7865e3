"""The sync page (leaders and admins) and the red banner of items waiting too long."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, update

from counter.domain import clock
from counter.domain.clock import now as utcnow
from counter.extensions import db
from counter.models.portal import PARKED, PENDING, OutboxItem
from counter.portal import sender
from tests.portal.helpers import assert_portal_matches_local, bulk_dossiers, fault
from tools.portal_sim import SimServer

BANNER = "quá một ngày làm việc"


def _wait_until_done(browser: Any) -> dict[str, Any]:
    end = time.monotonic() + 120
    while True:
        data = browser.get("/dong-bo/tien-do").get_json()
        if not data["running"] and data["run"]:
            return data
        assert time.monotonic() < end
        time.sleep(0.1)


def test_only_leaders_and_admins_open_it(portal_app: Flask, login_as: Any) -> None:
    portal_app.config["PORTAL_PASSWORD"] = "mat-khau-cong-9"
    assert login_as("tiepnhan").get("/dong-bo/").status_code == 403
    assert login_as("chuyenvien").get("/dong-bo/tien-do").status_code == 403
    page = login_as("lanhdao").get("/dong-bo/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Đồng bộ ngay" in html and "COUNTER_PORTAL_URL" in html
    assert "<td>counter</td>" in html and "mat-khau-cong-9" not in html
    assert login_as("admin").get("/dong-bo/").status_code == 200


def test_sync_now_runs_beside_the_request_and_the_page_counts_it(
    portal_app: Flask, sim: SimServer, login_as: Any
) -> None:
    leader = login_as("lanhdao")
    pending = sender.counts().pending
    response = leader.submit("/dong-bo/chay", {}, page="/dong-bo/")
    assert response.status_code == 302
    data = _wait_until_done(leader)
    assert (data["sent"], data["pending"], data["failed"]) == (pending, 0, False)
    html = leader.get("/dong-bo/").get_data(as_text=True)
    assert f"<strong>{pending}</strong><br>đã gửi" in html
    assert "bấm trên trang" in html and "Cập nhật thành công" in html
    assert_portal_matches_local(sim.url)


def test_a_parked_item_shows_its_reason_and_is_requeued(
    portal_app: Flask, sim: SimServer, login_as: Any
) -> None:
    bulk_dossiers(1, prefix="PG")
    fault(sim.url, mode="reject", ma_ho_so="PG-000000", message="Thiếu mã lĩnh vực")
    sender.run_sync("test")
    leader = login_as("lanhdao")
    html = leader.get("/dong-bo/").get_data(as_text=True)
    assert "PG-000000" in html and "Thiếu mã lĩnh vực" in html
    [item] = db.session.scalars(db.select(OutboxItem).where(OutboxItem.status == PARKED))
    fault(sim.url, clear=True)
    response = leader.submit(f"/dong-bo/muc/{item.id}/gui-lai", {}, page="/dong-bo/")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxItem, item.id).status == PENDING
    page = leader.get("/dong-bo/").get_data(as_text=True)
    assert "Đã đưa 1 mục trở lại hàng đợi." in page
    assert sender.run_sync("test").ok
    assert_portal_matches_local(sim.url)


def test_red_banner_on_staff_pages_after_one_working_day(
    portal_app: Flask, sim: SimServer, login_as: Any
) -> None:
    officer = login_as("tiepnhan")
    assert BANNER not in officer.get("/").get_data(as_text=True)  # queued just now
    db.session.execute(
        update(OutboxItem)
        .where(OutboxItem.status == PENDING)
        .values(created_at=utcnow() - timedelta(days=5))
    )
    db.session.commit()
    html = officer.get("/").get_data(as_text=True)
    assert 'class="banner banner-danger"' in html and BANNER in html
    assert "Hãy báo lãnh đạo" in html  # the officer cannot open the page
    assert "/dong-bo/" in login_as("lanhdao").get("/").get_data(as_text=True)
    sender.run_sync("test")
    assert BANNER not in officer.get("/").get_data(as_text=True)


def test_a_staff_page_reads_the_banners_facts_and_the_setup_version_with_its_sign_in(
    portal_app: Flask, sim: SimServer, login_as: Any
) -> None:
    with clock.frozen(utcnow() + timedelta(days=3)):
        login_as("lanhdao")  # the newest record: a sign-in at a later time
    officer = login_as("tiepnhan")
    db.session.execute(
        update(OutboxItem)
        .where(OutboxItem.status == PENDING)
        .values(created_at=utcnow() - timedelta(days=5))
    )
    db.session.commit()
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        html = officer.get("/").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert BANNER in html  # the outbox's banner
    assert "sớm hơn lần ghi gần nhất" in html  # the clock's banner
    reads = [
        s
        for s in statements
        if any(t in s for t in ("audit_entry", "outbox_item", "setup_version"))
    ]
    assert len(reads) == 1 and "user_session" in reads[0], reads


def test_the_page_lists_what_is_pending_with_its_retry_state(
    portal_app: Flask, sim: SimServer, login_as: Any
) -> None:
    portal_app.config["PORTAL_BATCH"] = 50
    assert sender.run_sync("test").ok  # the demo's dossiers are on the portal
    [dossier_id] = bulk_dossiers(1, prefix="PD")
    code = "PD-000000"
    leader = login_as("lanhdao")
    html = leader.get("/dong-bo/").get_data(as_text=True)
    assert "Mục đang chờ gửi" in html and code in html  # queued, never tried
    fault(sim.url, mode="error500", count=1)
    sender.run_sync("test")
    [tried] = db.session.scalars(
        db.select(OutboxItem).where(OutboxItem.dossier_id == dossier_id, OutboxItem.kind == "state")
    )
    assert tried.status == PENDING and tried.attempts == 1
    html = leader.get("/dong-bo/").get_data(as_text=True)
    row = next(r for r in html.split("<tr") if code in r and "Trạng thái hồ sơ" in r)
    assert "Cổng báo lỗi máy chủ." in row  # why it is still waiting
    assert "<td>1</td>" in row  # attempts so far
    assert sender.run_sync("test", now=lambda: utcnow() + timedelta(hours=2)).ok
    html = leader.get("/dong-bo/").get_data(as_text=True)
    assert code not in html.split("Mục đang chờ gửi")[1].split("<h2")[0]
    assert "Không có mục nào đang chờ." in html


def test_the_automatic_sync_every_n_minutes_sends_what_is_pending(
    portal_app: Flask, sim: SimServer, monkeypatch: Any
) -> None:
    from counter.portal import status

    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) > 1:
            raise SystemExit  # the loop's second wait: enough

    monkeypatch.setattr(status.time, "sleep", sleep)
    assert sender.counts().pending > 0
    with pytest.raises(SystemExit):
        status.sync_every(portal_app, 5)
    assert slept == [300, 300]
    db.session.expire_all()
    assert sender.counts().pending == 0
    assert_portal_matches_local(sim.url)
