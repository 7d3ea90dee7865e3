"""The pull of online submissions against the simulator over real HTTP (issue 12, the pull).

Citizens' dossiers submitted on the portal (status 1) come down page by page,
once each; an officer accepts one (a normal reception under the portal's code)
or refuses one (form 03), and the outcome goes back to the portal; what the
portal sends that the counter cannot use is skipped with its reason.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from counter.domain import clock
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Dossier
from counter.models.portal import PortalPull
from counter.portal import mapping, pull, sender
from counter.services import dossiers as svc
from counter.services.office import get_office
from tests.portal.helpers import fault, portal_state
from tests.services.test_lifecycle_service import actor_for
from tools.portal_sim import SimServer

AT = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Mon 16/11/2026 09:00 in Vietnam


def seed(url: str, office: str, items: list[Any]) -> None:
    """Citizens submit dossiers on the portal (POST /_sim/seed)."""
    request = urllib.request.Request(
        url + "/_sim/seed",
        data=json.dumps({"madonvi": office, "data": items}, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["error_code"] == "0"


def online(office: str, n: int, *, at: datetime = AT, status: int = 1, **extra: Any) -> Any:
    """The portal's object of an online submission."""
    code = f"{office}-261116-{9000 + n}"
    return {
        "MaHoSo": code,
        "MaTTHC": "1.004873",
        "TenTTHC": "Xác nhận tình trạng hôn nhân",
        "KenhThucHien": 2,
        "SoBienNhan": code,
        "ChuHoSo": f"Lò Thị Hoa {n}",
        "SoGiayToChuHoSo": "011195001234",
        "LoaiDoiTuong": 1,
        "SoDienThoai": "0912345678",
        "NgayTiepNhan": mapping.portal_time(at - timedelta(hours=1, minutes=n)),
        "TrangThaiHoSo": status,
        "TaiLieuNop": [
            {
                "TenGiayTo": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
                "SoLuong": 1,
                "LoaiGiayTo": "original",
                "DuongDanTep": f"https://dichvucong.example.vn/tep/{code}/1.pdf",
            },
            {"TenGiayTo": "Căn cước công dân (bản chụp)", "SoLuong": 2},
        ],
        **extra,
    }


def listing_requests(sim: SimServer) -> list[dict[str, Any]]:
    return [
        r["body"]
        for r in sim.state.requests
        if r["kind"] == "api" and r["body"].get("service") == "LayDanhSachHoSo"
    ]


def by_code(code: str) -> Dossier | None:
    db.session.expire_all()
    return db.session.scalar(select(Dossier).where(Dossier.code == code))


def test_pull_pages_through_and_a_second_pull_duplicates_nothing(
    portal_app: Flask, sim: SimServer
) -> None:
    office = get_office().agency_id
    seed(sim.url, office, [online(office, n) for n in range(7)])
    # Not for us: a dossier the portal already has as received, another office's submission.
    seed(sim.url, office, [online(office, 20, status=2)])
    seed(sim.url, "000.99.99.H18", [online("000.99.99.H18", 30)])
    pending = sender.counts().pending
    dossiers = db.session.scalar(select(func.count(Dossier.id)))

    first = pull.run_pull("test", now=AT)
    assert (first.pulled, first.known, first.skipped, first.failed) == (7, 0, [], False)
    # Five a page (PORTAL_BATCH): two pages of the submissions only.
    pages = listing_requests(sim)
    assert [(p["Trang"], p["SoBanGhi"], p["TrangThaiHoSo"]) for p in pages] == [
        (1, 5, 1),
        (2, 5, 1),
    ]
    assert pages[0]["madonvi"] == office
    worklist = svc.worklist(actor_for("reception"), tab=svc.ONLINE, per_page=100, now=AT)
    codes = {row.dossier.code for row in worklist.rows}
    assert {f"{office}-261116-{9000 + n}" for n in range(7)} <= codes
    assert f"{office}-261116-9020" not in codes and worklist.counts[svc.ONLINE] == len(codes)
    dossier = by_code(f"{office}-261116-9003")
    assert dossier.status == Status.SUBMITTED and dossier.channel == "online"
    assert dossier.applicant_name == "Lò Thị Hoa 3" and dossier.ledger_seq is None
    assert [(d.name, d.count) for d in dossier.documents] == [
        ("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", 1),
        ("Căn cước công dân (bản chụp)", 2),
    ]
    assert pull.files_of(dossier.id) == [
        {
            "name": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
            "count": 1,
            "url": f"https://dichvucong.example.vn/tep/{office}-261116-9003/1.pdf",
        }
    ]
    # The portal told us: nothing is queued to tell it back.
    assert sender.counts().pending == pending

    second = pull.run_pull("test", now=AT + timedelta(minutes=5))
    assert (second.pulled, second.known) == (0, 7)
    assert db.session.scalar(select(func.count(Dossier.id))) == dossiers + 7
    assert db.session.scalar(select(func.count(PortalPull.id))) == 2


