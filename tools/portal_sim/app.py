"""A stand-in for the provincial portal's dossier sync API, for tests, demos and training.

It speaks the wire contract the counter's sender speaks (issue 11; the portal
section of docs/domain.md):

- ``POST /auth/token`` ``{"username", "password"}`` → ``{"error_code": "0",
  "session", "expires_in"}``; wrong credentials → ``{"error_code": "401"}``.
- ``POST /api`` ``{"session", "madonvi", "service", "isUpdating", "data": [...]}``:
  ``DongBoHoSoMC`` upserts dossiers by MaHoSo, ``CapNhatTienDoHoSoMC`` records
  progress entries once per MaTienDo (a replay is answered "0" and changes
  nothing). The reply is ``{"error_code": "0", "results": [{"MaHoSo" or
  "MaTienDo", "error_code", "message"}]}``, one result per item. An unknown or
  expired session is a top-level ``"401"``.

``LayDanhSachHoSo`` (issue 12, the pull) lists the dossiers the portal holds for
one office: ``{"session", "madonvi", "service": "LayDanhSachHoSo", "TuNgay",
"DenNgay"}`` (``yyyyMMddHHmmss``, Vietnam time, both included, compared with
NgayTiepNhan), with the optional ``TrangThaiHoSo`` (only that status, e.g. 1:
submitted online and not yet received), ``Trang`` (the page, from 1) and
``SoBanGhi`` (dossiers per page, default 50, at most 200). The reply is
``{"error_code": "0", "data": [dossier objects in the DongBoHoSoMC format],
"Trang", "SoBanGhi", "TongSoBanGhi"}``, ordered by NgayTiepNhan then MaHoSo (a
stable order, so pages do not overlap). A listed document (``TaiLieuNop``) or
other file (``DanhSachTepDinhKemKhac``) may carry ``DuongDanTep``, the address
of its scan on the portal. Online dossiers are seeded with ``POST /_sim/seed``
``{"madonvi", "data": [...]}`` (or ``--seed FILE`` / ``--seed-online MADONVI``
on the command line); a seeded value that is not a dossier object is listed
as it is (the portal sending garbage).

Item-level codes (permanent for that item): ``"2"`` invalid data (a required field
missing or malformed), ``"3"`` conflict (the MaHoSo belongs to another office),
``"4"`` rejected on instruction, ``"5"`` progress entry for an unknown dossier.

Faults, set through ``POST /_sim/faults`` (JSON) or the command line, each for the
next ``count`` API requests (default: until cleared): ``error500``, ``garbage``
(200 with a body that is not the contract's shape), ``drop_reply`` (the request
is applied, then the connection is closed with no answer), ``hang`` (sleep
``hang_seconds``, then apply and answer: the client has given up by then),
``expire_token`` (every session ends now), ``reject`` (``ma_ho_so``: that dossier
is rejected at item level until cleared), ``cut`` (the connection is closed before
the request is applied: the network failed on the way there), ``empty`` (200 with
an empty body), ``reorder`` (the results in reverse order), ``replay`` (applied,
then answered with the previous API reply instead of this one's). ``after``: let
that many API requests pass before the fault starts (a link lost after k
batches). Refusing connections is done by stopping the server
(:class:`tools.portal_sim.server.SimServer`).
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, render_template_string, request

REQUIRED_DOSSIER_FIELDS = (
    "MaHoSo",
    "MaTTHC",
    "TenTTHC",
    "KenhThucHien",
    "ChuHoSo",
    "NgayTiepNhan",
    "TrangThaiHoSo",
)
REQUIRED_PROGRESS_FIELDS = ("MaTienDo", "MaHoSo", "ThoiDiemXuLy", "TrangThai")
DATE_FIELDS = ("NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy", "ThoiDiemXuLy")
_PORTAL_DATE = re.compile(r"\d{14}")
FAULTS = (
    "error500",
    "garbage",
    "drop_reply",
    "hang",
    "expire_token",
    "cut",
    "empty",
    "reorder",
    "replay",
)


@dataclass
class Fault:
    """A failure the simulator plays for the next ``remaining`` requests (None: until cleared)."""

    mode: str
    remaining: int | None = None
    after: int = 0  # requests let through before the fault starts


@dataclass
class PortalState:
    """Everything the portal holds; guarded by one lock (requests run on threads)."""

    username: str = "counter"
    password: str = "counter"
    token_seconds: int = 3600
    hang_seconds: float = 5.0
    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: MaHoSo → the TrangThaiHoSo values applied, in order (to check for regressions)
    history: dict[str, list[int]] = field(default_factory=dict)
    offices: dict[str, str] = field(default_factory=dict)  # MaHoSo → madonvi
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)  # MaTienDo → entry
    sessions: dict[str, float] = field(default_factory=dict)  # token → expiry (monotonic)
    requests: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)  # MaHoSo → message
    last_reply: dict[str, Any] | None = None  # for the "replay" fault
    sync_keys: dict[str, str] = field(default_factory=dict)  # madonvi → the office's bundle key
    bundles: dict[str, dict[str, str]] = field(default_factory=dict)  # bundle id → receipt
    #: madonvi → seeded values that are no dossier object: listed as they are (garbage)
    junk: dict[str, list[Any]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    state_file: Path | None = None

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy of what the portal holds."""
        with self.lock:
            return {
                "dossiers": copy.deepcopy(self.dossiers),
                "history": copy.deepcopy(self.history),
                "progress": copy.deepcopy(self.progress),
                "bundles": sorted(self.bundles),
                "requests": len(self.requests),
            }

    def save(self) -> None:
        """Write the held data to ``state_file`` (demos keep their data across restarts)."""
        if self.state_file is None:
            return
        data = {
            "dossiers": self.dossiers,
            "history": self.history,
            "offices": self.offices,
            "progress": self.progress,
            "bundles": self.bundles,
            "junk": self.junk,
        }
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        tmp.replace(self.state_file)

    def load(self) -> None:
        """Read ``state_file`` if it exists."""
        if self.state_file is None or not self.state_file.exists():
            return
        data = json.loads(self.state_file.read_text("utf-8"))
        self.dossiers = data.get("dossiers", {})
        self.history = data.get("history", {})
        self.offices = data.get("offices", {})
        self.progress = data.get("progress", {})
        self.bundles = data.get("bundles", {})
        self.junk = data.get("junk", {})

    def seed(self, office: str, items: list[Any]) -> int:
        """Hold ``items`` as the office's dossiers, as citizens submitted them (no checks)."""
        with self.lock:
            for item in items:
                key = item.get("MaHoSo") if isinstance(item, dict) else None
                if not isinstance(key, str) or not key:
                    self.junk.setdefault(office, []).append(copy.deepcopy(item))
                    continue
                self.dossiers[key] = copy.deepcopy(item)
                self.offices[key] = office
                status = item.get("TrangThaiHoSo")
                self.history.setdefault(key, []).append(status if isinstance(status, int) else 0)
            self.save()
            return len(items)

    def take_fault(self) -> str | None:
        """The fault to play on this request, if any, counting it down."""
        with self.lock:
            for fault in self.faults:
                if fault.after > 0:
                    fault.after -= 1
                    continue
                if fault.remaining is None or fault.remaining > 0:
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    mode = fault.mode
                    self.faults = [f for f in self.faults if f.remaining != 0]
                    return mode
            return None


