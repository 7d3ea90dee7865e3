"""The provincial portal's HTTP API: a session token, one batch per request, strict replies.

An item is delivered only when the reply's own result for its key (MaHoSo or
MaTienDo) says "0"; another item-level code is the portal's permanent refusal of
that item. Anything else — a top-level error, an HTTP error status, a timeout, a
refused connection, a body that is not the contract's shape — is a transient
failure of the whole request (:class:`Transient`): nothing in it counts as sent.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from counter.domain.errors import CounterError
from counter.domain.i18n import N_
from counter.portal.mapping import KEY_FIELD, SERVICE_LIST

#: A token is renewed this long before the portal said it ends (clocks and transit).
TOKEN_MARGIN_SECONDS = 30


class Transient(CounterError):
    """The whole request failed in a way a later attempt may not; ``detail`` is technical."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else str(self.message)


@dataclass(frozen=True)
class PortalSettings:
    """Where the portal is and who we are to it."""

    url: str
    user: str
    password: str
    agency: str
    batch: int = 50
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any], office_agency: str) -> PortalSettings:
        """From the app's config (``PORTAL_*``); ``madonvi`` defaults to the office's identifier."""
        return cls(
            url=str(config.get("PORTAL_URL") or "").rstrip("/"),
            user=str(config.get("PORTAL_USER") or ""),
            password=str(config.get("PORTAL_PASSWORD") or ""),
            agency=str(config.get("PORTAL_AGENCY") or office_agency),
            batch=max(1, int(config.get("PORTAL_BATCH") or 50)),
            timeout=float(config.get("PORTAL_TIMEOUT") or 30),
        )


@dataclass
class Outcome:
    """What the portal said about each item of one request, by key."""

    delivered: set[str] = field(default_factory=set)
    rejected: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (code, message)
    unconfirmed: set[str] = field(default_factory=set)  # no clear result of its own
    replies: list[dict[str, str]] = field(default_factory=list)  # for the sync page


def classify(reply: Any, service: str, keys: Sequence[str]) -> Outcome:
    """Sort the sent ``keys`` by the reply's results; raise Transient when it is not the contract."""
    key_field = KEY_FIELD[service]
    if not isinstance(reply, dict):
        raise Transient(N_("Cổng trả lời không đúng định dạng."), "not an object")
    code = reply.get("error_code")
    if code != "0":
        raise Transient(
            N_("Cổng báo lỗi chung cho cả lô."), f"error_code={code!r} {reply.get('message', '')}"
        )
    results = reply.get("results")
    if not isinstance(results, list):
        raise Transient(N_("Cổng trả lời không đúng định dạng."), "no results list")
    said: dict[str, set[tuple[str, str]]] = {}
    for result in results:
        if (
            not isinstance(result, dict)
            or not isinstance(result.get(key_field), str)
            or not isinstance(result.get("error_code"), str)
        ):
            raise Transient(N_("Cổng trả lời không đúng định dạng."), "malformed result")
        message = result.get("message")
        said.setdefault(result[key_field], set()).add(
            (result["error_code"], message if isinstance(message, str) else "")
        )
    outcome = Outcome()
    for key in keys:
        answers = said.get(key, set())
        codes = {c for c, _ in answers}
        if len(codes) != 1:  # no result for it, or results that disagree
            outcome.unconfirmed.add(key)
            continue
        (item_code,) = codes
        message = sorted(m for _, m in answers)[0]
        outcome.replies.append({"key": key, "code": item_code, "message": message})
        if item_code == "0":
            outcome.delivered.add(key)
        else:
            outcome.rejected[key] = (item_code, message)
    return outcome


class PortalClient:
    """One portal account's session; not shared between threads."""

    def __init__(self, settings: PortalSettings) -> None:
        self.settings = settings
        self._token: str | None = None
        self._token_ends = 0.0  # time.monotonic(): the wall clock may jump

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.settings.url + path,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            err.close()
            raise Transient(N_("Cổng báo lỗi máy chủ."), f"HTTP {err.code}") from None
        except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as err:
            raise Transient(N_("Không kết nối được với cổng."), type(err).__name__) from None
        try:
            return json.loads(raw)
        except ValueError:
            raise Transient(N_("Cổng trả lời không đúng định dạng."), "not JSON") from None

    def _session(self) -> str:
        if self._token is not None and time.monotonic() < self._token_ends:
            return self._token
        reply = self._post(
            "/auth/token", {"username": self.settings.user, "password": self.settings.password}
        )
        if (
            not isinstance(reply, dict)
            or reply.get("error_code") != "0"
            or not isinstance(reply.get("session"), str)
        ):
            raise Transient(
                N_("Cổng không cấp phiên làm việc (kiểm tra tên đăng nhập và mật khẩu)."),
                str(reply.get("error_code") if isinstance(reply, dict) else "shape"),
            )
        try:
            seconds = float(reply.get("expires_in", 0))
        except (TypeError, ValueError):
            seconds = 0.0
        self._token = reply["session"]
        self._token_ends = time.monotonic() + max(0.0, seconds - TOKEN_MARGIN_SECONDS)
        return self._token

    def send(self, service: str, items: Sequence[dict[str, Any]], *, updating: bool) -> Outcome:
        """POST one batch of ``service`` items; a "401" renews the session and sends once more."""
        keys = [item[KEY_FIELD[service]] for item in items]
        for _attempt in range(2):
            body = {
                "session": self._session(),
                "madonvi": self.settings.agency,
                "service": service,
                "isUpdating": "True" if updating else "False",
                "data": list(items),
            }
            reply = self._post("/api", body)
            if isinstance(reply, dict) and reply.get("error_code") == "401":
                self._token = None
                continue
            return classify(reply, service, keys)
        raise Transient(N_("Phiên làm việc với cổng hết hạn và không gia hạn được."), "401")

    def list_page(
        self, since: str, until: str, *, page: int, size: int, status: int | None = None
    ) -> Page:
        """One page of LayDanhSachHoSo: the office's dossiers received between two portal times.

        The page's own shape is checked (Transient otherwise); its items are not:
        the caller judges each one, so one bad item never hides the others.
        """
        for _attempt in range(2):
            body: dict[str, Any] = {
                "session": self._session(),
                "madonvi": self.settings.agency,
                "service": SERVICE_LIST,
                "TuNgay": since,
                "DenNgay": until,
                "Trang": page,
                "SoBanGhi": size,
            }
            if status is not None:
                body["TrangThaiHoSo"] = status
            reply = self._post("/api", body)
            if isinstance(reply, dict) and reply.get("error_code") == "401":
                self._token = None
                continue
            return read_page(reply)
        raise Transient(N_("Phiên làm việc với cổng hết hạn và không gia hạn được."), "401")


@dataclass
class Page:
    """One page of a listing: its items as the portal sent them, and the listing's total."""

    items: list[Any]
    total: int


def read_page(reply: Any) -> Page:
    """A LayDanhSachHoSo reply as a :class:`Page`; Transient when it is not the contract's shape."""
    if not isinstance(reply, dict):
        raise Transient(N_("Cổng trả lời không đúng định dạng."), "not an object")
    code = reply.get("error_code")
    if code != "0":
        raise Transient(
            N_("Cổng báo lỗi khi lấy danh sách hồ sơ."),
            f"error_code={code!r} {reply.get('message', '')}",
        )
    items, total = reply.get("data"), reply.get("TongSoBanGhi")
    if not isinstance(items, list) or isinstance(total, bool) or not isinstance(total, int):
        raise Transient(N_("Cổng trả lời không đúng định dạng."), "no data list or total")
    return Page(items=items, total=total)
