"""Forms 01 and 02 on the thermal roll: the legal wording fits the paper; notices print."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from counter.domain.errors import ValidationError
from counter.domain.printed.blocks import Align, Size, TextBlock
from counter.domain.printed.form01 import slip_blocks
from counter.extensions import db
from counter.models import CounterNotice, PrintLog, Procedure, User
from counter.printing.raster import WIDTH_58MM, WIDTH_80MM, render_block
from counter.services import Actor, printing

from .conftest import make_slip
from .gsv0 import decode


@pytest.mark.parametrize("width", [WIDTH_58MM, WIDTH_80MM])
@pytest.mark.parametrize(
    "due", [datetime(2026, 11, 30, 8, 0, tzinfo=UTC), datetime(2026, 12, 28, 1, 0, tzinfo=UTC)]
)
def test_the_due_date_breaks_only_after_its_comma_on_either_roll(width: int, due: datetime):
    """'15 giờ 00 phút,' then 'ngày 28 tháng 12 năm 2026' whole: never a date cut in two."""
    [block] = [
        b
        for b in slip_blocks(make_slip(due_at=due))
        if isinstance(b, TextBlock) and b.size is Size.LARGE and "giờ" in b.text
    ]
    one_line = render_block(TextBlock("Đ", Align.CENTER, Size.LARGE, bold=True), width).height
    assert render_block(block, width).height <= 2 * one_line


def _actor(username: str = "tiepnhan") -> Actor:
    user = db.session.scalar(db.select(User).where(User.username == username))
    return Actor.for_user(user, "127.0.0.1")


def _notice(kind: str, **values: object) -> CounterNotice:
    procedure = db.session.scalar(db.select(Procedure).where(Procedure.national_code == "2.000815"))
    notice = CounterNotice(
        number=f"{'02' if kind == 'incomplete' else '03'}-261127-0009",
        kind=kind,
        at=datetime(2026, 11, 27, 1, 30, tzinfo=UTC),
        user_id=_actor().user_id,
        procedure_id=procedure.id,
        applicant_name="Cà Thị Én",
        phone="0977000111",
        address="Bản Khá, xã Mường Phăng",
        **values,
    )
    db.session.add(notice)
    db.session.commit()
    return notice


def _file_printer(app: Flask, name: str) -> int:
    uri = f"file:{Path(app.instance_path) / name}"
    return printing.save_printer(_actor("admin"), None, name=name, uri=uri, width=576).id


def test_an_incomplete_notice_prints_form_02_on_the_roll(app: Flask) -> None:
    notice = _notice("incomplete", items=["Giấy xác nhận cư trú"], reason="Thiếu giấy tờ")
    printer_id = _file_printer(app, "notice.bin")
    entry = printing.print_notice(_actor(), notice, printer_id=printer_id)
    assert entry.ok and entry.kind == "notice" and entry.ref == notice.number
    assert decode((Path(app.instance_path) / "notice.bin").read_bytes()).image().width == 576


def test_a_refusal_is_not_printed_on_the_roll_as_a_supplement_request(app: Flask) -> None:
    """Form 03 has no roll layout: the officer is told to print it on a sheet, nothing is sent."""
    notice = _notice("refused", reason="Thủ tục không thuộc thẩm quyền của xã")
    printer_id = _file_printer(app, "refusal.bin")
    with pytest.raises(ValidationError) as refused:
        printing.print_notice(_actor(), notice, printer_id=printer_id)
    assert "mẫu 03" in refused.value.message
    assert not (Path(app.instance_path) / "refusal.bin").exists()
    assert db.session.scalar(db.select(PrintLog).where(PrintLog.ref == notice.number)) is None