def _item_error(key: str, value: Any, code: str, message: str) -> dict[str, Any]:
    return {key: value, "error_code": code, "message": message}


def _check_fields(item: Any, required: tuple[str, ...]) -> str | None:
    if not isinstance(item, dict):
        return "mục dữ liệu không phải một đối tượng JSON"
    missing = [name for name in required if item.get(name) in (None, "")]
    if missing:
        return "thiếu trường bắt buộc: " + ", ".join(missing)
    for name in DATE_FIELDS:
        value = item.get(name)
        if value not in (None, "") and not (
            isinstance(value, str) and _PORTAL_DATE.fullmatch(value)
        ):
            return f"trường {name} không đúng định dạng yyyyMMddHHmmss"
    return None


def apply_dossiers(state: PortalState, office: str, items: list[Any]) -> list[dict[str, Any]]:
    """Upsert dossier objects by MaHoSo (the API's and a bundle's); one result each."""
    results = []
    for item in items:
        key = item.get("MaHoSo") if isinstance(item, dict) else None
        problem = _check_fields(item, REQUIRED_DOSSIER_FIELDS)
        if problem is None:
            try:
                status = int(item["TrangThaiHoSo"])
            except (TypeError, ValueError):
                status = 0
            if not 1 <= status <= 10:
                problem = "TrangThaiHoSo phải từ 1 đến 10"
        if problem is not None:
            results.append(_item_error("MaHoSo", key, "2", problem))
            continue
        if key in state.rejected:
            results.append(_item_error("MaHoSo", key, "4", state.rejected[key]))
            continue
        owner = state.offices.setdefault(key, office)
        if owner != office:
            results.append(
                _item_error("MaHoSo", key, "3", f"mã hồ sơ đã thuộc đơn vị khác ({owner})")
            )
            continue
        state.dossiers[key] = dict(item)
        state.history.setdefault(key, []).append(status)
        results.append(_item_error("MaHoSo", key, "0", "Cập nhật thành công"))
    return results


