"""The board's voice on the web: each call's clips in the board's JSON, the clips served,
and the admin page where the office replaces a clip with its own recording."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

from flask import Flask

from tests.conftest import csrf_from
from tests.web.test_queue_pages import counter, open_all_day_today, press, take

SHIPPED = Path(__file__).resolve().parents[2] / "static" / "voice"
PAGE = "/quay/quan-tri/am-thanh"


def recording(seconds: float = 0.3) -> bytes:
    """A real WAV file, as a recorder would save it (8 kHz, mono)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x10\x00\xf0\xff" * int(4000 * seconds))
    return buffer.getvalue()


def upload(admin: Any, clip: str, data: bytes, filename: str) -> Any:
    return admin.submit(
        PAGE,
        {"clip": clip, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def upload_large(admin: Any, data: bytes) -> Any:
    """Upload a file past the test client's 500 KB spool, as the raw multipart body a
    browser sends (the client would leave its temporary file open)."""
    token = csrf_from(admin.get(PAGE).get_data(as_text=True))
    boundary = "----voice-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (("csrf_token", token), ("clip", "moi_so"))
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return admin.client.post(
        PAGE, data=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_each_call_on_the_board_carries_the_clips_it_says(
    app: Flask, client: Any, login_as: Any
) -> None:
    open_all_day_today()
    take(client, "A")
    officer = login_as("tiepnhan")
    c1 = counter(1)
    press(officer, f"/quay/{c1.id}/mo")
    press(officer, f"/quay/{c1.id}/goi")
    state = client.get("/man-hinh/trang-thai").json
    call = state["calls"][0]
    assert (call["code"], call["counter"]) == ("A001", 1)
    # «Mời số A một đến quầy số một», after the chime
    assert call["clips"] == ["chime", "moi_so", "chu_a", "mot", "den_quay_so", "mot"]
    assert state["voice"] == "0"  # no clip of the office's own yet


def test_the_board_page_has_the_sound_button_and_the_voice_script(client: Any) -> None:
    page = client.get("/man-hinh/").get_data(as_text=True)
    assert "Bật âm thanh" in page and "/static/js/voice.js" in page
    assert 'data-voice-url="/man-hinh/am-thanh/__clip__"' in page


def test_the_shipped_clips_are_served_to_anyone(client: Any) -> None:
    resp = client.get("/man-hinh/am-thanh/moi_so")
    assert resp.status_code == 200 and resp.mimetype == "audio/wav"
    assert resp.data == (SHIPPED / "moi_so.wav").read_bytes()
    assert resp.headers["Cache-Control"] == "no-cache" and resp.headers["ETag"]
    again = client.get("/man-hinh/am-thanh/moi_so", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/man-hinh/am-thanh/manifest").status_code == 404
    assert client.get("/man-hinh/am-thanh/..%2Fmanifest.json").status_code == 404


def test_only_an_admin_opens_the_voice_page(client: Any, login_as: Any) -> None:
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302 and "/dang-nhap" in anonymous.location
    assert login_as("tiepnhan").get(PAGE).status_code == 403
    page = login_as("admin").get(PAGE).get_data(as_text=True)
    assert "Hàng đợi: âm thanh gọi số" in page and "đến quầy số" in page and "Có sẵn" in page


def test_a_file_that_is_not_sound_is_refused_with_a_message(login_as: Any, client: Any) -> None:
    admin = login_as("admin")
    resp = upload(admin, "moi_so", b"MZ\x90\x00 not a recording at all", "moi-so.wav")
    assert resp.status_code == 422
    assert "không phải tệp âm thanh WAV, MP3 hoặc OGG" in resp.get_data(as_text=True)
    too_big = upload_large(admin, b"RIFF\x00\x00\x00\x00WAVE" + b"\0" * (1024 * 1024))
    assert too_big.status_code == 422 and "quá lớn" in too_big.get_data(as_text=True)
    missing = admin.submit(PAGE, {"clip": "moi_so"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Chọn tệp ghi âm" in missing.get_data(as_text=True)
    unknown = upload(admin, "no_such_clip", recording(), "x.wav")
    assert unknown.status_code == 422
    # nothing changed: the board still gets the shipped clip
    assert client.get("/man-hinh/am-thanh/moi_so").data == (SHIPPED / "moi_so.wav").read_bytes()


def test_a_form_without_its_token_is_refused(login_as: Any) -> None:
    admin = login_as("admin")
    resp = admin.client.post(
        PAGE,
        data={"clip": "moi_so", "file": (io.BytesIO(recording()), "a.wav")},
        content_type="multipart/form-data",
    )
    assert resp.status_code in (400, 422)
    assert admin.client.get("/man-hinh/am-thanh/moi_so").data != recording()


def test_the_office_recording_is_served_instead_until_reset(
    app: Flask, client: Any, login_as: Any
) -> None:
    admin = login_as("admin")
    before = client.get("/man-hinh/trang-thai")
    mine = recording()
    resp = upload(admin, "den_quay_so", mine, "den quay so.wav")
    assert resp.status_code == 302
    assert "bằng bản ghi âm của đơn vị" in admin.get(resp.location).get_data(as_text=True)
    served = client.get("/man-hinh/am-thanh/den_quay_so")
    assert served.data == mine and served.mimetype == "audio/wav"
    assert (Path(app.instance_path) / "voice" / "den_quay_so.wav").read_bytes() == mine
    # the board learns of it: its ETag and the voice's version change
    after = client.get("/man-hinh/trang-thai", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.json["voice"] != before.json["voice"]
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Bản ghi của đơn vị" in page and "Dùng lại bản có sẵn" in page
    # an MP3 replaces the WAV
    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 50
    assert upload(admin, "den_quay_so", mp3, "den.mp3").status_code == 302
    served = client.get("/man-hinh/am-thanh/den_quay_so")
    assert served.data == mp3 and served.mimetype == "audio/mpeg"
    reset = admin.submit(f"{PAGE}/dung-lai", {"clip": "den_quay_so"}, page=PAGE)
    assert reset.status_code == 302
    assert "có sẵn" in admin.get(reset.location).get_data(as_text=True)
    shipped = (SHIPPED / "den_quay_so.wav").read_bytes()
    assert client.get("/man-hinh/am-thanh/den_quay_so").data == shipped
    assert not list((Path(app.instance_path) / "voice").glob("den_quay_so.*"))


def test_only_an_admin_may_reset(login_as: Any) -> None:
    officer = login_as("tiepnhan")
    page = officer.get("/quay/").get_data(as_text=True)
    resp = officer.client.post(
        f"{PAGE}/dung-lai", data={"csrf_token": csrf_from(page), "clip": "moi_so"}
    )
    assert resp.status_code == 403
