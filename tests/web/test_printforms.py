"""Printed forms 01–07: every field the 2025 forms carry, the slip's QR code, the ledger period."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from flask import Flask
from PIL import Image

from counter.domain import clock
from counter.domain.clock import now as utcnow
from counter.extensions import db
from counter.models import (
    CounterNotice,
    Dossier,
    DossierDocument,
    DossierEvent,
    Procedure,
    User,
)
from counter.printing import qr
from counter.services.printforms import ledger as forms

ROOT = Path(__file__).resolve().parents[2]
VN = timedelta(hours=7)


def vn(*args: int) -> datetime:
    """A Vietnam wall-clock time as an aware UTC instant."""
    return (datetime(*args) - VN).replace(tzinfo=UTC)  # type: ignore[misc]


def user(username: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == username))


def procedure(
    code: str = "9.104873",
    name: str = "Xác nhận tình trạng hôn nhân",
    field: tuple[str, str] = ("HT", "Hộ tịch"),
    limit: tuple[Decimal, str] = (Decimal(3), "working_days"),
    body: str = "UBND xã Mường Phăng",
) -> Procedure:
    """A procedure of the test's own (codes 9.x stay clear of the demo catalog)."""
    found = db.session.scalar(db.select(Procedure).where(Procedure.national_code == code))
    if found is not None:
        return found
    proc = Procedure(
        national_code=code,
        name=name,
        field_code=field[0],
        field_name=field[1],
        limit_amount=limit[0],
        limit_unit=limit[1],
        implementing_body=body,
    )
    db.session.add(proc)
    db.session.flush()
    return proc


_seq = iter(range(1, 10_000))


def make_dossier(
    *,
    received: datetime | None = None,
    due: datetime | None = None,
    status: str = "received",
    proc: Procedure | None = None,
    events: list[dict[str, Any]] = (),  # type: ignore[assignment]
    **values: Any,
) -> Dossier:
    """A dossier as reception and the lifecycle leave it, written straight to the tables."""
    n = next(_seq)
    received = received or vn(2026, 11, 27, 10, 5)
    due = due or vn(2026, 12, 2, 10, 5)
    proc = proc or procedure()
    clerk = user("tiepnhan")
    fields: dict[str, Any] = {
        "code": f"000.20.18.H18-{received.strftime('%y%m%d')}-{9000 + n}",
        "procedure_id": proc.id,
        "status": status,
        "applicant_name": "Lò Văn Phượng",
        "id_number": "011090001234",
        "phone": "0912345678",
        "address": "Bản Co Luống, xã Mường Phăng, tỉnh Điện Biên",
        "email": "phuong.lv@example.vn",
        "sets_count": 1,
        "result_delivery": "counter",
        "ledger_book": "2026",
        "ledger_seq": 100 + n,
        "received_at": received,
        "due_at": due,
        "original_due_at": due,
        "received_by_id": clerk.id,
        **values,
    }
    dossier = Dossier(**fields)
    dossier.documents = [
        DossierDocument(
            position=0,
            name="Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
            kind="original",
            count=1,
        ),
        DossierDocument(position=1, name="Bản sao Giấy chứng nhận kết hôn", kind="copy", count=2),
    ]
    db.session.add(dossier)
    db.session.flush()
    for spec in events:
        who = user(spec.pop("username", "chuyenvien"))
        spec.setdefault("from_status", status)
        spec.setdefault("to_status", status)
        db.session.add(DossierEvent(dossier=dossier, user_id=who.id, username=who.username, **spec))
    db.session.commit()
    return dossier


def text_of(resp: Any) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, spaces folded."""
    body = resp.get_data(as_text=True)
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"</?(span|strong|em|b|i|a|wbr)\b[^>]*>", "", body)  # inline: no gap
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def lookup_url_for(app: Flask, code: str, key: str = "") -> str:
    from counter.web.public import lookup_url

    with app.test_request_context("/"):
        return lookup_url(code, key)


def svg_to_image(svg: str, scale: int = 8) -> Image.Image:
    """Rasterise the inline SVG segno writes (one stroked path of horizontal runs)."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))  # type: ignore[union-attr]
    unit = int(re.search(r'transform="scale\((\d+)\)"', svg).group(1))  # type: ignore[union-attr]
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg) or re.search(
        r'd="([^"]+)"[^>]*class="qrline"', svg
    )
    assert path, svg[:200]
    modules = size // unit
    img = Image.new("L", (modules * scale, modules * scale), 255)
    x = y = 0.0
    for op, a, b in re.findall(r"([MmhHv])(-?[\d.]+)(?:[ ,](-?[\d.]+))?", path.group(1)):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        elif op == "h":
            length = float(a)
            row = int(y)
            for col in range(int(x), int(x + length)):
                img.paste(0, (col * scale, row * scale, (col + 1) * scale, (row + 1) * scale))
            x += length
    return img