def apply_progress(state: PortalState, items: list[Any]) -> list[dict[str, Any]]:
    """Record progress entries once per MaTienDo (a replay is "0" and changes nothing)."""
    results = []
    for item in items:
        key = item.get("MaTienDo") if isinstance(item, dict) else None
        problem = _check_fields(item, REQUIRED_PROGRESS_FIELDS)
        if problem is not None:
            results.append(_item_error("MaTienDo", key, "2", problem))
        elif key in state.progress:
            results.append(_item_error("MaTienDo", key, "0", "Đã nhận trước đó"))
        elif item["MaHoSo"] not in state.dossiers:
            results.append(
                _item_error("MaTienDo", key, "5", f"không có hồ sơ {item['MaHoSo']} trên cổng")
            )
        else:
            state.progress[key] = dict(item)
            results.append(_item_error("MaTienDo", key, "0", "Cập nhật thành công"))
    return results


def _drop_connection() -> Response:
    """Close the client's connection without an answer (the reply is lost on the way)."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    return Response(b"", status=200)


_INDEX = """<!doctype html><html lang="vi"><meta charset="utf-8">
<title>Cổng DVC mô phỏng</title>
<style>body{font:14px sans-serif;margin:1.5em}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:.2em .5em;text-align:left}</style>
<h1>Cổng dịch vụ công tỉnh — bản mô phỏng</h1>
<p><a href="/bundle">Nhập gói dữ liệu từ USB</a></p>
<p>{{ dossiers|length }} hồ sơ, {{ progress }} mục tiến độ, {{ requests }} yêu cầu đã nhận.</p>
<table><tr><th>Mã hồ sơ</th><th>Thủ tục</th><th>Trạng thái</th><th>Hẹn trả</th></tr>
{% for key, d in dossiers.items() %}<tr><td>{{ key }}</td><td>{{ d.TenTTHC }}</td>
<td>{{ d.TrangThaiHoSo }}</td><td>{{ d.NgayHenTra }}</td></tr>{% endfor %}</table>"""


def create_sim(state: PortalState | None = None) -> Flask:
    """The simulator as a Flask app; ``app.config["SIM_STATE"]`` is its :class:`PortalState`."""
    state = state or PortalState()
    state.load()
    app = Flask(__name__)
    app.config["SIM_STATE"] = state
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    def log(kind: str, body: Any, reply: Any) -> None:
        state.requests.append({"at": time.time(), "kind": kind, "body": body, "reply": reply})

    @app.post("/auth/token")
    def token() -> Any:
        body = request.get_json(silent=True)
        if (
            not isinstance(body, dict)
            or body.get("username") != state.username
            or body.get("password") != state.password
        ):
            reply = {"error_code": "401", "message": "Sai tên đăng nhập hoặc mật khẩu"}
        else:
            session = secrets.token_hex(16)
            with state.lock:
                state.sessions[session] = time.monotonic() + state.token_seconds
            reply = {"error_code": "0", "session": session, "expires_in": state.token_seconds}
        log("token", {"username": (body or {}).get("username")}, reply)
        return jsonify(reply)

    @app.post("/api")
    def api() -> Any:
        body = request.get_json(silent=True)
        fault = state.take_fault()
        if fault == "expire_token":
            with state.lock:
                state.sessions.clear()
        if fault == "error500":
            log("api", body, "500")
            return Response("Internal Server Error", status=500)
        if fault == "garbage":
            log("api", body, "garbage")
            return Response(b'{"error_code": "0", "resul', status=200, mimetype="application/json")
        if fault == "cut":
            log("api", body, "cut")
            return _drop_connection()
        if fault == "empty":
            log("api", body, "empty")
            return Response(b"", status=200, mimetype="application/json")
        if fault == "hang":
            time.sleep(state.hang_seconds)
        with state.lock:
            reply = _answer(state, body)
            previous = state.last_reply
            state.last_reply = reply
            log("api", body, reply)
            state.save()
        if fault == "drop_reply":
            return _drop_connection()
        if fault == "reorder" and isinstance(reply.get("results"), list):
            reply = dict(reply, results=list(reversed(reply["results"])))
        if fault == "replay" and previous is not None:
            reply = previous
        return jsonify(reply)

    @app.post("/_sim/faults")
    def set_faults() -> Any:
        body = request.get_json(silent=True) or {}
        with state.lock:
            if body.get("clear"):
                state.faults.clear()
                state.rejected.clear()
            mode = body.get("mode")
            if mode in FAULTS:
                state.faults.append(Fault(mode, body.get("count"), int(body.get("after") or 0)))
            if mode == "reject" and body.get("ma_ho_so"):
                state.rejected[body["ma_ho_so"]] = body.get("message", "Cổng từ chối hồ sơ")
            if "hang_seconds" in body:
                state.hang_seconds = float(body["hang_seconds"])
            if "token_seconds" in body:
                state.token_seconds = int(body["token_seconds"])
        return jsonify({"faults": [f.mode for f in state.faults], "rejected": state.rejected})

    from tools.portal_sim import bundles  # it builds on this module's upserts

    bundles.register(app, state)

    @app.post("/_sim/seed")
    def seed() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            return jsonify({"error_code": "400", "message": "Cần {madonvi, data: [...]}"}), 400
        count = state.seed(str(body.get("madonvi") or ""), body["data"])
        return jsonify({"error_code": "0", "seeded": count})

    @app.get("/_sim/state")
    def get_state() -> Any:
        return jsonify(state.snapshot())

    @app.get("/")
    def index() -> str:
        snap = state.snapshot()
        return render_template_string(
            _INDEX,
            dossiers=snap["dossiers"],
            progress=len(snap["progress"]),
            requests=snap["requests"],
        )

    return app


def _answer(state: PortalState, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {"error_code": "400", "message": "Yêu cầu không phải JSON hợp lệ"}
    expiry = state.sessions.get(str(body.get("session")))
    if expiry is None or expiry < time.monotonic():
        state.sessions.pop(str(body.get("session")), None)
        return {"error_code": "401", "message": "Phiên làm việc hết hạn"}
    data = body.get("data")
    office = str(body.get("madonvi") or "")
    if body.get("service") == "LayDanhSachHoSo" and office:
        return list_dossiers(state, office, body)
    if not isinstance(data, list) or not office:
        return {"error_code": "400", "message": "Thiếu madonvi hoặc data"}
    service = body.get("service")
    if service == "DongBoHoSoMC":
        results = apply_dossiers(state, office, data)
    elif service == "CapNhatTienDoHoSoMC":
        results = apply_progress(state, data)
    else:
        return {"error_code": "404", "message": f"Không hỗ trợ dịch vụ {service}"}
    return {"error_code": "0", "results": results}


LIST_PAGE_DEFAULT, LIST_PAGE_MAX = 50, 200


def _whole(value: Any, default: int) -> int | None:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


def list_dossiers(state: PortalState, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """LayDanhSachHoSo: one page of the office's dossiers received between TuNgay and DenNgay."""
    since, until = body.get("TuNgay"), body.get("DenNgay")
    if not all(isinstance(v, str) and _PORTAL_DATE.fullmatch(v) for v in (since, until)):
        return {"error_code": "2", "message": "TuNgay, DenNgay phải dạng yyyyMMddHHmmss"}
    page = _whole(body.get("Trang"), 1)
    size = _whole(body.get("SoBanGhi"), LIST_PAGE_DEFAULT)
    wanted = body.get("TrangThaiHoSo")
    if page is None or size is None or size > LIST_PAGE_MAX:
        return {"error_code": "2", "message": f"Trang >= 1, 1 <= SoBanGhi <= {LIST_PAGE_MAX}"}
    rows = []
    for key, item in state.dossiers.items():
        if state.offices.get(key) != office:
            continue
        received = item.get("NgayTiepNhan")
        # A malformed date is listed anyway: the portal sending garbage is what is tested.
        dated = isinstance(received, str) and _PORTAL_DATE.fullmatch(received)
        if dated and not since <= received <= until:
            continue
        if wanted not in (None, "") and str(item.get("TrangThaiHoSo")) != str(wanted):
            continue
        rows.append((str(received), key, item))
    rows.sort(key=lambda row: row[:2])
    listed: list[Any] = [copy.deepcopy(item) for _, _, item in rows]
    listed += copy.deepcopy(state.junk.get(office, []))  # garbage the portal sends too
    start = (page - 1) * size
    return {
        "error_code": "0",
        "data": listed[start : start + size],
        "Trang": page,
        "SoBanGhi": size,
        "TongSoBanGhi": len(listed),
    }


