"""«Tiếp nhận và in giấy hẹn» prints: the office default decides how, after the commit."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from flask import Flask

from counter.extensions import db
from counter.models import Office, Printer, PrintLog, Procedure
from tests.conftest import Browser
from tests.printing.gsv0 import decode
from tests.web.test_reception_pages import certify, form_data, mine  # noqa: F401 (fixture)


@pytest.fixture
def officer(login_as: Any) -> Browser:
    return login_as("tiepnhan")


def add_printer(uri: str) -> Printer:
    printer = Printer(name="Quầy 1", uri=uri, width=576, is_default=True, active=True)
    db.session.add(printer)
    db.session.commit()
    return printer


def closed_port() -> int:
    """A local TCP port nobody listens on: a printer that is switched off."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def set_mode(mode: str) -> None:
    """The admin's choice on the office profile (Quản trị › Thông tin đơn vị)."""
    office = db.session.get(Office, 1)
    office.print_on_receive = mode
    db.session.commit()


def receive(officer: Browser, procedure: Procedure) -> tuple[str, dict[str, list[str]]]:
    resp = officer.submit("/tiep-nhan/", form_data(procedure))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    parts = urlsplit(resp.location)
    return parts.path, parse_qs(parts.query)


def test_without_a_thermal_printer_the_slip_opens_with_the_a4_print_dialog(
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    path, query = receive(officer, certify)
    [dossier] = mine()
    assert path == f"/in/ho-so/{dossier.id}/mau-01"
    assert query == {"size": ["a4"], "print": ["1"]}
    page = officer.get(f"{path}?size=a4&print=1").get_data(as_text=True)
    assert dossier.code in page and "data-auto-print" in page


@pytest.mark.parametrize("setting", ["a5", "80mm"])
def test_the_office_may_choose_the_sheet_of_the_print_dialog(
    app: Flask,
    officer: Browser,
    certify: Procedure,  # noqa: F811
    setting: str,
) -> None:
    set_mode(setting)
    _path, query = receive(officer, certify)
    assert query == {"size": [setting], "print": ["1"]}


def test_off_opens_the_slip_without_printing(
    app: Flask,
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    never = Path(app.instance_path) / "never.bin"
    add_printer(f"file:{never}")
    set_mode("off")
    _path, query = receive(officer, certify)
    assert "print" not in query
    assert not never.exists()


def test_with_a_thermal_printer_the_slip_prints_at_once_after_saving(
    app: Flask,
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    out = Path(app.instance_path) / "printer.bin"
    add_printer(f"file:{out}")
    path, query = receive(officer, certify)
    [dossier] = mine()
    assert query == {"size": ["80mm"]}  # the roll is shown; the browser dialog is not opened
    job = out.read_bytes()
    assert job.startswith(b"\x1b@") and b"\x1dV" in job  # ESC @ … GS V: a real job, cut
    [qr] = zxingcpp.read_barcodes(decode(job).image().convert("L"))
    assert qr.text.endswith(f"/tra-cuu/{dossier.code}?k={dossier.lookup_key}")
    [entry] = db.session.scalars(db.select(PrintLog).where(PrintLog.ref == dossier.code)).all()
    assert entry.ok and entry.kind == "slip"
    page = officer.get(f"{path}?size=80mm").get_data(as_text=True)
    assert f"Đã in giấy tiếp nhận {dossier.code}" in page
    assert f'action="/in-nhiet/giay-tiep-nhan/{dossier.id}"' in page  # reprint at hand


def test_a_printer_that_is_off_loses_nothing_and_offers_a_retry(
    app: Flask,
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    printer = add_printer(f"tcp://127.0.0.1:{closed_port()}")
    path, query = receive(officer, certify)
    [dossier] = mine()  # saved although the printer is off
    assert dossier.status == "received"
    assert query == {"size": ["80mm"], "loi_in": ["1"]}  # no browser dialog either
    page = officer.get(f"{path}?size=80mm&loi_in=1").get_data(as_text=True)
    assert "Chưa in được giấy tiếp nhận" in page and "Hồ sơ đã được lưu" in page
    retry = re.search(
        rf'<form[^>]*action="/in-nhiet/giay-tiep-nhan/{dossier.id}".*?</form>', page, re.S
    )
    assert retry and "autofocus" in retry.group(0) and "In lại" in retry.group(0)
    [failed] = db.session.scalars(db.select(PrintLog).where(PrintLog.ref == dossier.code)).all()
    assert not failed.ok
    # The printer is back on: the retry button prints the same slip.
    out = Path(app.instance_path) / "back-on.bin"
    printer.uri = f"file:{out}"
    db.session.commit()
    resp = officer.submit(
        f"/in-nhiet/giay-tiep-nhan/{dossier.id}",
        {"next": f"{path}?size=80mm&loi_in=1"},
        page=f"{path}?size=80mm&loi_in=1",
    )
    assert resp.status_code == 302
    assert out.read_bytes().startswith(b"\x1b@")
    # Printed: back on the slip page, the button is no longer «In lại».
    assert "loi_in" not in resp.location


def _reprint(officer: Browser, procedure: Procedure, printer: str, query: str = "") -> Any:
    """Receive with no printer (the slip is shown on A4), add ``printer``, then press the
    slip page's thermal button on the page opened with ``query``: the answer."""
    path, _query = receive(officer, procedure)
    [dossier] = mine()
    add_printer(printer)
    page = path + query
    return officer.submit(f"/in-nhiet/giay-tiep-nhan/{dossier.id}", {"next": page}, page=page)


def test_a_reprint_that_fails_comes_back_with_the_button_its_message_names(
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    resp = _reprint(officer, certify, f"tcp://127.0.0.1:{closed_port()}")
    assert resp.status_code == 302
    [dossier] = mine()
    page = officer.get(resp.location).get_data(as_text=True)
    assert "Chưa in được giấy tiếp nhận" in page and "bấm “In lại”" in page
    retry = re.search(
        rf'<form[^>]*action="/in-nhiet/giay-tiep-nhan/{dossier.id}".*?</form>', page, re.S
    )
    assert retry and "autofocus" in retry.group(0) and "In lại" in retry.group(0)


def test_a_thermal_reprint_does_not_open_the_browsers_print_dialog_again(
    app: Flask,
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    roll = f"file:{Path(app.instance_path) / 'roll.bin'}"
    resp = _reprint(officer, certify, roll, "?size=a4&print=1")  # as reception opened it
    assert resp.status_code == 302
    assert "print=1" not in resp.location and "size=a4" in resp.location


def test_the_admin_chooses_how_slips_print_on_the_office_profile(login_as: Any) -> None:
    admin = login_as("admin")
    page = admin.get("/quan-tri/don-vi").get_data(as_text=True)
    assert 'name="print_on_receive"' in page and "Máy in nhiệt" in page
    form = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    form.pop("csrf_token", None)
    for mode in ("a5", "zzz"):
        resp = admin.submit("/quan-tri/don-vi", {**form, "print_on_receive": mode})
        if mode == "a5":
            assert resp.status_code == 302
            assert db.session.get(Office, 1).print_on_receive == "a5"
        else:
            assert resp.status_code == 422
            assert "Chọn cách in giấy hẹn" in resp.get_data(as_text=True)
            assert db.session.get(Office, 1).print_on_receive == "a5"
