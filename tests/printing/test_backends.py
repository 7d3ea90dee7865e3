"""Delivering jobs: URIs, a fake network printer, a file; failures end in PrinterError."""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time

import pytest

from counter.domain.errors import CounterError
from counter.domain.printed.ticket import TicketData
from counter.printing import jobs
from counter.printing.backends import (
    PrinterError,
    PrinterTarget,
    check_printer_uri,
    parse_printer_uri,
    send,
)

from .conftest import make_slip


@pytest.mark.parametrize(
    ("uri", "target"),
    [
        ("tcp://192.168.1.50:9100", PrinterTarget("tcp", host="192.168.1.50", port=9100)),
        ("tcp://192.168.1.50", PrinterTarget("tcp", host="192.168.1.50", port=9100)),
        (" TCP://printer.local:9101/ ", PrinterTarget("tcp", host="printer.local", port=9101)),
        ("tcp://[fe80::1]:9100", PrinterTarget("tcp", host="fe80::1", port=9100)),
        ("usb://0416:5011", PrinterTarget("usb", vendor_id=0x0416, product_id=0x5011)),
        (
            "usb://0x04b8:0x0202?out_ep=0x03&in_ep=81",
            PrinterTarget("usb", vendor_id=0x04B8, product_id=0x0202, in_ep=0x81, out_ep=0x03),
        ),
        ("file:///dev/usb/lp0", PrinterTarget("file", path="/dev/usb/lp0")),
        ("file:/tmp/out.bin", PrinterTarget("file", path="/tmp/out.bin")),
        ("file:///C:/in/phieu.bin", PrinterTarget("file", path="C:/in/phieu.bin")),
        ("file:/tmp/m%C3%A1y%20in.bin", PrinterTarget("file", path="/tmp/máy in.bin")),
        ("win32://POS-80C Printer", PrinterTarget("win32", printer_name="POS-80C Printer")),
    ],
)
def test_parse_printer_uri(uri, target):
    assert parse_printer_uri(uri) == target


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("", "Chưa cấu hình máy in"),
        ("192.168.1.50:9100", "thiếu kiểu kết nối"),
        ("192.168.1.50", "thiếu kiểu kết nối"),
        ("tcp://", "thiếu địa chỉ"),
        ("tcp://10.0.0.1:99999", "cổng"),
        ("tcp://10.0.0.1:abc", "cổng"),
        ("tcp:10.0.0.1", "//"),
        ("usb://0416", "mã thiết bị"),
        ("usb://xyz:5011", "hệ 16"),
        ("usb://0416:5011?speed=9", "speed"),
        ("file:", "đường dẫn"),
        ("win32://", "tên máy in"),
        ("lpt://1", "không hỗ trợ kiểu"),
    ],
)
def test_bad_uris_explain_themselves_in_vietnamese(uri, words):
    with pytest.raises(PrinterError) as caught:
        parse_printer_uri(uri)
    assert words in caught.value.message
    assert caught.value.field == "printer"
    assert "tcp://" in caught.value.message  # shows the forms that work


def test_printer_error_is_a_counter_error():
    assert issubclass(PrinterError, CounterError)
    assert PrinterError("Hết giấy.").message == "Hết giấy."


class FakeNetworkPrinter:
    """A TCP server on 127.0.0.1 that reads one job to the end, like a printer on port 9100."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = bytearray()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            while chunk := conn.recv(65536):
                self.received += chunk

    def close(self) -> None:
        self.thread.join(5)
        self.server.close()


def test_network_printer_receives_the_job_intact():
    job = jobs.slip_bytes(make_slip(), 576)
    printer = FakeNetworkPrinter()
    try:
        send(job, f"tcp://127.0.0.1:{printer.port}")
    finally:
        printer.close()
    assert bytes(printer.received) == job


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connection_is_reported():
    port = closed_port()
    with pytest.raises(PrinterError) as caught:
        send(b"\x1b@", f"tcp://127.0.0.1:{port}", timeout=1.0)
    assert caught.value.message == (
        f"Không kết nối được máy in 127.0.0.1:{port} (máy in tắt hoặc sai địa chỉ)."
    )


def call_in_thread(fn, *args, **kwargs) -> tuple[bool, BaseException | None]:
    """Run fn; report whether it returned at all within a generous bound, and what it raised."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            fn(*args, **kwargs)
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    return (not thread.is_alive(), outcome[0] if outcome else None)


def test_printer_that_accepts_but_never_reads_does_not_hang_the_counter():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # the kernel completes the handshake; nobody ever calls recv
    try:
        port = server.getsockname()[1]
        job = b"\x00" * (16 * 1024 * 1024)  # far more than both socket buffers hold
        started = time.monotonic()
        returned, error = call_in_thread(send, job, f"tcp://127.0.0.1:{port}", timeout=1.0)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert returned, f"send() still blocked after {elapsed:.0f} s"
    assert isinstance(error, PrinterError)
    assert error.message.startswith("Máy in không phản hồi sau 1 giây")


