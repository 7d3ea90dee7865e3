"""In Chromium, as a person carries a week of work on a stick: the leader exports the bundle
from the sync page, the province uploads it on the portal's page and downloads the receipt,
and the leader loads the receipt back; then the same receipt once more, and a wrong file.

Screenshots go to ``COUNTER_E2E_SHOTS`` (a folder) when it is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter.extensions import db
from counter.models import Dossier, Office
from counter.portal import sender
from tests.e2e.conftest import LiveServer, log_in, serve_demo
from tests.e2e.test_sessions_browser import _shot
from tools.portal_sim import PortalState, SimServer


@pytest.fixture
def commune(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A commune of its own (fresh demo data, all of it pending): the shared server's
    dossiers belong to the other browser tests."""
    with serve_demo(tmp_path_factory.mktemp("commune")) as server:
        yield server


@pytest.fixture
def province(commune: LiveServer) -> Iterator[SimServer]:
    """The portal, holding this office's sync key (told once by phone)."""
    with commune.app.app_context():
        agency = db.session.scalar(select(Office.agency_id))
        db.session.remove()
    state = PortalState(sync_keys={agency: commune.app.config["PORTAL_SYNC_KEY"]})
    with SimServer(state) as sim:
        yield sim


def test_carry_a_bundle_to_the_province_and_the_receipt_back(
    commune: LiveServer, province: SimServer, page: Any, tmp_path: Path
) -> None:
    log_in(page, commune, "lanhdao", "lanhdao123")
    page.goto(commune("/dong-bo/"))
    _shot(page, tmp_path, "bundle-1-sync-page.png")
    with page.expect_download() as download:
        page.click("button:has-text('Xuất tệp mang đi (USB)')")
    stick = tmp_path / "usb"
    stick.mkdir()
    bundle_file = stick / download.value.suggested_filename
    download.value.save_as(bundle_file)
    assert bundle_file.name.startswith("dongbo-") and bundle_file.suffix == ".dbgoi"

    # At the province: the portal's upload page.
    page.goto(province.url + "/bundle")
    page.set_input_files("input[name=file]", str(bundle_file))
    page.click("button:has-text('Nhập gói')")
    page.wait_for_selector(".ok, .err")
    assert page.locator(".err").count() == 0, page.inner_text("body")
    assert "mục được nhận, 0 mục bị từ chối" in page.inner_text(".ok")
    _shot(page, tmp_path, "bundle-2-portal-imported.png")
    with page.expect_download() as download:
        page.click("#receipt")
    receipt_file = stick / download.value.suggested_filename
    download.value.save_as(receipt_file)
    # The same stick again: the portal says so and changes nothing.
    page.goto(province.url + "/bundle")
    page.set_input_files("input[name=file]", str(bundle_file))
    page.click("button:has-text('Nhập gói')")
    assert "đã được nhập trước đó" in page.inner_text(".err")
    _shot(page, tmp_path, "bundle-3-portal-again.png")

    # Back at the commune.
    page.goto(commune("/dong-bo/"))
    page.set_input_files("input[name=file]", str(bundle_file))  # the wrong file, by mistake
    page.click("button:has-text('Nạp biên nhận')")
    assert "không phải biên nhận của cổng" in page.inner_text(".flash-danger")
    page.set_input_files("input[name=file]", str(receipt_file))
    page.click("button:has-text('Nạp biên nhận')")
    assert "Đã nạp biên nhận: cổng nhận" in page.inner_text(".flash-success")
    _shot(page, tmp_path, "bundle-4-receipt-loaded.png")
    page.set_input_files("input[name=file]", str(receipt_file))
    page.click("button:has-text('Nạp biên nhận')")
    assert "đã được nạp trước đó" in page.inner_text(".flash-info")
    with commune.app.app_context():
        assert sender.counts().pending == 0
        db.session.remove()
    with commune.app.app_context():
        codes = set(db.session.scalars(select(Dossier.code)))
        db.session.remove()
    assert set(province.state.dossiers) == codes  # every dossier reached the province
