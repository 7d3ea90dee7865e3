"""Reception at the counter: codes, due dates, concurrency, validation, duplicates, scans, notices."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from counter.domain import clock
from counter.domain.errors import InvalidInput, NotAllowed, ValidationError
from counter.extensions import db
from counter.models import (
    Attachment,
    AuditEntry,
    CounterNotice,
    DailySequence,
    Dossier,
    DossierDocument,
    DossierEvent,
    Procedure,
    User,
)
from counter.models.portal import OutboxItem
from counter.services import Actor, notices, reception, scans
from counter.services import catalog as catalog_service
from counter.services.reception import DocumentLine, ReceptionInput
from counter.services.scans import Upload

# Friday 28/11/2025, 09:00 in Vietnam: before any demo dossier (those are dated from today).
MORNING = datetime(2025, 11, 28, 2, 0, tzinfo=UTC)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def procedure_by_code(code: str) -> Procedure:
    procedure = catalog_service.get_by_code(code)
    if procedure is None:
        catalog_service.load_demo_catalog()
        procedure = catalog_service.get_by_code(code)
    assert procedure is not None
    return procedure


@pytest.fixture
def officer(app: Flask) -> Actor:
    user = db.session.scalar(db.select(User).where(User.username == "tiepnhan"))
    return Actor.for_user(user, "127.0.0.1")


@pytest.fixture
def certify(app: Flask) -> Procedure:
    """2.000815 Chứng thực bản sao từ bản chính: same day (15:00 rule)."""
    return procedure_by_code("2.000815")


def form(procedure: Procedure, **overrides: Any) -> ReceptionInput:
    values: dict[str, Any] = {
        "procedure_id": procedure.id,
        "applicant_name": "Lò Văn Bình",
        "id_number": "011090001234",
        "date_of_birth": "05/09/1990",
        "phone": "0912 345 678",
        "address": "Bản Che Căn, xã Mường Phăng, tỉnh Điện Biên",
        "documents": [DocumentLine(d.name, d.kind, d.count) for d in procedure.documents],
        "fee_amount": "4.000",
    }
    values.update(overrides)
    return ReceptionInput(**values)


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model)) or 0
        for model in (Dossier, DossierDocument, DossierEvent, Attachment, CounterNotice)
    }


def test_receive_creates_a_received_dossier_with_code_due_date_and_event(
    officer: Actor, certify: Procedure
) -> None:
    dossier = reception.receive(officer, form(certify), now=MORNING)

    db.session.expire_all()
    saved = db.session.get(Dossier, dossier.id)
    assert saved.code == "000.20.18.H18-251128-0001"
    assert saved.status == "received"
    assert saved.received_by_id == officer.user_id
    assert saved.received_at == MORNING
    # Same-day procedure received before 15:00: due 17:00 the same day (10:00 UTC).
    assert saved.due_at == datetime(2025, 11, 28, 10, 0, tzinfo=UTC)
    assert saved.original_due_at == saved.due_at
    assert saved.fee_amount == 4000
    assert saved.phone == "0912345678"
    assert saved.date_of_birth == date(1990, 9, 5)
    assert [d.name for d in saved.documents] == [d.name for d in certify.documents]
    assert saved.ledger_book == "2025"
    assert saved.ledger_seq is not None
    assert "lo van binh" in saved.search_text
    assert "011090001234" in saved.search_text and "0912345678" in saved.search_text
    [event] = saved.events
    assert (event.action, event.from_status, event.to_status, event.form_no) == (
        "receive",
        None,
        "received",
        "01",
    )
    audit_row = db.session.scalar(
        db.select(AuditEntry).where(
            AuditEntry.action == "dossier_received", AuditEntry.target == saved.code
        )
    )
    assert audit_row is not None
    assert "011090001234" not in audit_row.detail

    second = reception.receive(officer, form(certify, id_number="011090005678"), now=MORNING)
    assert second.code == "000.20.18.H18-251128-0002"
    assert second.ledger_seq == saved.ledger_seq + 1


def test_the_dossier_receive_answers_is_the_one_stored_with_its_event_and_outbox(
    officer: Actor, certify: Procedure
) -> None:
    dossier = reception.receive(officer, form(certify), now=MORNING)
    answered = {c.key: getattr(dossier, c.key) for c in Dossier.__table__.c}

    db.session.expire_all()
    stored = db.session.get(Dossier, dossier.id)
    assert answered == {c.key: getattr(stored, c.key) for c in Dossier.__table__.c}
    assert len(stored.lookup_key) == 6 and stored.version == 1
    [event] = stored.events
    assert event.officer_name == "Lò Thị Hoa" and event.unit == "Bộ phận Một cửa"
    assert event.detail["documents"] == len(certify.documents) and event.uid
    items = db.session.scalars(
        db.select(OutboxItem).where(OutboxItem.dossier_id == stored.id).order_by(OutboxItem.id)
    ).all()
    assert [(i.kind, i.event_id, i.progress_key, i.status) for i in items] == [
        ("state", event.id, None, "pending"),
        ("progress", event.id, event.uid, "pending"),
    ]


def test_the_code_uses_the_vietnam_date_and_restarts_each_day(
    officer: Actor, certify: Procedure
) -> None:
    # 23:30 UTC on 27/11 is 06:30 on 28/11 in Vietnam.
    early = reception.receive(
        officer, form(certify), now=datetime(2025, 11, 27, 23, 30, tzinfo=UTC)
    )
    assert early.code == "000.20.18.H18-251128-0001"
    next_day = reception.receive(
        officer,
        form(certify, id_number="011090005678"),
        now=datetime(2025, 11, 29, 2, 0, tzinfo=UTC),
    )
    assert next_day.code == "000.20.18.H18-251129-0001"
    # The ledger numbers run through the year.
    assert next_day.ledger_seq == early.ledger_seq + 1


def test_eight_counters_at_once_get_eight_distinct_consecutive_codes(
    app: Flask, officer: Actor, certify: Procedure
) -> None:
    procedure_id = certify.id
    documents = [DocumentLine(d.name, d.kind, d.count) for d in certify.documents]
    db.session.commit()
    barrier = threading.Barrier(8)
    codes: list[str] = []
    errors: list[BaseException] = []

    def counter(i: int) -> None:
        try:
            with app.app_context():
                data = ReceptionInput(
                    procedure_id=procedure_id,
                    applicant_name=f"Công dân {i}",
                    id_number=f"0110900012{i:02d}",
                    address="Mường Phăng",
                    documents=documents,
                )
                barrier.wait()
                codes.append(reception.receive(officer, data, now=MORNING).code)
                db.session.remove()
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=counter, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(codes) == [f"000.20.18.H18-251128-{n:04d}" for n in range(1, 9)]
    ledger = sorted(
        db.session.scalars(db.select(Dossier.ledger_seq).where(Dossier.code.in_(codes))).all()
    )
    assert ledger == list(range(ledger[0], ledger[0] + 8))


def test_a_committed_code_is_never_handed_out_again(officer: Actor, certify: Procedure) -> None:
    first = reception.receive(officer, form(certify), now=MORNING)
    # A restored or hand-edited database whose sequence fell behind the dossiers.
    db.session.execute(db.delete(DailySequence))
    db.session.commit()
    again = reception.receive(officer, form(certify, id_number="011090005678"), now=MORNING)
    assert first.code.endswith("-0001")
    assert again.code.endswith("-0002")


def _refuse_events() -> None:
    """Make the database refuse the next event row, as a full disk or a broken table would."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(
            text(
                "CREATE TRIGGER fail_event BEFORE INSERT ON dossier_event "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )
        )
    else:
        db.session.execute(
            text(
                "CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"
            )
        )
        db.session.execute(
            text(
                "CREATE TRIGGER fail_event BEFORE INSERT ON dossier_event "
                "FOR EACH ROW EXECUTE FUNCTION fail_event()"
            )
        )
    db.session.commit()