def sample_online(office: str, count: int = 3, *, day: str = "") -> list[dict[str, Any]]:
    """``count`` dossiers citizens submitted online to ``office`` (for demos and training)."""
    # The portal speaks Vietnam time (UTC+7), whatever zone this machine is in.
    day = day or time.strftime("%Y%m%d", time.gmtime(time.time() + 7 * 3600))
    people = [
        ("Lường Thị Nga", "011195001234", "0912345678"),
        ("Cầm Văn Hặc", "011090004321", "0987654321"),
        ("Tòng Thị Lan", "011200007777", "0934567890"),
    ]
    procedures = [
        (
            "1.004873",
            "Xác nhận tình trạng hôn nhân",
            "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
        ),
        ("1.001193", "Đăng ký khai sinh", "Tờ khai đăng ký khai sinh"),
        (
            "1.004859",
            "Thay đổi, cải chính, bổ sung thông tin hộ tịch",
            "Tờ khai thay đổi, cải chính hộ tịch",
        ),
    ]
    out = []
    for i in range(count):
        name, id_number, phone = people[i % len(people)]
        code, title, form = procedures[i % len(procedures)]
        key = f"{office}-{day[2:]}-9{i + 1:03d}"
        out.append(
            {
                "MaHoSo": key,
                "MaTTHC": code,
                "TenTTHC": title,
                "KenhThucHien": 2,
                "SoBienNhan": key,
                "ChuHoSo": name,
                "SoGiayToChuHoSo": id_number,
                "LoaiDoiTuong": 1,
                "Email": "",
                "SoDienThoai": phone,
                "TrichYeuHoSo": title,
                "NgayTiepNhan": f"{day}{8 + i:02d}1500",
                "NgayHenTra": "",
                "TrangThaiHoSo": 1,
                "HinhThuc": 0,
                "GhiChu": "Nộp trực tuyến qua Cổng Dịch vụ công",
                "TaiLieuNop": [
                    {
                        "TenGiayTo": form,
                        "SoLuong": 1,
                        "LoaiGiayTo": "original",
                        "DuongDanTep": f"https://dichvucong.example.vn/tep/{key}/1.pdf",
                    },
                    {"TenGiayTo": "Căn cước công dân (bản chụp)", "SoLuong": 1},
                ],
                "DanhSachLePhi": [],
                "DanhSachTepDinhKemKhac": [],
                "DanhSachHoSoBoSung": [],
                "DanhSachGiayToKetQua": [],
            }
        )
    return out