def test_accept_and_refuse_a_pulled_dossier_and_the_portal_hears_of_it(
    portal_app: Flask, sim: SimServer
) -> None:
    office = get_office().agency_id
    seed(sim.url, office, [online(office, 1), online(office, 2)])
    assert pull.run_pull("test", now=AT).pulled == 2
    accepted, refused = by_code(f"{office}-261116-9001"), by_code(f"{office}-261116-9002")
    reception = actor_for("reception")
    moment = AT + timedelta(hours=2)  # Mon 11:00: three working days from acceptance
    outcome = svc.receive(reception, accepted.id, version=accepted.version, now=moment)
    dossier = outcome.dossier
    assert dossier.code == f"{office}-261116-9001"  # the portal's MaHoSo kept
    assert dossier.status == Status.RECEIVED and dossier.received_at == moment
    # Thursday's close, not three working days from the submission on Monday morning.
    assert dossier.due_at == clock.from_local_naive(datetime(2026, 11, 19, 17, 0))
    assert dossier.ledger_seq is not None and dossier.received_by_id == reception.user_id
    svc.refuse(
        reception,
        refused.id,
        version=refused.version,
        reason="Tờ khai thiếu chữ ký của người yêu cầu",
        now=moment,
    )

    summary = sender.run_sync("test")
    assert summary.ok, summary
    state = portal_state(sim.url)
    assert state["dossiers"][dossier.code]["TrangThaiHoSo"] == 2
    assert state["dossiers"][dossier.code]["NgayHenTra"] == "20261119170000"
    assert state["history"][dossier.code] == [1, 2]
    assert state["dossiers"][refused.code]["TrangThaiHoSo"] == 3
    assert state["history"][refused.code] == [1, 3]
    # Updates of a dossier the portal has ("isUpdating": "True"), never a new one.
    updates = [
        r["body"]["isUpdating"]
        for r in sim.state.requests
        if r["kind"] == "api"
        and r["body"].get("service") == "DongBoHoSoMC"
        and {dossier.code, refused.code} & {d["MaHoSo"] for d in r["body"]["data"]}
    ]
    assert updates and set(updates) == {"True"}
    notes = [e["NoiDungXuLy"] for e in state["progress"].values() if e["MaHoSo"] == refused.code]
    assert notes == ["Từ chối tiếp nhận: Tờ khai thiếu chữ ký của người yêu cầu"]
    # Pulled again while the portal still listed them as submitted: nothing comes back.
    again = pull.run_pull("test", now=moment)
    assert again.pulled == 0


def test_accepting_on_the_dossier_page_prints_the_slip(
    portal_app: Flask, sim: SimServer, login_as: Any
) -> None:
    office = get_office().agency_id
    seed(sim.url, office, [online(office, 1, at=clock.now())])
    assert pull.run_pull("test").pulled == 1
    dossier = by_code(f"{office}-261116-9001")
    officer = login_as("tiepnhan")
    page = officer.get("/ho-so/?tab=online").get_data(as_text=True)
    assert "Nộp trực tuyến — chờ tiếp nhận" in page and dossier.code in page
    html = officer.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert "Bản quét công dân nộp trên cổng" in html and "dichvucong.example.vn" in html
    response = officer.submit(
        f"/ho-so/{dossier.id}/receive",
        {"receive-version": dossier.version},
        page=f"/ho-so/{dossier.id}",
    )
    assert response.status_code == 302
    assert (
        f"/in/mau-01/{dossier.id}" in response.headers["Location"]
        or "mau" in (response.headers["Location"])
    )
    assert by_code(dossier.code).status == Status.RECEIVED