def _allow_events() -> None:
    db.session.execute(
        text(
            "DROP TRIGGER fail_event"
            + ("" if db.engine.dialect.name == "sqlite" else " ON dossier_event")
        )
    )
    if db.engine.dialect.name != "sqlite":
        db.session.execute(text("DROP FUNCTION fail_event()"))
    db.session.commit()


def test_a_failed_reception_saves_nothing_leaves_no_file_and_reuses_no_printed_code(
    app: Flask, officer: Actor, certify: Procedure
) -> None:
    first = reception.receive(officer, form(certify), now=MORNING)
    before = counts()
    _refuse_events()
    uploads = [Upload("ban-chinh.pdf", io.BytesIO(PDF), document=0)]
    with pytest.raises(Exception, match="injected failure"):
        reception.receive(officer, form(certify, id_number="011090005678"), uploads, now=MORNING)
    db.session.rollback()
    # Nor does the session hold a dossier for the row that was never written.
    held = [o for o in db.session.identity_map.values() if isinstance(o, Dossier)]
    assert [o for o in held if o is not first] == []
    _allow_events()
    assert counts() == before
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or [p for p in upload_dir.rglob("*") if p.is_file()] == []

    after = reception.receive(officer, form(certify, id_number="011090005678"), now=MORNING)
    assert after.code != first.code
    assert after.code == "000.20.18.H18-251128-0002"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"id_number": "01109000123"}, "id_number", "12 chữ số"),
        ({"id_number": "999090001234"}, "id_number", "mã tỉnh"),
        ({"id_number": ""}, "id_number", "CCCD"),
        ({"phone": "12345"}, "phone", "Số điện thoại"),
        (
            {"applicant_kind": "organisation", "id_number": "0100109107"},
            "id_number",
            "Mã số thuế",
        ),
        ({"applicant_name": "  "}, "applicant_name", "họ và tên"),
        ({"date_of_birth": "31/02/1990"}, "date_of_birth", "Ngày sinh"),
        ({"email": "khong-phai-email"}, "email", "thư điện tử"),
        ({"sets_count": "0"}, "sets_count", "Số bộ"),
        ({"fee_amount": "mười nghìn"}, "fee_amount", "Lệ phí"),
        ({"procedure_id": ""}, "procedure_id", "thủ tục"),
        ({"on_behalf": True, "filer_name": ""}, "filer_name", "nộp thay"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(
    officer: Actor, certify: Procedure, overrides: dict[str, Any], field: str, words: str
) -> None:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        reception.receive(officer, form(certify, **overrides), now=MORNING)
    assert caught.value.field == field
    errors = getattr(caught.value, "errors", {field: caught.value.message})
    assert words.lower() in errors[field].lower()
    assert counts() == before


def test_a_birth_date_is_checked_against_the_vietnam_date_around_its_midnight(
    officer: Actor, certify: Procedure
) -> None:
    # 00:30 on Wednesday 2/12/2026 in Vietnam is still 1/12 in UTC: a child born
    # today (2/12) is accepted; one minute before Vietnam's midnight, 2/12 is tomorrow.
    after_midnight = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    with clock.frozen(after_midnight):
        dossier = reception.receive(
            officer, form(certify, date_of_birth="02/12/2026"), now=after_midnight
        )
    assert dossier.date_of_birth == date(2026, 12, 2)

    before_midnight = datetime(2026, 12, 1, 16, 59, tzinfo=UTC)
    with clock.frozen(before_midnight), pytest.raises(ValidationError) as caught:
        reception.receive(officer, form(certify, date_of_birth="02/12/2026"), now=before_midnight)
    assert caught.value.field == "date_of_birth"
    assert "sau hôm nay" in str(caught.value.message)


def test_every_wrong_field_is_reported_at_once(officer: Actor, certify: Procedure) -> None:
    with pytest.raises(InvalidInput) as caught:
        reception.receive(
            officer,
            form(certify, id_number="123", phone="abc", address=""),
            now=MORNING,
        )
    assert set(caught.value.errors) == {"id_number", "phone", "address"}


def test_an_organisation_gives_a_valid_tax_code(officer: Actor, certify: Procedure) -> None:
    dossier = reception.receive(
        officer,
        form(
            certify,
            applicant_kind="organisation",
            applicant_name="Hợp tác xã Mường Phăng",
            id_number="0100109106",
            date_of_birth="",
        ),
        now=MORNING,
    )
    assert dossier.applicant_kind == "organisation"
    assert dossier.id_number == "0100109106"


def test_a_count_must_be_a_positive_number_on_its_line(officer: Actor, certify: Procedure) -> None:
    lines = [DocumentLine(d.name, d.kind, d.count) for d in certify.documents]
    lines[1].count = "0"
    with pytest.raises(InvalidInput) as caught:
        reception.receive(officer, form(certify, documents=lines), now=MORNING)
    assert "documents-1-count" in caught.value.errors


def test_checklist_keeps_only_received_lines_with_edited_count_and_other_documents(
    officer: Actor, certify: Procedure
) -> None:
    lines = [DocumentLine(d.name, d.kind, d.count) for d in certify.documents]
    lines[1].count = "3"
    lines[0].received = False
    lines.append(DocumentLine("Giấy ủy quyền", "original", "1"))
    lines.append(DocumentLine("", "original", "1", received=False))
    dossier = reception.receive(officer, form(certify, documents=lines), now=MORNING)
    assert [(d.name, d.count) for d in dossier.documents] == [
        (certify.documents[1].name, 3),
        ("Giấy ủy quyền", 1),
    ]


def test_nothing_ticked_is_refused(officer: Actor, certify: Procedure) -> None:
    lines = [DocumentLine(d.name, d.kind, d.count, received=False) for d in certify.documents]
    with pytest.raises(InvalidInput) as caught:
        reception.receive(officer, form(certify, documents=lines), now=MORNING)
    assert "documents" in caught.value.errors


def test_only_the_counter_receives(certify: Procedure) -> None:
    specialist = Actor(user_id=None, username="chuyenvien", roles=frozenset({"specialist"}))
    with pytest.raises(NotAllowed):
        reception.receive(specialist, form(certify), now=MORNING)


def test_a_likely_duplicate_is_warned_about_then_accepted_when_confirmed(
    officer: Actor, certify: Procedure
) -> None:
    first = reception.receive(officer, form(certify), now=MORNING)
    before = counts()
    with pytest.raises(reception.DuplicateSuspected) as caught:
        reception.receive(officer, form(certify), now=MORNING)
    assert first.code in caught.value.message
    assert counts() == before
    # Another procedure, or a closed dossier, is no duplicate.
    other = procedure_by_code("2.000884")
    reception.receive(officer, form(other), now=MORNING)
    confirmed = reception.receive(officer, form(certify, confirm_duplicate=True), now=MORNING)
    assert confirmed.code.endswith("-0003")


def test_a_returned_dossier_is_not_a_duplicate(officer: Actor, certify: Procedure) -> None:
    first = reception.receive(officer, form(certify), now=MORNING)
    first.status = "returned"
    db.session.commit()
    assert reception.open_duplicates("011090001234", certify.id) == []


def test_scans_are_stored_by_real_type_under_random_names(
    app: Flask, officer: Actor, certify: Procedure
) -> None:
    uploads = [
        Upload("ban chinh.pdf", io.BytesIO(PDF), document=0),
        Upload("anh.png", io.BytesIO(PNG), document=1),
        Upload("C:\\scan\\trang2.jpg", io.BytesIO(JPEG), document=None),
    ]
    dossier = reception.receive(officer, form(certify), uploads, now=MORNING)
    rows = sorted(dossier.attachments, key=lambda a: a.id)
    assert [(a.filename, a.content_type) for a in rows] == [
        ("ban chinh.pdf", "application/pdf"),
        ("anh.png", "image/png"),
        ("trang2.jpg", "image/jpeg"),
    ]
    assert rows[0].document_id == dossier.documents[0].id
    assert rows[1].document_id == dossier.documents[1].id
    assert rows[2].document_id is None
    root = Path(app.config["UPLOAD_DIR"])
    for attachment, content in zip(rows, (PDF, PNG, JPEG), strict=True):
        path = root / attachment.stored_name
        assert path.read_bytes() == content
        assert "ban" not in attachment.stored_name and attachment.size == len(content)
    assert list(root.rglob("*.part")) == []


def test_a_text_file_named_pdf_is_refused_with_a_clear_message(
    app: Flask, officer: Actor, certify: Procedure
) -> None:
    before = counts()
    uploads = [Upload("giay-to.pdf", io.BytesIO(b"Day khong phai PDF"), document=0)]
    with pytest.raises(InvalidInput) as caught:
        reception.receive(officer, form(certify), uploads, now=MORNING)
    message = caught.value.errors["documents-0-files"]
    assert "giay-to.pdf" in message and "PDF, JPEG hoặc PNG" in message
    assert counts() == before
    root = Path(app.config["UPLOAD_DIR"])
    assert not root.exists() or [p for p in root.rglob("*") if p.is_file()] == []


def test_an_oversized_scan_is_refused(app: Flask, officer: Actor, certify: Procedure) -> None:
    app.config["UPLOAD_MAX_MB"] = 1
    before = counts()
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(InvalidInput) as caught:
        reception.receive(
            officer, form(certify), [Upload("lon.pdf", io.BytesIO(big), 0)], now=MORNING
        )
    assert "quá lớn" in caught.value.errors["documents-0-files"]
    assert "1 MB" in caught.value.errors["documents-0-files"]
    assert counts() == before


def test_a_scan_can_be_opened_by_staff_and_the_access_is_logged(
    officer: Actor, certify: Procedure
) -> None:
    dossier = reception.receive(
        officer, form(certify), [Upload("a.pdf", io.BytesIO(PDF), 0)], now=MORNING
    )
    attachment, path = scans.open_attachment(officer, dossier.attachments[0].id)
    assert path.read_bytes() == PDF
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "attachment_viewed"))
    with pytest.raises(NotAllowed):
        scans.open_attachment(Actor(None, "x", "citizen"), attachment.id)


