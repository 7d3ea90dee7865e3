"""The USB bundle end to end: real files in tmp_path, the simulator over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from counter.domain.errors import CounterError
from counter.extensions import db
from counter.models import Office
from counter.models.portal import PARKED, PENDING, SENT, OutboxItem, PortalDossier, SyncBundle
from counter.portal import bundle, sender
from counter.services import Actor
from counter.web.i18n import fmt_datetime
from tests.portal.helpers import assert_portal_matches_local, bulk_dossiers, fault, portal_state
from tools.portal_sim import SimServer

ROOT = Path(__file__).resolve().parents[2]
CLI = Actor.system("test")


@pytest.fixture
def keyed(portal_app: Flask, sim: SimServer) -> str:
    """The province holds this office's sync key; returns the office's madonvi."""
    agency = db.session.scalar(select(Office.agency_id))
    sim.state.sync_keys[agency] = portal_app.config["PORTAL_SYNC_KEY"]
    return agency


def post_bundle(url: str, data: bytes) -> tuple[int, bytes]:
    """POST the file's bytes to the simulator's /bundle as the raw body."""
    request = urllib.request.Request(
        url + "/bundle",
        data=data,
        method="POST",
        headers={"Content-Type": "application/octet-stream"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()


def export(runner: Any, path: Path) -> Path:
    result = runner.invoke(args=["sync", "export", str(path)])
    assert result.exit_code == 0, result.output
    return path


def receipt(runner: Any, path: Path) -> Any:
    return runner.invoke(args=["sync", "receipt", str(path)])


def statuses() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxItem.status)).all()
    return {s: rows.count(s) for s in (PENDING, SENT, PARKED)}


def test_round_trip_export_import_receipt(
    portal_app: Flask, sim: SimServer, keyed: str, runner: Any, tmp_path: Path
) -> None:
    bulk_dossiers(12, prefix="US")
    before = statuses()
    path = export(runner, tmp_path / "tuan48.dbgoi")
    assert statuses() == before  # exporting marks nothing sent
    assert not list(tmp_path.glob(".*tmp"))  # the temporary name is gone
    [record] = db.session.scalars(select(SyncBundle)).all()
    assert record.count > 0 and record.receipt_at is None

    status, body = post_bundle(sim.url, path.read_bytes())
    assert status == 200, body
    assert portal_state(sim.url)["bundles"] == [record.bundle_id]
    (tmp_path / "bienhan.bnhan").write_bytes(body)
    result = receipt(runner, tmp_path / "bienhan.bnhan")
    assert result.exit_code == 0, result.output
    assert result.output == f"accepted {record.count}, rejected 0\n"
    assert statuses() == {PENDING: 0, SENT: before[PENDING], PARKED: 0}
    # isUpdating: the portal holds every dossier now, as after an API "0".
    held = db.session.scalars(select(PortalDossier)).all()
    assert len(held) == len({i.dossier_id for i in db.session.scalars(select(OutboxItem))})
    assert_portal_matches_local(sim.url)
    # Nothing went through the API.
    assert [r["kind"] for r in sim.state.requests] == ["bundle"]


def test_the_portal_imports_a_bundle_once(
    portal_app: Flask, sim: SimServer, keyed: str, runner: Any, tmp_path: Path
) -> None:
    data = export(runner, tmp_path / "a.dbgoi").read_bytes()
    status, first = post_bundle(sim.url, data)
    assert status == 200
    held = portal_state(sim.url)
    status, again = post_bundle(sim.url, data)
    assert status == 409
    answer = json.loads(again)
    assert answer["error_code"] == "already_imported"
    assert "đã được nhập trước đó" in answer["message"]
    assert portal_state(sim.url) == held  # changed nothing (not even a request counted)
    # The first receipt can be fetched again, byte for byte.
    with urllib.request.urlopen(sim.url + answer["receipt_url"], timeout=5) as response:
        assert response.read() == first


@pytest.mark.parametrize(
    ("spoil", "code", "words"),
    [
        (lambda b: b[: len(b) * 2 // 3], "truncated", "không đầy đủ"),
        (lambda b: b[:40], "truncated", "không đầy đủ"),
        (lambda b: b[:-1] + bytes([b[-1] ^ 0x01]), "altered", "bị thay đổi"),
        (lambda b: b.replace(b'"count": ', b'"count": 1', 1), "wrong_key", "Chữ ký"),
        (lambda b: b"PK\x03\x04" + b[4:], "not_a_bundle", "không phải gói dữ liệu"),
    ],
    ids=["truncated", "header-only", "altered-byte", "altered-manifest", "not-a-bundle"],
)
def test_a_spoilt_bundle_is_refused_and_changes_nothing(
    portal_app: Flask,
    sim: SimServer,
    keyed: str,
    runner: Any,
    tmp_path: Path,
    spoil: Any,
    code: str,
    words: str,
) -> None:
    data = export(runner, tmp_path / "a.dbgoi").read_bytes()
    status, body = post_bundle(sim.url, spoil(data))
    answer = json.loads(body)
    assert (status, answer["error_code"]) == (400, code)
    assert words in answer["message"]
    assert portal_state(sim.url)["dossiers"] == {}
    # The good file still imports afterwards.
    assert post_bundle(sim.url, data)[0] == 200


def test_a_bundle_signed_with_another_key_is_refused(
    portal_app: Flask, sim: SimServer, keyed: str, runner: Any, tmp_path: Path
) -> None:
    sim.state.sync_keys[keyed] = "khoa-cua-xa-khac"
    status, body = post_bundle(sim.url, export(runner, tmp_path / "a.dbgoi").read_bytes())
    assert (status, json.loads(body)["error_code"]) == (400, "wrong_key")
    sim.state.sync_keys.clear()
    status, body = post_bundle(sim.url, (tmp_path / "a.dbgoi").read_bytes())
    assert (status, json.loads(body)["error_code"]) == (400, "unknown_office")
    assert portal_state(sim.url)["dossiers"] == {}


def test_receipt_twice_changes_nothing_and_a_spoilt_receipt_is_refused(
    portal_app: Flask, sim: SimServer, keyed: str, runner: Any, tmp_path: Path
) -> None:
    bulk_dossiers(2, prefix="RC")
    fault(sim.url, mode="reject", ma_ho_so="RC-000001", message="Thiếu mã lĩnh vực")
    status, body = post_bundle(sim.url, export(runner, tmp_path / "a.dbgoi").read_bytes())
    assert status == 200
    good = tmp_path / "r.bnhan"
    good.write_bytes(body)
    for spoilt, words in [
        (body[:-5], "không đầy đủ"),
        (body.replace(b"Thi", b"Thu", 1), "Chữ ký"),
        (b"hello", "không phải biên nhận"),
    ]:
        (tmp_path / "bad.bnhan").write_bytes(spoilt)
        result = receipt(runner, tmp_path / "bad.bnhan")
        assert result.exit_code == 1 and words in result.output, result.output
    assert statuses()[SENT] == 0  # nothing is marked delivered before a good receipt

    result = receipt(runner, good)
    assert result.exit_code == 0, result.output
    after = statuses()
    parked = db.session.scalars(select(OutboxItem).where(OutboxItem.status == PARKED)).all()
    assert {(i.dossier.code, i.portal_message) for i in parked} == {
        ("RC-000001", "Thiếu mã lĩnh vực")
    }
    assert "Thiếu mã lĩnh vực" in login_page(portal_app)
    result = receipt(runner, good)
    assert (result.exit_code, result.output) == (
        0,
        "Biên nhận này đã được nạp trước đó; không có gì thay đổi.\n",
    )
    assert statuses() == after
    # The refused dossier's progress entry waits behind it: the portal never got it.
    fault(sim.url, clear=True)
    [state] = [i for i in parked if i.kind == "state"]
    sender.requeue(CLI, state.id)
    assert sender.run_sync("test").ok
    assert_portal_matches_local(sim.url)


def login_page(app: Flask) -> str:
    client = app.test_client()
    from tests.conftest import DEMO_PASSWORDS, Browser

    browser = Browser(client)
    browser.login("lanhdao", DEMO_PASSWORDS["lanhdao"])
    return browser.get("/dong-bo/").get_data(as_text=True)


def test_a_receipt_from_another_office_or_for_no_bundle_of_ours(
    portal_app: Flask, sim: SimServer, keyed: str, tmp_path: Path
) -> None:
    from counter.portal import bundle_format as fmt

    key = portal_app.config["PORTAL_SYNC_KEY"]
    stranger = fmt.seal(fmt.RECEIPT_MAGIC, {"kind": "receipt", "bundle_id": "x"}, b"", "khac")
    with pytest.raises(CounterError, match="không phải cổng cấp cho đơn vị này"):
        bundle.apply_receipt(CLI, stranger)
    unknown = fmt.seal(
        fmt.RECEIPT_MAGIC, {"kind": "receipt", "bundle_id": "x", "results": []}, b"", key
    )
    with pytest.raises(CounterError, match="không ứng với gói dữ liệu nào"):
        bundle.apply_receipt(CLI, unknown)
    a_bundle = fmt.seal(fmt.BUNDLE_MAGIC, {"kind": "bundle"}, b"", key)
    with pytest.raises(CounterError, match="không phải biên nhận"):
        bundle.apply_receipt(CLI, a_bundle)


def test_export_then_api_sync_of_the_same_items_makes_no_duplicate(
    portal_app: Flask, sim: SimServer, keyed: str, runner: Any, tmp_path: Path
) -> None:
    bulk_dossiers(6, prefix="AP")
    path = export(runner, tmp_path / "a.dbgoi")
    # The line came back before the stick reached the province: the API sends it all.
    assert sender.run_sync("test").ok
    sent_at = {i.id: i.sent_at for i in db.session.scalars(select(OutboxItem))}
    assert post_bundle(sim.url, path.read_bytes())[0] == 200  # the same items again
    body = post_bundle(sim.url, path.read_bytes())[1]
    assert json.loads(body)["error_code"] == "already_imported"
    with urllib.request.urlopen(sim.url + json.loads(body)["receipt_url"], timeout=5) as r:
        (tmp_path / "r.bnhan").write_bytes(r.read())
    assert receipt(runner, tmp_path / "r.bnhan").exit_code == 0
    db.session.expire_all()
    # Already sent by the API: the receipt leaves them as they were.
    assert {i.id: i.sent_at for i in db.session.scalars(select(OutboxItem))} == sent_at
    assert_portal_matches_local(sim.url)  # each entry once, no state gone back


def test_bundle_then_a_newer_state_by_api_is_not_overwritten(
    portal_app: Flask, sim: SimServer, keyed: str, runner: Any, tmp_path: Path
) -> None:
    """The bundle's older state lands after the API delivered a newer one: it is sent again."""
    from counter.domain.events import Received
    from counter.models import Dossier
    from counter.services import transaction
    from counter.services.events import append_event

    [dossier_id] = bulk_dossiers(1, prefix="NW")
    path = export(runner, tmp_path / "a.dbgoi")
    with transaction():
        dossier = db.session.get(Dossier, dossier_id)
        dossier.notes = "Đã bổ sung giấy tờ"
        append_event(dossier, CLI, Received(), from_status="received", to_status="received")
    assert sender.run_sync("test").ok  # the newer state, by the API
    status, body = post_bundle(sim.url, path.read_bytes())  # then the stick arrives
    assert status == 200
    assert portal_state(sim.url)["dossiers"]["NW-000000"]["GhiChu"] == ""  # older state won
    (tmp_path / "r.bnhan").write_bytes(body)
    assert receipt(runner, tmp_path / "r.bnhan").exit_code == 0
    assert sender.counts().pending == 1  # the present state queued again
    assert sender.run_sync("test").ok
    assert portal_state(sim.url)["dossiers"]["NW-000000"]["GhiChu"] == "Đã bổ sung giấy tờ"
    assert_portal_matches_local(sim.url)


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_kill_9_mid_export_leaves_no_bundle_that_imports(
    portal_app: Flask, sim: SimServer, keyed: str, tmp_path: Path
) -> None:
    bulk_dossiers(400, prefix="KX")  # a bundle of several chunks (about 27 KB)
    db.session.commit()
    target = tmp_path / "usb" / "tuan.dbgoi"
    target.parent.mkdir()
    env = {
        **os.environ,
        "COUNTER_DATABASE_URL": portal_app.config["DATABASE_URL"],
        "COUNTER_SECRET_KEY": "test-secret",
        "COUNTER_PORTAL_SYNC_KEY": portal_app.config["PORTAL_SYNC_KEY"],
        bundle.SLOW_ENV: "0.5",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "counter", "sync", "export", str(target)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    partial = target.with_name(f".{target.name}.tmp")
    end = time.monotonic() + 120
    while not (partial.exists() and partial.stat().st_size > 0):
        assert time.monotonic() < end and child.poll() is None, "export did not start writing"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    assert child.wait(30) == -signal.SIGKILL
    assert not target.exists()  # nothing under the bundle's name
    status, body = post_bundle(sim.url, partial.read_bytes())  # someone carries the leftover
    assert (status, json.loads(body)["error_code"]) == (400, "truncated")
    assert portal_state(sim.url)["dossiers"] == {}
    db.session.expire_all()
    assert statuses()[SENT] == 0


def test_the_sync_page_exports_and_loads_the_receipt(
    portal_app: Flask, sim: SimServer, keyed: str, login_as: Any
) -> None:
    from io import BytesIO

    key = portal_app.config["PORTAL_SYNC_KEY"]
    assert login_as("tiepnhan").submit("/dong-bo/goi", {}, page="/").status_code == 403
    leader = login_as("lanhdao")
    html = leader.get("/dong-bo/").get_data(as_text=True)
    assert "Xuất tệp mang đi (USB)" in html and key not in html  # the key: admins only
    admin_html = login_as("admin").get("/dong-bo/").get_data(as_text=True)
    assert key in admin_html and "Khóa đồng bộ của đơn vị" in admin_html

    pending = sender.counts().pending
    response = leader.submit("/dong-bo/goi", {}, page="/dong-bo/")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=dongbo-")
    assert sender.counts().pending == pending  # a download marks nothing sent
    status, body = post_bundle(sim.url, response.data)
    assert status == 200

    def upload(data: bytes) -> str:
        leader.submit(
            "/dong-bo/bien-nhan",
            {"file": (BytesIO(data), "bienhan.bnhan")},
            page="/dong-bo/",
            content_type="multipart/form-data",
        )
        return leader.get("/dong-bo/").get_data(as_text=True)

    page = upload(response.data)  # the bundle itself, by mistake
    assert "không phải biên nhận của cổng" in page
    page = upload(body.replace(b'"error_code": "0"', b'"error_code": "1"', 1))
    assert "Chữ ký của biên nhận không khớp: tệp đã bị sửa" in page
    assert sender.counts().pending == pending
    page = upload(body)
    assert "Đã nạp biên nhận: cổng nhận" in page and "từ chối 0 mục" in page
    assert sender.counts().pending == 0
    assert "Biên nhận này đã được nạp trước đó" in upload(body)
    assert "Không có mục nào đang chờ gửi" in (
        leader.submit("/dong-bo/goi", {}, page="/dong-bo/", follow_redirects=True).get_data(
            as_text=True
        )
    )
    assert_portal_matches_local(sim.url)


def test_a_loaded_receipt_is_the_last_successful_delivery_on_the_sync_page(
    portal_app: Flask, sim: SimServer, keyed: str, runner: Any, tmp_path: Path, login_as: Any
) -> None:
    # The line is down: the last API run failed; the week goes to the province on a stick.
    sim.stop()
    assert sender.run_sync("test").failed
    sim.start()
    leader = login_as("lanhdao")
    assert "<strong>—</strong><br>lần đồng bộ thành công gần nhất" in leader.get(
        "/dong-bo/"
    ).get_data(as_text=True)
    status, body = post_bundle(sim.url, export(runner, tmp_path / "tuan.dbgoi").read_bytes())
    assert status == 200
    (tmp_path / "r.bnhan").write_bytes(body)
    assert receipt(runner, tmp_path / "r.bnhan").exit_code == 0
    [record] = db.session.scalars(select(SyncBundle)).all()
    html = leader.get("/dong-bo/").get_data(as_text=True)
    shown = fmt_datetime(record.receipt_at)
    assert f"<strong>{shown}</strong><br>lần đồng bộ thành công gần nhất" in html