def test_file_backend_writes_the_job(tmp_path):
    job = jobs.ticket_bytes(
        TicketData("Xã Mường Phăng", "Hộ tịch", "A001", make_slip().received_at, 0), 384
    )
    for uri in (f"file:{tmp_path}/a.bin", f"file://{tmp_path}/b.bin", "file:c.bin"):
        send(job, uri, file_root=tmp_path)
    assert (tmp_path / "a.bin").read_bytes() == job
    assert (tmp_path / "b.bin").read_bytes() == job
    assert (tmp_path / "c.bin").read_bytes() == job  # a relative path is in the instance folder


def test_missing_device_is_reported(tmp_path):
    with pytest.raises(PrinterError, match="Không mở được máy in"):
        send(b"\x1b@", f"file:{tmp_path}/no/such/lp0", timeout=1.0, file_root=tmp_path)


@pytest.fixture
def instance(tmp_path):
    """An instance folder, with a file beside it that no printer address may reach."""
    folder = tmp_path / "instance"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("do not touch")
    return folder


@pytest.mark.parametrize(
    "uri",
    [
        "file:/etc/passwd",
        "file:///etc/passwd",
        "file:../secret.txt",
        "file:../../x",
        "file:sub/../../secret.txt",
        "file:{root}/../secret.txt",
        "file:{root}2/x.bin",
        "file:/dev/sda",
        "file:/dev/usb/lp0/../../sda",
        "file:/dev/lp0x",
        "file:/etc/cron.d/counter",
    ],
)
def test_a_file_printer_outside_the_instance_folder_is_refused(instance, uri):
    uri = uri.replace("{root}", str(instance))
    with pytest.raises(PrinterError) as caught:
        check_printer_uri(uri, instance)
    assert "chỉ được là máy in (/dev/usb/lp0, LPT1, COM1)" in caught.value.message
    assert caught.value.field == "printer"
    with pytest.raises(PrinterError):
        send(b"\x1b@", uri, timeout=1.0, file_root=instance)
    assert (instance.parent / "secret.txt").read_text() == "do not touch"
    # Without an instance folder, only devices are allowed.
    with pytest.raises(PrinterError):
        send(b"\x1b@", uri, timeout=1.0)


def test_a_symlink_leading_out_of_the_instance_folder_is_refused(instance):
    link = instance / "printer.bin"
    link.symlink_to(instance.parent / "secret.txt")
    (instance / "sub").symlink_to(instance.parent, target_is_directory=True)
    for uri in ("file:printer.bin", f"file:{link}", "file:sub/secret.txt"):
        with pytest.raises(PrinterError, match="ngoài thư mục"):
            send(b"\x1b@", uri, timeout=1.0, file_root=instance)
    assert (instance.parent / "secret.txt").read_text() == "do not touch"


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("file:/dev/usb/lp0", "/dev/usb/lp0"),
        ("file:///dev/usb/lp12", "/dev/usb/lp12"),
        ("file:/dev/lp1", "/dev/lp1"),
        ("file:sub/phieu.bin", "{root}/sub/phieu.bin"),
        ("file:{root}/phieu.bin", "{root}/phieu.bin"),
    ],
)
def test_device_paths_and_files_in_the_instance_folder_are_accepted(instance, uri, path):
    target = check_printer_uri(uri.replace("{root}", str(instance)), instance)
    assert target.path == path.replace("{root}", str(instance.resolve()))


@pytest.mark.skipif(sys.platform != "win32", reason="Windows port names")
@pytest.mark.parametrize("port", ["LPT1", "lpt9", "COM3", "COM12", "LPT1:", r"\\.\COM10"])
def test_windows_ports_are_printer_devices(instance, port):
    assert check_printer_uri(f"file:{port}", instance).path == port


@pytest.mark.skipif(sys.platform == "win32", reason="outside Windows")
def test_outside_windows_a_port_name_is_a_file_in_the_instance_folder(instance):
    """Not a file named LPT1 in whatever folder the server was started from."""
    assert check_printer_uri("file:LPT1", instance).path == str(instance.resolve() / "LPT1")


@pytest.mark.skipif(importlib.util.find_spec("usb") is not None, reason="pyusb is installed")
def test_usb_without_pyusb_says_what_to_install():
    with pytest.raises(PrinterError, match="pyusb"):
        send(b"\x1b@", "usb://0416:5011", timeout=1.0)


@pytest.mark.skipif(sys.platform == "win32", reason="only outside Windows")
def test_win32_outside_windows_is_refused_clearly():
    with pytest.raises(PrinterError, match="chỉ dùng được trên Windows"):
        send(b"\x1b@", "win32://POS-80C", timeout=1.0)