def test_an_incomplete_dossier_is_recorded_as_form_02_without_a_dossier(
    officer: Actor, certify: Procedure
) -> None:
    before = counts()
    data = form(certify)
    data.documents[1].received = False
    items = notices.notice_items(data, "Bản sao phải rõ nét\n\n")
    notice = notices.record_notice(officer, "incomplete", data, items=items, now=MORNING)
    second = notices.record_notice(officer, "incomplete", data, items=items, now=MORNING)
    assert notice.number == "02-251128-0001"
    assert second.number == "02-251128-0002"
    assert notice.items == [certify.documents[1].name, "Bản sao phải rõ nét"]
    assert notice.kind == "incomplete" and notice.procedure_id == certify.id
    assert counts()["Dossier"] == before["Dossier"]


def test_a_refusal_needs_a_reason_and_is_recorded_as_form_03(
    officer: Actor, certify: Procedure
) -> None:
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        notices.record_notice(officer, "refused", form(certify), reason=" ", now=MORNING)
    assert "reason" in caught.value.errors
    assert counts() == before
    notice = notices.record_notice(
        officer,
        "refused",
        form(certify),
        reason="Không thuộc thẩm quyền của UBND xã",
        now=MORNING,
    )
    assert notice.number == "03-251128-0001"
    assert notice.reason == "Không thuộc thẩm quyền của UBND xã"
    assert notice.id_number == "011090001234"


def test_an_incomplete_notice_needs_the_missing_items(officer: Actor, certify: Procedure) -> None:
    with pytest.raises(InvalidInput) as caught:
        notices.record_notice(officer, "incomplete", form(certify), items=[], now=MORNING)
    assert "notice_items" in caught.value.errors


def test_due_preview_matches_the_received_due_date(officer: Actor, certify: Procedure) -> None:
    _procedure, due = reception.preview_due(certify.id, now=MORNING)
    dossier = reception.receive(officer, form(certify), now=MORNING)
    assert due == dossier.due_at
    three_days = procedure_by_code("1.004873")
    _procedure, due3 = reception.preview_due(three_days.id, now=MORNING)
    # Friday + 3 working days: by the end of Wednesday 03/12/2025 (17:00 Vietnam time).
    assert due3 == datetime(2025, 12, 3, 10, 0, tzinfo=UTC)