# --- form 01 ------------------------------------------------------------------


def test_form01_carries_every_field_of_the_slip(app: Flask, login_as: Any) -> None:
    dossier = make_dossier()
    page = login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-01")
    assert page.status_code == 200
    text = text_of(page)
    for expected in (
        "UBND xã Mường Phăng",
        "Trung tâm Phục vụ hành chính công xã Mường Phăng",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {dossier.ledger_seq}/TTPVHCC",
        "Mường Phăng, ngày 27 tháng 11 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        "Tiếp nhận hồ sơ của Ông (Bà)/Tổ chức: Lò Văn Phượng",
        "Số định danh cá nhân/tổ chức: 011090001234",
        "Địa chỉ: Bản Co Luống, xã Mường Phăng, tỉnh Điện Biên",
        "Số điện thoại: 0912345678",
        "Email: phuong.lv@example.vn",
        "Nội dung yêu cầu giải quyết: Xác nhận tình trạng hôn nhân",
        "Thành phần hồ sơ nộp gồm:",
        "1 Tờ khai cấp Giấy xác nhận tình trạng hôn nhân Bản chính 1",
        "2 Bản sao Giấy chứng nhận kết hôn Bản sao 2",
        "Số lượng hồ sơ: 01 (bộ)",
        "Thời gian giải quyết hồ sơ theo quy định: 03 ngày làm việc",
        "Thời gian nhận hồ sơ: 10 giờ 05 phút, ngày 27 tháng 11 năm 2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 05 phút, ngày 02 tháng 12 năm 2026",
        "Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công xã Mường Phăng",
        f"Vào Sổ theo dõi hồ sơ, Quyển số: 2026, Số thứ tự: {dossier.ledger_seq}",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Lò Thị Hoa",
        "Quét mã để tra cứu tình trạng hồ sơ",
    ):
        assert expected in text, expected
    # Two copies on a sheet, as in 2018 practice; the authorisation block only when filed by proxy.
    assert text.count("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") == 2
    assert "Liên 1: lưu" in text and "Liên 2: giao người nộp" in text
    assert "ủy quyền" not in text
    assert 'class="sheet sheet-a4 form01"' in page.get_data(as_text=True)
    # The 2025 terms (Decree 118/2025): no 2018 unit name, no doubled "tại: Tại".
    assert "tiếp nhận và trả kết quả" not in text.lower() and "tại: tại" not in text.lower()


