"""Deliver a finished ESC/POS job to a printer named by a URI (setting COUNTER_PRINTER).

    tcp://192.168.1.50:9100      network printer (port 9100 by default)
    usb://0416:5011              USB printer by vendor:product id, hex; optional
                                 ?out_ep=0x03&in_ep=0x81 for printers off the usual endpoints
    file:///dev/usb/lp0          a device (/dev/usb/lp*, /dev/lp*, LPT1…LPT9, COM1…) or a
                                 file inside the instance folder (file:phieu.bin is there)
    win32://POS-80C              a printer installed in Windows, sent RAW

Printing happens after the dossier is saved: a printer that is off, unplugged or
jammed must cost the officer at most `timeout` seconds and a clear message, never
a frozen counter. So every write runs in a daemon thread that `send` waits for
with a deadline, since a device write or a printer that accepts a connection and
then stops reading can block forever.
"""

from __future__ import annotations

import contextlib
import functools
import re
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from counter.domain.errors import CounterError
from counter.domain.i18n import N_, Message

DEFAULT_TCP_PORT = 9100
#: Written piece by piece so a job abandoned after its deadline stops early.
CHUNK_SIZE = 16 * 1024

_URI_HELP = N_(
    "Dùng một trong các dạng: tcp://192.168.1.50:9100, usb://0416:5011, "
    "file:/dev/usb/lp0 hoặc win32://Tên máy in."
)

Scheme = Literal["tcp", "usb", "file", "win32"]
_SCHEMES = ("tcp", "usb", "file", "win32")


class PrinterError(CounterError):
    """The printout could not be delivered; `message` tells the officer what to check."""


@dataclass(frozen=True, slots=True)
class PrinterTarget:
    """A parsed printer address."""

    scheme: Scheme
    host: str = ""
    port: int = DEFAULT_TCP_PORT
    vendor_id: int = 0
    product_id: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    path: str = ""
    printer_name: str = ""

    def describe(self) -> str:
        """How the officer knows this printer: an address, ids, a path or a name."""
        match self.scheme:
            case "tcp":
                host = f"[{self.host}]" if ":" in self.host else self.host
                return f"{host}:{self.port}"
            case "usb":
                return f"USB {self.vendor_id:04x}:{self.product_id:04x}"
            case "file":
                return self.path
            case _:
                return self.printer_name


def _invalid(uri: str, why: str) -> PrinterError:
    """``why`` is a fragment marked with N_() (or a Message with its values)."""
    return PrinterError(
        N_("Địa chỉ máy in không hợp lệ: “%(uri)s” (%(why)s). %(help)s"),
        field="printer",
        uri=uri,
        why=why,
        help=_URI_HELP,
    )


def _hex_id(text: str, uri: str, what: str, limit: int = 0xFFFF) -> int:
    try:
        value = int(text.strip(), 16)
    except ValueError:
        raise _invalid(
            uri, Message(N_("%(what)s phải là số hệ 16, ví dụ 0416"), what=what)
        ) from None
    if not 0 <= value <= limit:
        raise _invalid(
            uri,
            Message(N_("%(what)s vượt quá %(limit)s"), what=what, limit=format(limit, "#x")),
        )
    return value


def _parse_tcp(uri: str, rest: str) -> PrinterTarget:
    parts = urlsplit(f"//{rest}")
    try:
        port = parts.port
    except ValueError:
        raise _invalid(uri, N_("cổng phải là số từ 1 đến 65535")) from None
    if not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise _invalid(uri, N_("thiếu địa chỉ IP hoặc tên máy in"))
    if port == 0:
        raise _invalid(uri, N_("cổng phải là số từ 1 đến 65535"))
    return PrinterTarget("tcp", host=parts.hostname, port=port or DEFAULT_TCP_PORT)


def _parse_usb(uri: str, rest: str) -> PrinterTarget:
    ids, _, query = rest.partition("?")
    vendor, sep, product = ids.partition(":")
    if not sep or not vendor or not product:
        raise _invalid(uri, N_("cần mã nhà sản xuất và mã thiết bị, ví dụ usb://0416:5011"))
    options = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    unknown = set(options) - {"in_ep", "out_ep"}
    if unknown:
        raise _invalid(uri, Message(N_("không hiểu tham số %(names)s"), names=sorted(unknown)))
    return PrinterTarget(
        "usb",
        vendor_id=_hex_id(vendor, uri, N_("mã nhà sản xuất")),
        product_id=_hex_id(product, uri, N_("mã thiết bị")),
        in_ep=_hex_id(options.get("in_ep", "82"), uri, "in_ep", 0xFF),
        out_ep=_hex_id(options.get("out_ep", "01"), uri, "out_ep", 0xFF),
    )


def _parse_file(uri: str, rest: str) -> PrinterTarget:
    # file:///dev/usb/lp0 and file:/dev/usb/lp0 (rest "///dev…" or "/dev…"); file:///C:/x on Windows.
    path = unquote(rest[2:] if rest.startswith("///") else rest)
    if len(path) > 2 and path[0] == "/" and path[2] == ":" and path[1].isalpha():
        path = path[1:]
    if not path or path.startswith("//"):
        raise _invalid(uri, N_("thiếu đường dẫn tệp hoặc thiết bị"))
    return PrinterTarget("file", path=path)


