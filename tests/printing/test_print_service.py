"""Printing a saved dossier's slip through the app: printers, failures, log, pages, CLI."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from flask import Flask

from counter.domain.errors import ValidationError
from counter.extensions import db
from counter.models import Dossier, PrintLog, Procedure, User
from counter.services import Actor, printing
from counter.services.reception import DocumentLine, ReceptionInput, receive

from .gsv0 import decode


def _actor(username: str = "tiepnhan") -> Actor:
    user = db.session.scalar(db.select(User).where(User.username == username))
    return Actor.for_user(user, "127.0.0.1")


def _dossier() -> Dossier:
    procedure = db.session.scalar(db.select(Procedure).where(Procedure.national_code == "2.000815"))
    return receive(
        _actor(),
        ReceptionInput(
            procedure_id=procedure.id,
            applicant_name="Lường Thị Ngọc Ánh",
            id_number="011190001234",
            phone="0912345678",
            address="Bản Che Căn, xã Mường Phăng",
            documents=[DocumentLine("Giấy khai sinh", "original", 1)],
        ),
    )


def _snapshot(dossier: Dossier) -> tuple[Any, ...]:
    db.session.expire_all()
    d = db.session.get(Dossier, dossier.id)
    return (d.code, d.status, d.due_at, d.version, len(d.events))


def test_slip_goes_to_a_file_printer_and_reads_back(app: Flask) -> None:
    dossier = _dossier()
    out = Path(app.instance_path) / "lp0.bin"
    url = f"http://127.0.0.1:8080/tra-cuu/{dossier.code}"
    entry = printing.print_slip(_actor(), dossier, url, uri=f"file:{out}")
    assert entry.ok and entry.ref == dossier.code and entry.size == out.stat().st_size
    image = decode(out.read_bytes()).image()
    assert image.width == 576
    texts = [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]
    assert texts == [url]


def test_default_printer_and_width_come_from_the_admin_settings(app: Flask) -> None:
    instance = Path(app.instance_path)
    admin = _actor("admin")
    printing.save_printer(admin, None, name="Quầy 1", uri=f"file:{instance}/q1.bin", width=384)
    printing.save_printer(
        admin, None, name="Quầy 2", uri=f"file:{instance}/q2.bin", width=576, is_default=True
    )
    dossier = _dossier()
    printing.print_slip(_actor(), dossier, "http://x/tra-cuu/1")
    assert decode((instance / "q2.bin").read_bytes()).image().width == 576
    q1 = db.session.scalar(db.select(printing.Printer).where(printing.Printer.name == "Quầy 1"))
    printing.print_slip(_actor(), dossier, "http://x/tra-cuu/1", printer_id=q1.id)
    assert decode((instance / "q1.bin").read_bytes()).image().width == 384


def test_network_printer_receives_the_job(app: Flask) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def accept() -> None:
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(65536):
                received.extend(chunk)

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        dossier = _dossier()
        port = server.getsockname()[1]
        entry = printing.print_slip(_actor(), dossier, "http://x/", uri=f"tcp://127.0.0.1:{port}")
        thread.join(5)
    finally:
        server.close()
    assert entry.ok and bytes(received[:2]) == b"\x1b@" and len(received) == entry.size


def test_refusing_printer_is_reported_logged_and_leaves_the_dossier_alone(app: Flask) -> None:
    dossier = _dossier()
    before = _snapshot(dossier)
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(printing.PrintFailed) as info:
        printing.print_slip(_actor(), dossier, "http://x/", uri=f"tcp://127.0.0.1:{port}")
    assert "Không kết nối được máy in" in info.value.message
    assert _snapshot(dossier) == before
    logged = db.session.scalars(db.select(PrintLog)).all()
    assert [(e.ok, e.ref) for e in logged] == [(False, dossier.code)]
    assert "Không kết nối được máy in" in logged[0].error


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO to play a stuck device")
def test_stuck_printer_gives_up_within_the_limit(app: Flask) -> None:
    app.config["PRINT_TIMEOUT"] = 1.0
    fifo = Path(app.instance_path) / "stuck"
    os.mkfifo(fifo)  # opening it for writing blocks: nobody ever reads
    dossier = _dossier()
    before = _snapshot(dossier)
    with pytest.raises(printing.PrintFailed) as info:
        printing.print_slip(_actor(), dossier, "http://x/", uri=f"file:{fifo}")
    assert "không phản hồi" in info.value.message
    assert info.value.log_entry.duration_ms < 3000
    assert _snapshot(dossier) == before


def test_no_printer_configured_says_so(app: Flask) -> None:
    dossier = _dossier()
    with pytest.raises(printing.PrinterError, match="Chưa cấu hình máy in nhiệt"):
        printing.print_slip(_actor(), dossier, "http://x/")


def test_admin_adds_a_printer_tests_it_and_sees_the_log(login_as: Any, app: Flask) -> None:
    instance = Path(app.instance_path)
    b = login_as("admin")
    resp = b.submit(
        "/in-nhiet/may-in",
        {"name": "Quầy 1", "uri": "192.168.1.50:9100", "width": "576", "active": "y"},
    )
    assert resp.status_code == 422
    assert "thiếu kiểu kết nối" in resp.get_data(as_text=True)
    out = instance / "test.bin"
    resp = b.submit(
        "/in-nhiet/may-in",
        {"name": "Quầy 1", "uri": f"file:{out}", "width": "384", "active": "y", "is_default": "y"},
    )
    assert resp.status_code == 302
    printer = db.session.scalar(db.select(printing.Printer))
    resp = b.submit(
        f"/in-nhiet/may-in/{printer.id}/in-thu", {}, page="/in-nhiet/may-in", follow_redirects=True
    )
    assert "Đã gửi trang in thử." in resp.get_data(as_text=True)
    assert decode(out.read_bytes()).image().width == 384
    page = b.get("/in-nhiet/may-in").get_data(as_text=True)
    assert "Trang in thử" in page and "Đã in" in page


def test_reception_prints_and_reprints_after_a_failure(login_as: Any, app: Flask) -> None:
    dossier = _dossier()
    b = login_as("tiepnhan")
    app.config["PRINTER"] = "tcp://127.0.0.1:9"  # nothing listens: the print fails
    resp = b.submit(
        f"/in-nhiet/giay-tiep-nhan/{dossier.id}", {"next": "/"}, page="/", follow_redirects=True
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f"Chưa in được giấy tiếp nhận {dossier.code}" in html and "Hồ sơ đã được lưu" in html
    out = Path(app.instance_path) / "slip.bin"
    app.config["PRINTER"] = f"file:{out}"
    resp = b.submit(
        f"/in-nhiet/giay-tiep-nhan/{dossier.id}", {"next": "/"}, page="/", follow_redirects=True
    )
    assert f"Đã in giấy tiếp nhận {dossier.code}." in resp.get_data(as_text=True)
    assert out.stat().st_size > 1000
    assert [e.ok for e in db.session.scalars(db.select(PrintLog).order_by(PrintLog.id))] == [
        False,
        True,
    ]


def test_cli_prints_a_slip_and_a_ticket(app: Flask, runner: Any) -> None:
    instance = Path(app.instance_path)
    dossier = _dossier()
    out = instance / "cli.bin"
    result = runner.invoke(args=["print", "slip", dossier.code, "--printer", f"file:{out}"])
    assert result.exit_code == 0, result.output
    image = decode(out.read_bytes()).image()
    [qr] = zxingcpp.read_barcodes(image.convert("L"))
    assert qr.text.endswith(f"/tra-cuu/{dossier.code}?k={dossier.lookup_key}")
    ticket = instance / "ticket.bin"
    result = runner.invoke(args=["print", "ticket", "a012", "--printer", f"file:{ticket}"])
    assert result.exit_code == 0, result.output
    assert "A012" in result.output and decode(ticket.read_bytes()).image().height > 100
    # The office's look-up address, set by the admin, is what the QR code carries.
    from counter.models import Office

    db.session.get(Office, 1).public_url = "http://192.168.1.10:8080"
    db.session.commit()
    result = runner.invoke(args=["print", "slip", dossier.code, "--printer", f"file:{out}"])
    [qr] = zxingcpp.read_barcodes(decode(out.read_bytes()).image().convert("L"))
    assert qr.text == f"http://192.168.1.10:8080/tra-cuu/{dossier.code}?k={dossier.lookup_key}"
    result = runner.invoke(args=["print", "slip", "KHONG-CO", "--printer", f"file:{out}"])
    assert result.exit_code != 0 and "Không tìm thấy hồ sơ" in result.output


@pytest.mark.parametrize(
    "uri", ["file:/etc/passwd", "file:../../x", "file:../secret.txt", "file:/tmp/../etc/hosts"]
)
def test_a_file_printer_outside_the_instance_folder_is_refused_on_saving(
    app: Flask, uri: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        printing.save_printer(_actor("admin"), None, name="Quầy 1", uri=uri, width=576)
    assert caught.value.field == "uri"
    assert "nằm ngoài thư mục dữ liệu của phần mềm" in caught.value.message
    assert db.session.scalar(db.select(printing.Printer)) is None


def test_the_admin_page_refuses_a_path_outside_the_instance_folder(login_as: Any) -> None:
    resp = login_as("admin").submit(
        "/in-nhiet/may-in", {"name": "Quầy 1", "uri": "file:/etc/passwd", "width": "576"}
    )
    assert resp.status_code == 422
    assert "nằm ngoài thư mục dữ liệu của phần mềm" in resp.get_data(as_text=True)


def test_a_bad_path_saved_before_is_refused_again_when_printing(app: Flask) -> None:
    """A row written before the check (or by hand) and the COUNTER_PRINTER setting."""
    outside = Path(app.instance_path).parent / "outside.bin"
    db.session.add(printing.Printer(name="Cũ", uri=f"file:{outside}", width=576))
    db.session.commit()
    dossier = _dossier()
    with pytest.raises(printing.PrintFailed, match="nằm ngoài thư mục dữ liệu của phần mềm"):
        printing.print_slip(_actor(), dossier, "http://x/")
    app.config["PRINTER"] = "file:../outside.bin"
    with pytest.raises(printing.PrintFailed, match="nằm ngoài thư mục dữ liệu của phần mềm"):
        printing.print_ticket(_actor(), "A001", uri=app.config["PRINTER"])
    assert not outside.exists()


def test_the_reprinted_slip_qr_carries_the_look_up_key(
    login_as: Any, app: Flask, client: Any
) -> None:
    """The QR read back from the printed bytes opens the full look-up answer."""
    dossier = _dossier()
    out = Path(app.instance_path) / "slip.bin"
    app.config["PRINTER"] = f"file:{out}"
    b = login_as("tiepnhan")
    resp = b.submit(f"/in-nhiet/giay-tiep-nhan/{dossier.id}", {"next": "/"}, page="/")
    assert resp.status_code == 302
    [qr] = zxingcpp.read_barcodes(decode(out.read_bytes()).image().convert("L"))
    assert qr.text.endswith(f"/tra-cuu/{dossier.code}?k={dossier.lookup_key}")
    path = "/" + qr.text.split("://", 1)[1].split("/", 1)[1]
    assert "Lường T** N*** Á**" in client.get(path).get_data(as_text=True)


def test_slip_page_and_dossier_page_offer_the_thermal_print(login_as: Any, tmp_path: Path) -> None:
    dossier = _dossier()
    b = login_as("tiepnhan")
    slip_page = b.get(f"/in/ho-so/{dossier.id}/mau-01").get_data(as_text=True)
    assert f'action="/in-nhiet/giay-tiep-nhan/{dossier.id}"' in slip_page
    page = b.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert "In lại giấy tiếp nhận (máy in nhiệt)" in page
    # Printing from the slip page comes back to it with the outcome shown.
    resp = b.submit(
        f"/in-nhiet/giay-tiep-nhan/{dossier.id}",
        {"next": f"/in/ho-so/{dossier.id}/mau-01"},
        page=f"/in/ho-so/{dossier.id}/mau-01",
        follow_redirects=True,
    )
    assert "Chưa cấu hình máy in nhiệt" in resp.get_data(as_text=True)
