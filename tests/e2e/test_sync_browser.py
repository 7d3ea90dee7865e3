"""In Chromium: a leader presses «Đồng bộ ngay», watches the progress bar, reads why the
portal refused one dossier, and sends it again.

Screenshots of the page after the sync and after «Gửi lại» are written to
``COUNTER_E2E_SHOTS`` (a folder) when it is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from counter.extensions import db
from counter.models import Dossier
from tests.e2e.conftest import LiveServer, log_in
from tests.e2e.test_sessions_browser import _shot
from tests.portal.helpers import fault
from tools.portal_sim import PortalState, SimServer

PORTAL_KEYS = ("PORTAL_URL", "PORTAL_USER", "PORTAL_PASSWORD", "PORTAL_BATCH")


@pytest.fixture
def portal(live_server: LiveServer) -> Iterator[SimServer]:
    config = live_server.app.config
    saved = {key: config.get(key) for key in PORTAL_KEYS}
    with SimServer(PortalState()) as sim:
        config.update(
            PORTAL_URL=sim.url, PORTAL_USER="counter", PORTAL_PASSWORD="counter", PORTAL_BATCH=4
        )
        try:
            yield sim
        finally:
            config.update(saved)


def _wait_for_the_end(page: Any, runs: int) -> None:
    """Until ``runs`` runs are listed, all finished (the page reloads itself then; so do we)."""
    for _ in range(120):
        listed = page.locator("table.sync-runs").inner_text()
        if "đang chạy hoặc bị ngắt" not in listed and listed.count("bấm trên trang") >= runs:
            return
        page.wait_for_timeout(500)
        try:
            page.reload()
        except PlaywrightError:  # the page's own reload at the end of the run came first
            page.wait_for_load_state()
    raise AssertionError("the sync did not finish")


def test_sync_now_progress_parked_reason_and_send_again(
    live_server: LiveServer, portal: SimServer, page: Any, tmp_path: Path
) -> None:
    with live_server.app.app_context():
        code = db.session.scalar(db.select(Dossier.code).order_by(Dossier.id).limit(1))
        db.session.remove()
    fault(portal.url, mode="reject", ma_ho_so=code, message="Thiếu mã lĩnh vực (MaLinhVuc)")
    portal.state.hang_seconds = 0.4
    fault(portal.url, mode="hang", count=3)  # slow enough to see the bar move
    log_in(page, live_server, "lanhdao", "lanhdao123")
    page.click("nav >> text=Đồng bộ")
    page.wait_for_url("**/dong-bo/")
    page.click("text=Đồng bộ ngay")
    page.wait_for_selector("#sync-progress:not([hidden]) progress")
    _wait_for_the_end(page, 1)
    row = page.locator("tr", has_text="Thiếu mã lĩnh vực (MaLinhVuc)")
    assert row.count() == 1 and code in row.inner_text()
    assert "xong" in page.locator("table.sync-runs").inner_text()
    _shot(page, tmp_path, "sync-after-run.png")

    fault(portal.url, clear=True)
    row.locator("button", has_text="Gửi lại").click()
    page.wait_for_selector("text=trở lại hàng đợi")
    assert page.locator("text=Không có mục nào bị dừng.").count() == 1
    page.click("text=Đồng bộ ngay")
    _wait_for_the_end(page, 2)
    assert page.locator(".sync-counts p").first.inner_text().startswith("0")
    assert code in portal.state.dossiers
    _shot(page, tmp_path, "sync-after-requeue.png")