def test_garbage_from_the_portal_is_skipped_with_its_reason_and_the_rest_comes(
    portal_app: Flask, sim: SimServer, login_as: Any
) -> None:
    office = get_office().agency_id
    no_name = online(office, 3)
    del no_name["ChuHoSo"]
    seed(
        sim.url,
        office,
        [
            online(office, 1),
            no_name,
            online(office, 4, NgayTiepNhan="16/11/2026"),
            online(office, 5, MaTTHC="9.999999"),
            online(office, 6, MaHoSo="mã có dấu cách"),
            "<html>lỗi</html>",
            42,
            {"MaTTHC": "1.004873"},
            online(office, 7, SoGiayToChuHoSo="12", SoDienThoai="gọi tôi", TaiLieuNop="x"),
        ],
    )
    summary = pull.run_pull("test", now=AT)
    assert (summary.pulled, summary.failed) == (2, False)
    reasons = sorted(str(reason) for _key, reason, _shown in summary.skipped)
    assert reasons == sorted(
        [
            "Thiếu trường bắt buộc: ChuHoSo.",
            "Ngày nộp (NgayTiepNhan) không đúng dạng yyyyMMddHHmmss.",
            "Thủ tục 9.999999 không có (hoặc không còn hiệu lực) trong danh mục của xã.",
            "Hồ sơ thiếu mã hồ sơ (MaHoSo) hoặc mã không hợp lệ.",
            "Cổng gửi một mục không phải hồ sơ (không phải đối tượng JSON).",
            "Cổng gửi một mục không phải hồ sơ (không phải đối tượng JSON).",
            "Hồ sơ thiếu mã hồ sơ (MaHoSo) hoặc mã không hợp lệ.",
        ]
    )
    # Malformed optional fields are left empty: the officer checks the papers.
    kept = by_code(f"{office}-261116-9007")
    assert (kept.id_number, kept.phone, kept.documents) == ("", "", [])

    page = login_as("lanhdao").get("/dong-bo/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Dữ liệu cổng gửi không dùng được" in html
    assert "Thủ tục 9.999999 không có" in html and f"{office}-261116-9005" in html
    assert "2 hồ sơ mới, 0 đã có, 7 bị bỏ qua" in html

    # A listing that is not the contract's shape ends the pull, said, and keeps what was shown.
    fault(sim.url, mode="garbage", count=1)
    failed = pull.run_pull("test", now=AT)
    assert failed.failed and failed.error == "Cổng trả lời không đúng định dạng."
    html = login_as("lanhdao").get("/dong-bo/").get_data(as_text=True)
    assert "không thành công: Cổng trả lời không đúng định dạng." in html
    assert "Thủ tục 9.999999 không có" in html


def test_sync_pull_and_sync_run_from_the_terminal(
    portal_app: Flask, sim: SimServer, runner: Any
) -> None:
    office = get_office().agency_id
    seed(sim.url, office, [online(office, n, at=clock.now()) for n in (1, 2, 3)])
    result = runner.invoke(args=["sync", "pull"])
    assert (result.exit_code, result.output) == (0, "pulled 3, already here 0, skipped 0\n")
    seed(sim.url, office, [online(office, 4, at=clock.now())])
    result = runner.invoke(args=["sync", "run"])
    assert result.exit_code == 0
    # The push went first (the demo's own online dossiers are on the portal now, and here).
    lines = result.output.splitlines()
    assert lines[0].startswith("sent ") and lines[1].startswith("pulled 1, already here ")
    sim.stop()
    result = runner.invoke(args=["sync", "pull"])
    assert result.exit_code == 1 and "Không kết nối được với cổng." in result.output


def test_a_dossier_waiting_for_acceptance_promises_no_due_date_yet(
    portal_app: Flask, sim: SimServer, login_as: Any
) -> None:
    """Its due date counts from acceptance: the list and the page say so, not a date."""
    office = get_office().agency_id
    seed(sim.url, office, [online(office, 4, at=clock.now())])
    assert pull.run_pull("test").pulled == 1
    dossier = by_code(f"{office}-261116-9004")
    shown_due = clock.local_naive(dossier.due_at).strftime("%d/%m/%Y %H:%M")
    officer = login_as("tiepnhan")
    for url in ("/ho-so/?tab=online", f"/ho-so/{dossier.id}"):
        page = officer.get(url).get_data(as_text=True)
        assert dossier.code in page
        assert "tính từ khi tiếp nhận" in page, url
        assert shown_due not in page.split("Quá trình xử lý")[0], url