#: Printer devices a ``file:`` address may name; any other path must be in the instance folder.
_DEVICE_RE = re.compile(r"/dev/usb/lp\d{1,3}|/dev/lp\d{1,3}")
#: Windows port names (LPT1, COM3, \\.\COM12); elsewhere they would be files in the
#: working folder, so there they are taken as names inside the instance folder.
_WINDOWS_PORT_RE = re.compile(r"(?:\\\\\.\\)?(?:LPT[1-9]|COM[1-9]\d{0,2}):?", re.IGNORECASE)


def _is_device(path: str) -> bool:
    if sys.platform == "win32":
        return bool(_WINDOWS_PORT_RE.fullmatch(path))
    return bool(_DEVICE_RE.fullmatch(path))


def _outside(uri: str, path: str, root: Path | None) -> PrinterError:
    return PrinterError(
        N_(
            "Địa chỉ máy in “%(uri)s” không được phép: “%(path)s” nằm ngoài thư mục dữ liệu "
            "của phần mềm%(where)s. Kiểu file: chỉ được là máy in (/dev/usb/lp0, LPT1, COM1) "
            "hoặc một tệp trong thư mục đó."
        ),
        field="printer",
        uri=uri,
        path=path,
        where=f" ({root})" if root is not None else "",
    )


def check_printer_uri(uri: str, root: str | Path | None) -> PrinterTarget:
    """Parse ``uri`` and, for ``file:``, allow only a printer device or a file under ``root``.

    A relative path is taken inside ``root`` (the instance folder); symlinks and
    ``..`` are resolved before the check, so neither leads out of it. Without a
    root only devices pass. The target returned names the path to open.
    """
    target = parse_printer_uri(uri)
    if target.scheme != "file":
        return target
    path = target.path
    if _is_device(path):
        return target
    if root is None:
        raise _outside(uri, path, None)
    base = Path(root).resolve()
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = base / candidate
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise _outside(uri, path, base) from None
    if not resolved.is_relative_to(base) or resolved == base:
        raise _outside(uri, path, base)
    return PrinterTarget("file", path=str(resolved))


def parse_printer_uri(uri: str) -> PrinterTarget:
    """Parse a printer URI; a PrinterError (field 'printer') says what is wrong, in Vietnamese."""
    text = (uri or "").strip()
    if not text:
        raise PrinterError(N_("Chưa cấu hình máy in. %(help)s"), field="printer", help=_URI_HELP)
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    if not sep or (scheme not in _SCHEMES and not rest.startswith("//")):
        raise _invalid(text, N_("thiếu kiểu kết nối"))
    if scheme == "file":
        return _parse_file(text, rest)
    if not rest.startswith("//"):
        raise _invalid(text, Message(N_("sau “%(scheme)s:” phải có “//”"), scheme=scheme))
    rest = rest[2:]
    if scheme == "tcp":
        return _parse_tcp(text, rest)
    if scheme == "usb":
        return _parse_usb(text, rest)
    if scheme == "win32":
        name = unquote(rest).strip()
        if not name:
            raise _invalid(text, N_("thiếu tên máy in"))
        return PrinterTarget("win32", printer_name=name)
    raise _invalid(text, Message(N_("không hỗ trợ kiểu “%(scheme)s”"), scheme=scheme))


@functools.cache
def _network_class() -> type:
    """python-escpos's Network printer with a connect that cleans up after itself.

    python-escpos 3.1 drops the socket unclosed when the connection fails (a file
    descriptor leak and a ResourceWarning on every refused print) and speaks IPv4
    only; `socket.create_connection` closes on failure and handles IPv6 too.
    Built at the first print: importing python-escpos parses its printer database
    (about a second), which no start of the program should pay.
    """
    from escpos.exceptions import DeviceNotFoundError
    from escpos.printer import Network

    class _Network(Network):
        def open(self, raise_not_found: bool = True) -> None:
            if self._device:
                self.close()
            try:
                self.device = socket.create_connection((self.host, self.port), self.timeout)
            except OSError as exc:
                self.device = None
                if raise_not_found:
                    raise DeviceNotFoundError(
                        f"Could not open socket for {self.host}: {exc}"
                    ) from exc

    return _Network


