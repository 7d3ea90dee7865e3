"""In Chromium: a leader fetches the online submissions; the one-stop officer finds one in
the worklist's «Nộp trực tuyến — chờ tiếp nhận» tab, opens it, sees the citizen's scans
on the portal, and accepts it: the slip opens, and the portal hears of it at the next sync.

Screenshots are written to ``COUNTER_E2E_SHOTS`` (a folder) when it is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from counter.domain import clock
from counter.extensions import db
from counter.models import Dossier
from counter.portal import sender
from counter.services.office import get_office
from tests.e2e.conftest import LiveServer, log_in, serve_demo
from tests.e2e.test_sessions_browser import _shot
from tests.portal.helpers import portal_state
from tests.portal.test_pull import online, seed
from tools.portal_sim import PortalState, SimServer


@pytest.fixture
def commune(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SimServer]]:
    """A commune's own server (its own database) syncing to its own simulator."""
    with (
        serve_demo(tmp_path_factory.mktemp("pull-live")) as server,
        SimServer(PortalState()) as sim,
    ):
        server.app.config.update(
            PORTAL_URL=sim.url, PORTAL_USER="counter", PORTAL_PASSWORD="counter", PORTAL_BATCH=4
        )
        yield server, sim


def test_an_officer_sees_a_pulled_dossier_in_the_worklist_and_accepts_it(
    commune: tuple[LiveServer, SimServer], page: Any, chromium: Any, tmp_path: Path
) -> None:
    server, sim = commune
    with server.app.app_context():
        office = get_office().agency_id
        db.session.remove()
    item = online(office, 1, at=clock.now())
    item["ChuHoSo"] = "Lò Thị Hoa"
    seed(sim.url, office, [item])
    code = item["MaHoSo"]

    log_in(page, server, "lanhdao", "lanhdao123")
    page.goto(server("/dong-bo/"))
    page.click("text=Lấy hồ sơ nộp trực tuyến")
    for _ in range(60):  # the pull runs beside the request
        if "1 hồ sơ mới" in page.locator(".pull-last").inner_text():
            break
        page.wait_for_timeout(250)
        page.reload()
    assert "1 hồ sơ mới" in page.locator(".pull-last").inner_text()
    _shot(page, tmp_path, "pull-sync-page.png")

    officer = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh").new_page()
    officer.set_default_timeout(10_000)
    log_in(officer, server, "tiepnhan", "tiepnhan123")
    officer.click("nav >> text=Hồ sơ")
    tab = officer.locator("a.tab-online")
    assert "Nộp trực tuyến — chờ tiếp nhận" in tab.inner_text()
    tab.click()
    officer.wait_for_url("**tab=online**")
    row = officer.locator("table.worklist tr", has_text=code)
    assert "Lò Thị Hoa" in row.inner_text()
    _shot(officer, tmp_path, "pull-worklist.png")
    row.locator("a").first.click()
    officer.wait_for_selector("text=Bản quét công dân nộp trên cổng")
    assert officer.locator(".portal-files a").get_attribute("href").endswith(f"{code}/1.pdf")
    _shot(officer, tmp_path, "pull-dossier.png")
    officer.locator("details.action-receive summary").click()
    officer.locator("details.action-receive button[type=submit]").click()
    officer.wait_for_load_state()
    assert "/in/" in officer.url or "mau" in officer.url, officer.url
    _shot(officer, tmp_path, "pull-slip.png")
    officer.context.close()

    with server.app.app_context():
        dossier = db.session.scalar(db.select(Dossier).where(Dossier.code == code))
        assert dossier.status == "received" and dossier.ledger_seq is not None
        assert dossier.received_at > clock.now() - timedelta(minutes=5)
        sender.run_sync("test")
        db.session.remove()
    assert portal_state(sim.url)["dossiers"][code]["TrangThaiHoSo"] == 2