def test_form01_shows_the_authorisation_and_the_post_delivery(login_as: Any) -> None:
    dossier = make_dossier(
        filer_name="Quàng Thị Mai",
        filer_id_number="011190005678",
        filer_address="Bản Phăng, xã Mường Phăng",
        filer_phone="0987654321",
        result_delivery="post",
        applicant_kind="organisation",
        applicant_name="Hợp tác xã Cà phê Mường Phăng",
    )
    text = text_of(login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-01"))
    assert "Trường hợp nộp hồ sơ theo ủy quyền:" in text
    assert "Người ủy quyền: Hợp tác xã Cà phê Mường Phăng (số định danh" in text
    assert "Người được ủy quyền nộp hồ sơ: Quàng Thị Mai" in text
    for value in ("011190005678", "Bản Phăng, xã Mường Phăng", "0987654321"):
        assert value in text
    assert "Đăng ký nhận kết quả: Qua dịch vụ bưu chính công ích" in text
    assert "nhận kết quả tại:" not in text


@pytest.mark.parametrize(
    ("delivery", "line"),
    [
        ("counter", "Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công xã Mường Phăng"),
        ("post", "Đăng ký nhận kết quả: Qua dịch vụ bưu chính công ích"),
    ],
)
def test_thermal_slip_and_form01_say_the_same_delivery_line(
    app: Flask, login_as: Any, delivery: str, line: str
) -> None:
    from counter.domain.printed.blocks import KeyValueBlock
    from counter.domain.printed.form01 import slip_blocks
    from counter.services import printing

    dossier = make_dossier(result_delivery=delivery)
    blocks = slip_blocks(printing.slip_data(dossier, lookup_url_for(app, dossier.code)))
    assert line in [f"{b.key}: {b.value}" for b in blocks if isinstance(b, KeyValueBlock)]
    assert line in text_of(login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-01"))


def test_form01_same_day_and_80mm_roll(login_as: Any) -> None:
    same_day = procedure("9.101193", "Đăng ký khai sinh", limit=(Decimal(0), "same_day"))
    dossier = make_dossier(proc=same_day, due=vn(2026, 11, 27, 17, 0))
    resp = login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-01?size=80mm")
    body, text = resp.get_data(as_text=True), text_of(resp)
    assert "Thời gian giải quyết hồ sơ theo quy định: Trong ngày" in text
    assert "17 giờ 00 phút, ngày 27 tháng 11 năm 2026" in text
    assert body.count('class="sheet sheet-80mm form01"') == 1
    assert "Liên 1" not in text
    a5 = login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-01?size=a5&print=1")
    assert a5.get_data(as_text=True).count('class="sheet sheet-a5 form01"') == 2
    # static/js/app.js opens the print dialog for a page marked so (no inline script).
    assert "data-auto-print" in a5.get_data(as_text=True)
    assert "data-auto-print" not in resp.get_data(as_text=True)


def test_form01_qr_code_decodes_to_the_public_lookup_page(app: Flask, login_as: Any) -> None:
    dossier = make_dossier()
    url = lookup_url_for(app, dossier.code, dossier.lookup_key)
    assert url.endswith(f"/tra-cuu/{dossier.code}?k={dossier.lookup_key}")
    body = login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-01").get_data(as_text=True)
    svgs = re.findall(r"<svg\b.*?</svg>", body, flags=re.S)
    assert len(svgs) == 2  # one per copy
    # The code the page serves, rasterised and read back, and the service's PNG of it.
    for image in (svg_to_image(svgs[0]), Image.open(io.BytesIO(qr.qr_png(url)))):
        found = zxingcpp.read_barcodes(image)
        assert [r.text for r in found] == [url]


def test_form01_of_a_dossier_never_received_is_refused_in_vietnamese(login_as: Any) -> None:
    dossier = make_dossier(status="refused")
    resp = login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-01")
    assert resp.status_code == 422
    assert "chưa được tiếp nhận" in text_of(resp)
    missing = login_as("tiepnhan").get("/in/ho-so/999999/mau-01")
    assert missing.status_code == 404
    assert "Không tìm thấy hồ sơ này." in text_of(missing)


# --- forms 02 and 03 ------------------------------------------------------------


def test_form02_lists_what_to_supplement(login_as: Any) -> None:
    dossier = make_dossier(
        status="supplement_requested",
        events=[
            {
                "action": "request_supplement",
                "at": vn(2026, 11, 30, 9, 0),
                "note": "Giấy tờ hết hạn",
                "detail": {"items": ["Bản sao CCCD còn hạn", "Xác nhận nơi cư trú"]},
            }
        ],
    )
    text = text_of(login_as("chuyenvien").get(f"/in/ho-so/{dossier.id}/mau-02"))
    for expected in (
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        f"Mã hồ sơ: {dossier.code}",
        "Hồ sơ của: Lò Văn Phượng",
        "Nội dung yêu cầu giải quyết: Xác nhận tình trạng hôn nhân",
        "Địa chỉ: Bản Co Luống",
        "Số điện thoại: 0912345678",
        "Email: phuong.lv@example.vn",
        "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:",
        "Bản sao CCCD còn hạn",
        "Xác nhận nơi cư trú",
        "Lý do: Giấy tờ hết hạn",
        "Mường Phăng, ngày 30 tháng 11 năm 2026",
        "NGƯỜI HƯỚNG DẪN",
        "Quàng Văn Minh",
        "0215 3826 888",
    ):
        assert expected in text, expected
    event_id = dossier.events[0].id
    assert (
        login_as("chuyenvien").get(f"/in/ho-so/{dossier.id}/mau-02/{event_id}").status_code == 200
    )
    wrong = login_as("chuyenvien").get(f"/in/ho-so/{dossier.id}/mau-02/{event_id + 999}")
    assert wrong.status_code == 404
    none = make_dossier()
    resp = login_as("chuyenvien").get(f"/in/ho-so/{none.id}/mau-02")
    assert resp.status_code == 422 and "chưa có yêu cầu bổ sung" in text_of(resp)


def _notice(kind: str, **values: Any) -> CounterNotice:
    notice = CounterNotice(
        number=f"{'02' if kind == 'incomplete' else '03'}-261127-0004",
        kind=kind,
        at=vn(2026, 11, 27, 8, 30),
        user_id=user("tiepnhan").id,
        procedure_id=procedure().id,
        applicant_name="Cà Thị Én",
        id_number="011195001111",
        phone="0977000111",
        address="Bản Khá, xã Mường Phăng",
        email="en.ct@example.vn",
        **values,
    )
    db.session.add(notice)
    db.session.commit()
    return notice


def test_counter_notices_print_as_form02_and_form03(login_as: Any) -> None:
    incomplete = _notice("incomplete", items=["Giấy xác nhận cư trú"], reason="Thiếu giấy tờ")
    text = text_of(login_as("tiepnhan").get(f"/in/phieu/{incomplete.id}"))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Số: 02-261127-0004/TTPVHCC" in text
    assert "Giấy xác nhận cư trú" in text and "Lý do: Thiếu giấy tờ" in text
    assert (
        "Hồ sơ của: Cà Thị Én" in text
        and "NGƯỜI HƯỚNG DẪN (Ký và ghi rõ họ tên) Lò Thị Hoa" in text
    )

    refused = _notice("refused", reason="Thủ tục không thuộc thẩm quyền của xã")
    text = text_of(login_as("tiepnhan").get(f"/in/phieu/{refused.id}"))
    for expected in (
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Ông (Bà)/Tổ chức: Cà Thị Én",
        "Số định danh cá nhân/tổ chức: 011195001111",
        "Địa chỉ: Bản Khá, xã Mường Phăng",
        "Số điện thoại: 0977000111",
        "Email: en.ct@example.vn",
        "Nội dung yêu cầu giải quyết: Xác nhận tình trạng hôn nhân",
        "Thủ tục không thuộc thẩm quyền của xã",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
    ):
        assert expected in text, expected
    assert login_as("tiepnhan").get("/in/phieu/999999").status_code == 404


def test_a_counter_notice_leads_back_to_the_counter_and_to_a_new_reception(
    login_as: Any,
) -> None:
    from counter.models import QueueCounter
    from counter.services import Actor
    from counter.services import queue as q

    notice = _notice("incomplete", items=["Giấy xác nhận cư trú"], reason="Thiếu giấy tờ")
    officer = login_as("tiepnhan")
    page = officer.get(f"/in/phieu/{notice.id}").get_data(as_text=True)
    assert 'href="/tiep-nhan/"' in page and "Tiếp nhận hồ sơ mới" in page
    assert "Về quầy số" not in page  # no counter held
    desk = db.session.scalar(db.select(QueueCounter).where(QueueCounter.number == 1))
    q.open_counter(Actor.for_user(user("tiepnhan")), desk.id)
    page = officer.get(f"/in/phieu/{notice.id}").get_data(as_text=True)
    assert f'href="/quay/{desk.id}"' in page and "Về quầy số 1" in page


def test_form03_for_a_refused_dossier(login_as: Any) -> None:
    dossier = make_dossier(
        status="refused",
        events=[
            {
                "action": "refuse",
                "username": "tiepnhan",
                "from_status": "submitted",
                "at": vn(2026, 11, 27, 10, 0),
                "note": "Hồ sơ nộp trực tuyến thiếu chữ ký",
                "detail": {"reason": "Hồ sơ nộp trực tuyến thiếu chữ ký"},
            }
        ],
    )
    text = text_of(login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-03"))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert f"Mã hồ sơ (nếu có): {dossier.code}" in text
    assert "Hồ sơ nộp trực tuyến thiếu chữ ký" in text
    received = make_dossier()
    resp = login_as("tiepnhan").get(f"/in/ho-so/{received.id}/mau-03")
    assert resp.status_code == 422 and "không bị từ chối" in text_of(resp)


# --- forms 04, 05, 06 -------------------------------------------------------------


def test_form04_apologises_before_the_due_date_in_the_name_of_the_commune(
    login_as: Any,
) -> None:
    # The catalog names the body by its level only ("UBND xã"): the form names the commune.
    generic = procedure("9.114873", body="UBND xã")
    dossier = make_dossier(
        proc=generic,
        status="in_progress",
        due=vn(2026, 12, 7, 10, 5),
        delay_count=1,
        events=[
            {
                "action": "delay",
                "username": "lanhdao",
                "at": vn(2026, 12, 1, 14, 0),
                "note": "Chờ xác minh tại nơi cư trú trước đây",
                "due_before": vn(2026, 12, 2, 10, 5),
                "due_after": vn(2026, 12, 7, 10, 5),
                "form_no": "04",
                "detail": {"reason": "Chờ xác minh tại nơi cư trú trước đây"},
            }
        ],
    )
    text = text_of(login_as("lanhdao").get(f"/in/ho-so/{dossier.id}/mau-04"))
    for expected in (
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ",
        "Kính gửi: Ông (Bà)/Tổ chức Lò Văn Phượng",
        "UBND xã Mường Phăng đã tiếp nhận hồ sơ đề nghị Xác nhận tình trạng hôn nhân "
        "của Ông (Bà)/Tổ chức lúc 10 giờ 05 phút, ngày 27 tháng 11 năm 2026",
        "Số định danh cá nhân/tổ chức: 011090001234",
        f"Mã hồ sơ: {dossier.code}",
        "Thời gian hẹn trả kết quả theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả: "
        "10 giờ 05 phút, ngày 02 tháng 12 năm 2026",
        # Sent before the due date: the result will not be ready, not "was not returned".
        "UBND xã Mường Phăng không thể trả kết quả đúng thời gian đã hẹn",
        "vì lý do: Chờ xác minh tại nơi cư trú trước đây",
        "UBND xã Mường Phăng xin lỗi Ông (Bà)/Tổ chức",
        "đề nghị gia hạn thời gian giải quyết hồ sơ đến: 10 giờ 05 phút, ngày 07 tháng 12 năm 2026",
        "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ",
        "Nguyễn Văn Thắng",
        "Mường Phăng, ngày 01 tháng 12 năm 2026",
    ):
        assert expected in text, expected
    assert "chưa trả kết quả" not in text and "đúng hạn" not in text
    assert not re.search(r"UBND xã(?! Mường Phăng)", text), "a bare 'UBND xã'"


def test_form04_without_a_delay_is_a_clear_message_not_an_error(login_as: Any) -> None:
    dossier = make_dossier(status="in_progress")
    resp = login_as("lanhdao").get(f"/in/ho-so/{dossier.id}/mau-04")
    assert resp.status_code == 422
    assert "Hồ sơ này chưa được gia hạn" in text_of(resp)


def _ended(action: str, status: str, username: str) -> Dossier:
    return make_dossier(
        status=status,
        filer_name="Lò Văn Sướng",
        events=[
            {
                "action": action,
                "username": username,
                "from_status": "in_progress",
                "to_status": status,
                "at": vn(2026, 11, 30, 15, 45),
                "note": "Người nộp đã chuyển nơi cư trú.",
                "detail": {"reason": "Người nộp đã chuyển nơi cư trú."},
            }
        ],
    )


def test_form05_is_the_citizens_own_request_to_withdraw(login_as: Any) -> None:
    """Decree 118/2025 art. 21(1): the citizen asks to stop; the citizen signs it."""
    dossier = _ended("withdraw", "withdrawn", "tiepnhan")
    text = text_of(login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-05"))
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Mường Phăng, ngày 30 tháng 11 năm 2026",
        "ĐƠN ĐỀ NGHỊ DỪNG GIẢI QUYẾT HỒ SƠ",
        "Kính gửi: Trung tâm Phục vụ hành chính công xã Mường Phăng",
        "Tên tổ chức, cá nhân: Lò Văn Phượng",
        "Số định danh cá nhân/tổ chức: 011090001234",
        "Người được ủy quyền nộp hồ sơ: Lò Văn Sướng",
        f"Mã hồ sơ: {dossier.code}",
        "Nội dung yêu cầu giải quyết: Xác nhận tình trạng hôn nhân",
        "Thời gian nộp hồ sơ: 10 giờ 05 phút, ngày 27 tháng 11 năm 2026",
        "Đề nghị dừng giải quyết và rút hồ sơ nêu trên.",
        "Lý do: Người nộp đã chuyển nơi cư trú.",
        "NGƯỜI ĐỀ NGHỊ (Ký và ghi rõ họ tên) Lò Văn Sướng",
        "Bộ phận Một cửa tiếp nhận đề nghị lúc 15 giờ 45 phút, ngày 30 tháng 11 năm 2026",
        "NGƯỜI TIẾP NHẬN (Ký và ghi rõ họ tên) Lò Thị Hoa",
    ):
        assert expected in text, expected
    assert "THỦ TRƯỞNG" not in text and "THÔNG BÁO" not in text
    stopped = _ended("stop", "stopped", "lanhdao")
    resp = login_as("lanhdao").get(f"/in/ho-so/{stopped.id}/mau-05")
    assert resp.status_code == 422
    assert "Thông báo dừng giải quyết hồ sơ" in text_of(resp)
    open_one = make_dossier()
    assert login_as("lanhdao").get(f"/in/ho-so/{open_one.id}/mau-05").status_code == 422


def test_a_stop_the_authority_decides_prints_its_notice_signed_by_the_head(
    login_as: Any,
) -> None:
    dossier = _ended("stop", "stopped", "lanhdao")
    text = text_of(login_as("lanhdao").get(f"/in/ho-so/{dossier.id}/thong-bao-dung"))
    for expected in (
        "UBND xã Mường Phăng",
        "Mường Phăng, ngày 30 tháng 11 năm 2026",
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
        "Kính gửi: Ông (Bà)/Tổ chức Lò Văn Phượng",
        f"Mã hồ sơ: {dossier.code}",
        "Nội dung yêu cầu giải quyết: Xác nhận tình trạng hôn nhân",
        "Thời gian nhận hồ sơ: 10 giờ 05 phút, ngày 27 tháng 11 năm 2026",
        "UBND xã Mường Phăng thông báo dừng giải quyết hồ sơ nêu trên "
        "kể từ 15 giờ 45 phút, ngày 30 tháng 11 năm 2026.",
        "Lý do: Người nộp đã chuyển nơi cư trú.",
        "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ (Ký, ghi rõ họ tên và đóng dấu) Nguyễn Văn Thắng",
    ):
        assert expected in text, expected
    assert "NGƯỜI ĐỀ NGHỊ" not in text and "NGƯỜI NỘP HỒ SƠ" not in text
    withdrawn = _ended("withdraw", "withdrawn", "tiepnhan")
    resp = login_as("lanhdao").get(f"/in/ho-so/{withdrawn.id}/thong-bao-dung")
    assert resp.status_code == 422 and "mẫu 05" in text_of(resp)


def test_the_dossier_page_offers_the_document_of_each_ending(app: Flask, login_as: Any) -> None:
    from flask import url_for

    withdrawn = _ended("withdraw", "withdrawn", "tiepnhan")
    stopped = _ended("stop", "stopped", "lanhdao")
    with app.test_request_context():
        form05 = url_for("printforms.form05", dossier_id=withdrawn.id)
        notice = url_for("printforms.stop_notice", dossier_id=stopped.id)
    page = login_as("lanhdao").get(f"/ho-so/{withdrawn.id}").get_data(as_text=True)
    assert f'href="{form05}"' in page and "In lại mẫu 05" in page
    page = login_as("lanhdao").get(f"/ho-so/{stopped.id}").get_data(as_text=True)
    assert f'href="{notice}"' in page and "In lại thông báo dừng giải quyết hồ sơ" in page
    assert "mau-05" not in page


def test_form06_has_a_row_per_handover(login_as: Any) -> None:
    dossier = make_dossier(
        status="resolved",
        processing_unit="Công chức Tư pháp - Hộ tịch",
        timeliness="early",
        resolved_at=vn(2026, 12, 1, 16, 0),
        events=[
            {
                "action": "hand_over",
                "username": "tiepnhan",
                "at": vn(2026, 11, 27, 10, 30),
                "note": "Đủ hồ sơ",
                "detail": {
                    "from_unit": "Bộ phận Một cửa",
                    "to_unit": "Công chức Tư pháp - Hộ tịch",
                    "result": "early",
                },
            },
            {
                "action": "hand_over",
                "at": vn(2026, 12, 2, 9, 0),
                "note": "Trình ký",
                "detail": {
                    "from_unit": "Công chức Tư pháp - Hộ tịch",
                    "to_unit": "Lãnh đạo UBND xã",
                },
            },
            {"action": "resolve", "username": "lanhdao", "at": vn(2026, 12, 3, 9, 0), "detail": {}},
        ],
    )
    resp = login_as("chuyenvien").get(f"/in/ho-so/{dossier.id}/mau-06")
    text = text_of(resp)
    for expected in (
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {dossier.code}",
        "Cơ quan (bộ phận) giải quyết hồ sơ: Công chức Tư pháp - Hộ tịch",
        "Cơ quan phối hợp giải quyết hồ sơ:",
        "Thời gian nhận hồ sơ: 10 giờ 05 phút, ngày 27 tháng 11 năm 2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 05 phút, ngày 02 tháng 12 năm 2026",
        "1 Giao: Bộ phận Một cửa → Nhận: Công chức Tư pháp - Hộ tịch "
        "10 giờ 30 phút, ngày 27 tháng 11 năm 2026 trước hạn Đủ hồ sơ Lò Thị Hoa",
        # No recorded result: judged against the due date (on the due day = đúng hạn).
        "2 Giao: Công chức Tư pháp - Hộ tịch → Nhận: Lãnh đạo UBND xã "
        "09 giờ 00 phút, ngày 02 tháng 12 năm 2026 đúng hạn Trình ký Quàng Văn Minh",
        # The result comes back from where the dossier last went, not from the resolving body.
        "3 Giao: Lãnh đạo UBND xã → Nhận: Bộ phận Một cửa "
        "09 giờ 00 phút, ngày 03 tháng 12 năm 2026 trước hạn",
    ):
        assert expected in text, expected
    assert "Người giao (ký)" in text and "Người nhận (ký)" in text
    # A fresh dossier prints blank rows to fill in by hand.
    fresh = make_dossier()
    body = login_as("chuyenvien").get(f"/in/ho-so/{fresh.id}/mau-06").get_data(as_text=True)
    assert body.count('<tr class="empty">') == 4


# --- form 07: the ledger ---------------------------------------------------------


def test_ledger_prints_the_chosen_period_with_every_column(login_as: Any) -> None:
    civil = procedure()
    trade = procedure(
        "9.101612",
        "Đăng ký thành lập hộ kinh doanh",
        field=("KT9", "Kinh tế (thử)"),
        body="UBND xã",
    )
    nov = make_dossier(
        proc=civil,
        received=vn(2030, 11, 27, 10, 5),
        due=vn(2030, 12, 2, 10, 5),
        applicant_name="Lò Văn Tháng Mười Một",
    )
    dec = make_dossier(
        proc=trade,
        received=vn(2030, 12, 3, 8, 0),
        due=vn(2030, 12, 8, 8, 0),
        applicant_name="Hộ kinh doanh Quàng Thị Tháng Mười Hai",
        status="returned",
        returned_at=vn(2030, 12, 7, 9, 30),
        collected_by="Quàng Thị Hạnh",
        result_delivery="post",
    )
    late_nov = make_dossier(received=vn(2030, 11, 30, 23, 30), applicant_name="Cuối Tháng")
    never = make_dossier(
        status="refused", received=vn(2030, 11, 28, 9, 0), applicant_name="Không Vào Sổ"
    )
    b = login_as("lanhdao")

    resp = b.get("/in/so-theo-doi?from=01/11/2030&to=30/11/2030")
    assert resp.status_code == 200
    text = text_of(resp)
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Từ ngày 01/11/2030 đến ngày 30/11/2030" in text
    assert (
        "STT Mã hồ sơ Tên TTHC Tên tổ chức, cá nhân Địa chỉ/SĐT Cơ quan chủ trì giải quyết "
        "Nhận hồ sơ Hẹn trả kết quả Trả kết quả Phương thức nhận kết quả Ký nhận"
    ) in text
    assert (
        f"{nov.ledger_seq} {nov.code} Xác nhận tình trạng hôn nhân Lò Văn Tháng Mười Một "
        "Bản Co Luống, xã Mường Phăng, tỉnh Điện Biên / 0912345678 UBND xã Mường Phăng "
        "27/11/2030 10:05 02/12/2030 10:05"
    ) in text
    assert "Tại Bộ phận Một cửa" in text and "tiếp nhận và trả kết quả" not in text
    assert late_nov.code in text  # 23:30 Vietnam time on 30/11 is still November
    assert dec.code not in text and never.code not in text
    assert "Tổng số: 2 hồ sơ." in text

    text = text_of(b.get("/in/so-theo-doi?from=2030-12-01&to=2030-12-31"))
    assert dec.code in text and nov.code not in text and late_nov.code not in text
    assert "07/12/2030 09:30 Quàng Thị Hạnh Qua dịch vụ bưu chính công ích" in text
    assert "UBND xã Mường Phăng" in text and not re.search(r"UBND xã(?! Mường Phăng)", text)

    text = text_of(b.get("/in/so-theo-doi?from=01/11/2030&to=31/12/2030&field=KT9"))
    assert dec.code in text and nov.code not in text and "Lĩnh vực: Kinh tế (thử)" in text
    text = text_of(b.get("/in/so-theo-doi?from=01/11/2030&to=31/12/2030&status=returned"))
    assert dec.code in text and nov.code not in text and "Trạng thái: Đã trả kết quả" in text


def test_ledger_defaults_to_this_month(login_as: Any) -> None:
    now = utcnow()
    this_month = make_dossier(received=now, due=now + timedelta(days=3))
    long_ago = make_dossier(received=now - timedelta(days=70), due=now - timedelta(days=60))
    resp = login_as("tiepnhan").get("/in/so-theo-doi")
    text = text_of(resp)
    first, last = forms.month_bounds(clock.today())
    assert f"Từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}" in text
    assert this_month.code in text and long_ago.code not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=31/02/2026&to=30/11/2026", "Ngày không có thật trên lịch"),
        ("from=hôm qua&to=30/11/2026", "Ngày không hợp lệ"),
        ("from=30/11/2026&to=01/11/2026", "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
        ("from=01/11/2026&to=30/11/2026&status=lost", "Trạng thái không hợp lệ."),
    ],
)
def test_ledger_bad_filters_get_a_vietnamese_message(
    login_as: Any, query: str, message: str
) -> None:
    resp = login_as("tiepnhan").get(f"/in/so-theo-doi?{query}")
    assert resp.status_code == 422
    assert message in text_of(resp)
    assert "SỔ THEO DÕI HỒ SƠ" not in text_of(resp)


# --- print CSS and access ------------------------------------------------------------


def test_print_css_has_a4_a5_and_80mm_pages_and_the_bundled_font(client: Any) -> None:
    with client.get("/static/css/print.css") as resp:
        css = resp.get_data(as_text=True)
    assert re.search(r"@page\s+a4\s*\{[^}]*size:\s*A4 portrait", css)
    assert re.search(r"@page\s+a5\s*\{[^}]*size:\s*A5 portrait", css)
    assert re.search(r"@page\s+roll80\s*\{[^}]*size:\s*80mm", css)
    assert re.search(r"@page\s+ledger\s*\{[^}]*size:\s*A4 landscape", css)
    for name in re.findall(r'url\("\.\./fonts/([^"]+)"\)', css):
        assert (ROOT / "static" / "fonts" / name).is_file()
        with client.get(f"/static/fonts/{name}") as resp:
            assert resp.status_code == 200
    assert "@media print" in css and ".no-print { display: none" in css


@pytest.mark.parametrize(
    "url",
    [
        "/in/ho-so/1/mau-01",
        "/in/ho-so/1/mau-02",
        "/in/ho-so/1/mau-02/1",
        "/in/ho-so/1/mau-03",
        "/in/ho-so/1/mau-04",
        "/in/ho-so/1/mau-05",
        "/in/ho-so/1/mau-06",
        "/in/ho-so/1/thong-bao-dung",
        "/in/phieu/1",
        "/in/so-theo-doi",
    ],
)
def test_forms_are_for_staff_only(client: Any, url: str) -> None:
    resp = client.get(url)
    assert resp.status_code == 302 and "/dang-nhap" in resp.location


def test_the_ledger_downloads_as_a_spreadsheet_with_the_same_rows(login_as: Any) -> None:
    """Form 07 for a period as XLSX: the printed columns, dates as dates, the same rows."""
    import io
    from datetime import datetime

    from openpyxl import load_workbook

    civil = procedure()
    first = make_dossier(
        proc=civil,
        received=vn(2030, 11, 27, 10, 5),
        due=vn(2030, 12, 2, 10, 5),
        applicant_name="=Lò Văn Công Thức",  # text, never a formula in the province's sheet
    )
    second = make_dossier(
        received=vn(2030, 11, 30, 23, 30),
        applicant_name="Quàng Thị Hạnh",
        status="returned",
        returned_at=vn(2030, 12, 7, 9, 30),
        collected_by="Quàng Thị Hạnh",
    )
    make_dossier(received=vn(2030, 12, 3, 8, 0), applicant_name="Tháng Sau")
    b = login_as("lanhdao")
    page = b.get("/in/so-theo-doi?from=01/11/2030&to=30/11/2030").get_data(as_text=True)
    assert "/in/so-theo-doi/tai-ve.xlsx?from=01/11/2030&amp;to=30/11/2030" in page

    resp = b.get("/in/so-theo-doi/tai-ve.xlsx?from=01/11/2030&to=30/11/2030")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "so-theo-doi-2030-11-01-2030-11-30.xlsx" in resp.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index(
        [
            "STT",
            "Mã hồ sơ",
            "Tên TTHC",
            "Tên tổ chức, cá nhân",
            "Địa chỉ/SĐT",
            "Cơ quan chủ trì giải quyết",
            "Nhận hồ sơ",
            "Hẹn trả kết quả",
            "Trả kết quả",
            "Người nhận kết quả",
            "Phương thức nhận kết quả",
            "Trạng thái",
        ]
    )
    assert any("Từ ngày 01/11/2030 đến ngày 30/11/2030" in str(r[0]) for r in rows[:header])
    body = [r for r in rows[header + 1 :] if r[1]]
    assert [r[1] for r in body] == [first.code, second.code]
    assert [r[0] for r in rows[header + 1 :] if r[0] and not r[1]][:1] == ["Tổng số: 2 hồ sơ."]
    assert body[0][0] == first.ledger_seq and isinstance(body[0][0], int)
    assert body[0][3] == "=Lò Văn Công Thức"
    assert body[0][6] == datetime(2030, 11, 27, 10, 5) and body[0][7] == datetime(
        2030, 12, 2, 10, 5
    )
    assert body[1][8] == datetime(2030, 12, 7, 9, 30) and body[1][9] == "Quàng Thị Hạnh"
    assert sheet.freeze_panes == f"A{header + 2}"
    # The same checks as the page: bad dates are a message, not a file.
    bad = b.get("/in/so-theo-doi/tai-ve.xlsx?from=31/02/2030")
    assert bad.status_code == 422 and "xlsx" not in bad.mimetype