def _open_printer(target: PrinterTarget, timeout: float) -> Any:
    """Build the python-escpos printer; optional drivers load only when asked for."""
    match target.scheme:
        case "tcp":
            return _network_class()(target.host, target.port, timeout=timeout)
        case "file":
            from escpos.printer import File

            return File(target.path)
        case "usb":
            from escpos.printer import usb as usb_module

            if not usb_module.is_usable():
                raise PrinterError(
                    N_(
                        "Chưa cài thư viện pyusb nên không in được qua usb://. Cài pyusb "
                        "(pip install pyusb, kèm libusb), hoặc dùng file:/dev/usb/lp0 "
                        "hay win32://Tên máy in."
                    )
                )
            return usb_module.Usb(
                target.vendor_id,
                target.product_id,
                timeout=max(1, int(timeout * 1000)),  # pyusb counts milliseconds
                in_ep=target.in_ep,
                out_ep=target.out_ep,
            )
        case "win32":
            if sys.platform != "win32":
                raise PrinterError(N_("Kiểu máy in win32:// chỉ dùng được trên Windows."))
            from escpos.printer import win32raw

            if not win32raw.is_usable():
                raise PrinterError(
                    N_(
                        "Chưa cài pywin32 nên không in được qua win32://. Cài pywin32 "
                        "(pip install pywin32)."
                    )
                )
            return win32raw.Win32Raw(target.printer_name)
    raise AssertionError(target.scheme)


def _no_answer(timeout: float) -> PrinterError:
    return PrinterError(
        N_(
            "Máy in không phản hồi sau %(seconds)s giây (hết giấy, kẹt giấy hoặc đang bận). "
            "Kiểm tra máy in rồi in lại."
        ),
        seconds=format(timeout, "g"),
    )


def _explain(exc: Exception, target: PrinterTarget, timeout: float, opened: bool) -> PrinterError:
    """Turn a driver failure into what the officer should check."""
    where = target.describe()
    if isinstance(exc, PrinterError):
        return exc
    if isinstance(exc, TimeoutError) or "timed out" in str(exc).lower():
        if not opened and target.scheme == "tcp":
            return _no_connection(where, timeout)
        return _no_answer(timeout)
    from escpos.exceptions import DeviceNotFoundError  # loaded by the print that failed

    if not opened or isinstance(exc, DeviceNotFoundError):
        match target.scheme:
            case "tcp":
                return PrinterError(
                    N_("Không kết nối được máy in %(where)s (máy in tắt hoặc sai địa chỉ)."),
                    where=where,
                )
            case "usb":
                return PrinterError(
                    N_(
                        "Không tìm thấy máy in %(where)s (chưa cắm cáp, chưa bật, "
                        "hoặc thiếu quyền truy cập USB)."
                    ),
                    where=where,
                )
            case "file":
                if isinstance(exc.__context__, PermissionError) or isinstance(exc, PermissionError):
                    return PrinterError(N_("Không có quyền ghi vào %(where)s."), where=where)
                return PrinterError(
                    N_(
                        "Không mở được máy in %(where)s "
                        "(chưa cắm cáp, chưa bật hoặc sai đường dẫn)."
                    ),
                    where=where,
                )
            case _:
                return PrinterError(
                    N_("Không mở được máy in “%(where)s” trong Windows (sai tên hoặc máy in tắt)."),
                    where=where,
                )
    return PrinterError(
        N_(
            "Mất kết nối với máy in %(where)s khi đang in; phiếu có thể in dở. Kiểm tra rồi in lại."
        ),
        where=where,
    )


def _no_connection(where: str, timeout: float) -> PrinterError:
    return PrinterError(
        N_(
            "Không kết nối được máy in %(where)s sau %(seconds)s giây "
            "(máy in tắt, sai địa chỉ hoặc mất mạng)."
        ),
        where=where,
        seconds=format(timeout, "g"),
    )


class _Delivery:
    """One job on its own daemon thread: open, write in chunks, close."""

    def __init__(self, printer: Any, job: bytes) -> None:
        self.printer = printer
        self.job = job
        self.opened = False
        self.error: Exception | None = None
        self.abandoned = threading.Event()

    def run(self) -> None:
        try:
            self.printer.open()
            self.opened = True
            view = memoryview(self.job)
            for start in range(0, len(view), CHUNK_SIZE):
                if self.abandoned.is_set():
                    return
                self.printer._raw(bytes(view[start : start + CHUNK_SIZE]))
        except Exception as exc:
            self.error = exc
        finally:
            with contextlib.suppress(Exception):  # the job's own outcome is what matters
                self.printer.close()


def send(
    job_bytes: bytes, uri: str, timeout: float = 5.0, *, file_root: str | Path | None = None
) -> None:
    """Send a finished job to the printer at `uri`, giving up after `timeout` seconds.

    Raises PrinterError (Vietnamese message) when the address is wrong or not allowed
    (a ``file:`` path outside `file_root` that is no printer device), the printer
    cannot be reached, or it stops taking data. On a timeout the writing thread is
    abandoned: it stops at the next chunk, or when the socket's own timeout fires.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    target = check_printer_uri(uri, file_root)
    printer = _open_printer(target, timeout)
    delivery = _Delivery(printer, job_bytes)
    thread = threading.Thread(
        target=delivery.run, name=f"print to {target.describe()}", daemon=True
    )
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        delivery.abandoned.set()
        if not delivery.opened and target.scheme == "tcp":
            raise _no_connection(target.describe(), timeout)
        raise _no_answer(timeout)
    if delivery.error is not None:
        raise _explain(delivery.error, target, timeout, delivery.opened) from delivery.error
