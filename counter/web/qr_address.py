"""Whether the slip's QR code can be opened by a phone, and the LAN address to propose.

The QR encodes the office profile's look-up address, else ``COUNTER_PUBLIC_URL``,
else the address the browser used (:func:`counter.web.public.lookup_url`). On the
counter PC that is usually ``http://127.0.0.1:8080``, which on a citizen's phone
means the phone itself. Whatever the source, a loopback host counts as "not set".

The PC's LAN address is found without sending anything: "connecting" a UDP
socket only asks the operating system which interface would route there. When
that finds nothing (no network), the host name's addresses are tried; when
nothing fits, no address is proposed.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask_login import current_user

#: Private addresses to "connect" to; nothing is sent to them.
_PROBES = ("10.255.255.255", "192.168.255.255", "172.31.255.255")
#: How long a found address is reused (the host-name lookup may be slow without DNS).
_CACHE_SECONDS = 300
_cache: dict[str, tuple[float, str | None]] = {}
_lock = threading.Lock()


def is_loopback_host(host: str | None) -> bool:
    """Whether a URL's host can only be reached from this very machine."""
    name = (host or "").strip("[]").lower()
    if not name or name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False  # a host name (motcua.xa.gov.vn): assume it is reachable
    return ip.is_loopback or ip.is_unspecified


def listens_on_loopback_only(bind_host: str) -> bool:
    """Whether a server bound to this host refuses other machines (0.0.0.0 accepts them)."""
    name = bind_host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def usable_lan_ip(value: str) -> bool:
    """Whether an interface address is one a phone on the same network can reach."""
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    return ip.version == 4 and not (
        ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast
    )


def _routed_address(probe: str) -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect((probe, 9))  # UDP: no packet leaves the machine
            return str(sock.getsockname()[0])
    except OSError:
        return None


def _host_name_addresses() -> list[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]


def lan_address() -> str | None:
    """This PC's IPv4 address on the local network, or None when it has none."""
    with _lock:
        cached = _cache.get("ip")
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
    found = next((ip for ip in map(_routed_address, _PROBES) if ip and usable_lan_ip(ip)), None)
    if found is None:
        found = next((ip for ip in _host_name_addresses() if usable_lan_ip(ip)), None)
    with _lock:
        _cache["ip"] = (time.monotonic(), found)
    return found


def lan_url() -> str | None:
    """http://<this PC's LAN address>:<the port this request came to>, or None."""
    lan = lan_address()
    if lan is None:
        return None
    port = urlsplit(request.host_url).port or current_app.config.get("PORT") or 80
    return f"http://{lan}:{port}"


@dataclass(frozen=True)
class QrNotice:
    """What the page says when the slip's QR points at this machine only."""

    current: str  # the base address the QR uses now
    proposed: str | None  # http://<LAN address>:<port>, when one was found
    loopback_only: bool  # the server listens on 127.0.0.1 only (COUNTER_HOST)
    is_admin: bool
    office_url: str


def qr_notice() -> QrNotice | None:
    """The notice for this request, or None when phones can open the QR's address."""
    from counter.web.public import lookup_url

    current = urlsplit(lookup_url("X"))
    if not is_loopback_host(current.hostname):
        return None
    return QrNotice(
        current=f"{current.scheme}://{current.netloc}",
        proposed=lan_url(),
        loopback_only=listens_on_loopback_only(str(current_app.config.get("HOST") or "")),
        is_admin=bool(current_user.is_authenticated and current_user.is_admin),
        office_url=url_for("admin.office"),
    )
