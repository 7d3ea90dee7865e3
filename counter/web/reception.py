"""Reception: the counter officer's main screen, fast and keyboard-first.

One page: pick the procedure (live search, or a plain list without JavaScript),
scan the citizen's CCCD QR code, tick the documents received, attach scans,
see the due date, and receive (form 01, printed right after the commit as the
office profile says: thermal printer or the browser's print dialog), or print
form 02 (incomplete) or 03 (refusal) from the same typed data. The small JSON endpoints serve the page's
script (static/js/reception.js); the page works without it.

Roles: receiving is the counter's job (``reception``; admins pass every check),
as the status machine says; the JSON helpers are open to any staff member;
scans open for reception, specialists and leaders.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from counter.domain import clock
from counter.domain.applicant import CccdData, parse_cccd_qr
from counter.domain.catalog import DOCUMENT_KIND_LABELS
from counter.domain.dates import DAY_TEXT_MAX
from counter.domain.errors import Conflict, CounterError, NotAllowed, NotFound, ValidationError
from counter.domain.lifecycle import Status
from counter.models import CounterNotice, Dossier, DossierDocument, Procedure
from counter.services import catalog as catalog_service
from counter.services import notices, printing, scans
from counter.services import queue as queue_service
from counter.services import reception as svc
from counter.services.office import PRINT_MODES, get_office
from counter.web import NAV_EXTRA, NavItem, actor, roles_required, staff_required
from counter.web import catalog as catalog_web
from counter.web.forms import CounterForm, CounterSubForm, flash_errors, maxlength, run_form
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.i18n import translated
from counter.web.inputs import arg_int, json_object, to_id

bp = Blueprint("reception", __name__, url_prefix="/tiep-nhan")
# The counter officer's main screen comes first in the menu.
NAV_EXTRA.insert(0, NavItem("reception.index", _l("Tiếp nhận"), ("reception",), "n"))

#: A CCCD QR payload is under 300 characters; room for a scanner's prefix and suffix.
QR_TEXT_MAX = 1000
#: Document count 1–999, sets 1–99, a fee up to 1.000.000.000 đồng typed with dots.
COUNT_TEXT_MAX, SETS_TEXT_MAX, FEE_TEXT_MAX = 3, 2, 13


class DocumentForm(CounterSubForm):
    """One checklist line: ticked when received; catalog lines keep their name."""

    received = BooleanField(_l("Đã nhận"))
    name = StringField(_l("Tên giấy tờ"), render_kw=maxlength(DossierDocument.name))
    kind = SelectField(
        _l("Loại bản"),
        choices=[SelectChoice(k, _l(v)) for k, v in DOCUMENT_KIND_LABELS.items()],
        validate_choice=False,
    )
    count = StringField(_l("Số lượng"), default="1", render_kw={"maxlength": COUNT_TEXT_MAX})
    source = HiddenField(default="other")
    files = MultipleFileField(_l("Bản quét"))


class ReceptionForm(CounterForm):
    """The reception screen, in the order of the paper form 01.

    Text limits come from the model columns (``maxlength`` in the page); the
    service says so in Vietnamese when a text is longer, and never cuts it.
    """

    procedure_id = SelectField(_l("Thủ tục hành chính"), validate_choice=False)
    scan = StringField(_l("Quét mã QR trên CCCD"), render_kw={"maxlength": QR_TEXT_MAX})
    applicant_kind = RadioField(
        _l("Người nộp là"),
        choices=[
            SelectChoice("person", _l("Cá nhân")),
            SelectChoice("organisation", _l("Tổ chức")),
        ],
        default="person",
        validate_choice=False,
    )
    applicant_name = StringField(
        _l("Họ và tên / Tên tổ chức"), render_kw=maxlength(Dossier.applicant_name)
    )
    id_number = StringField(
        _l("Số định danh cá nhân (CCCD) / Mã số thuế"), render_kw=maxlength(Dossier.id_number)
    )
    date_of_birth = StringField(_l("Ngày sinh"), render_kw={"maxlength": DAY_TEXT_MAX})
    address = StringField(_l("Địa chỉ"), render_kw=maxlength(Dossier.address))
    phone = StringField(_l("Số điện thoại"), render_kw=maxlength(Dossier.phone))
    email = StringField(_l("Thư điện tử"), render_kw=maxlength(Dossier.email))
    on_behalf = BooleanField(_l("Người khác nộp thay (được ủy quyền)"))
    filer_name = StringField(
        _l("Họ và tên người nộp thay"), render_kw=maxlength(Dossier.filer_name)
    )
    filer_id_number = StringField(
        _l("CCCD người nộp thay"), render_kw=maxlength(Dossier.filer_id_number)
    )
    filer_phone = StringField(
        _l("Điện thoại người nộp thay"), render_kw=maxlength(Dossier.filer_phone)
    )
    filer_address = StringField(
        _l("Địa chỉ người nộp thay"), render_kw=maxlength(Dossier.filer_address)
    )
    documents = FieldList(FormField(DocumentForm), min_entries=0)
    attachments = MultipleFileField(_l("Bản quét khác"))
    sets_count = StringField(_l("Số bộ hồ sơ"), default="1", render_kw={"maxlength": SETS_TEXT_MAX})
    channel = SelectField(
        _l("Kênh nộp"),
        choices=[
            SelectChoice("counter", _l("Tại quầy")),
            SelectChoice("post", _l("Qua bưu chính")),
            SelectChoice("online", _l("Trực tuyến")),
        ],
        default="counter",
        validate_choice=False,
    )
    result_delivery = RadioField(
        _l("Nhận kết quả tại"),
        choices=[
            SelectChoice("counter", _l("Bộ phận Một cửa")),
            SelectChoice("post", _l("Qua bưu chính")),
        ],
        default="counter",
        validate_choice=False,
    )
    fee_amount = StringField(_l("Phí, lệ phí đã thu (đồng)"), render_kw={"maxlength": FEE_TEXT_MAX})
    notes = TextAreaField(_l("Ghi chú"), render_kw=maxlength(Dossier.notes))
    notice_items = TextAreaField(
        _l("Nội dung cần bổ sung, hoàn thiện (mỗi dòng một nội dung)"),
        render_kw=maxlength(CounterNotice.items),
    )
    reason = TextAreaField(_l("Lý do (phiếu 02, 03)"), render_kw=maxlength(CounterNotice.reason))
    confirm_duplicate = HiddenField(default="")  # set only by the «Vẫn tiếp nhận» button
    queue_ticket = HiddenField(default="")  # the ticket called at the counter («Tiếp nhận hồ sơ»)


# -- helpers ----------------------------------------------------------------------


def due_text(due: Any) -> str:
    """'Hẹn trả: 17:00 ngày 30/11/2026' in Vietnam time."""
    local = clock.to_local(due)
    return _("Hẹn trả: %(time)s ngày %(date)s", time=f"{local:%H:%M}", date=f"{local:%d/%m/%Y}")


def _procedure_json(procedure: Procedure) -> dict[str, Any]:
    """The catalog's JSON of a procedure, plus the fee to prefill and the due date if received now."""
    _proc, due = svc.preview_due(procedure.id)
    return {
        **catalog_web.procedure_json(procedure),
        "fee": svc.suggested_fee(procedure),
        "due_at": due.isoformat(),
        "due_text": due_text(due),
    }


def _procedure_or_none(value: Any) -> Procedure | None:
    procedure_id = to_id(str(value or ""))
    return svc.get_procedure(procedure_id) if procedure_id is not None else None


def _fill_checklist(form: ReceptionForm, procedure: Procedure | None, extra: int = 2) -> None:
    """Checklist lines from the procedure, plus blank 'other document' lines."""
    while len(form.documents):
        form.documents.pop_entry()
    if procedure is not None:
        for doc in procedure.documents:
            form.documents.append_entry(
                {
                    "received": True,
                    "name": doc.name,
                    "kind": doc.kind,
                    "count": str(doc.count),
                    "source": "catalog",
                }
            )
        fee = svc.suggested_fee(procedure)
        if fee is not None and not form.fee_amount.data:
            form.fee_amount.data = str(fee)
    for _i in range(extra):
        form.documents.append_entry({"received": False, "count": "1", "source": "other"})


def _choices(
    form: ReceptionForm, selected: Procedure | None, first_fields: list[str] | None = None
) -> None:
    procedures = catalog_service.list_procedures()
    if first_fields:  # a ticket's service: its fields' procedures first, the others after
        procedures.sort(key=lambda p: p.field_name not in first_fields)
    if selected is not None and selected not in procedures:
        procedures.insert(0, selected)
    form.procedure_id.choices = [
        SelectChoice("", _("— Chọn thủ tục —")),
        *(
            SelectChoice(str(p.id), f"{p.national_code} — {p.name}", optgroup=p.field_name or None)
            for p in procedures
        ),
    ]


def _input(form: ReceptionForm) -> svc.ReceptionInput:
    return svc.ReceptionInput(
        procedure_id=to_id(str(form.procedure_id.data or "")),  # None: "choose a procedure"
        applicant_kind=form.applicant_kind.data or "",
        applicant_name=form.applicant_name.data or "",
        id_number=form.id_number.data or "",
        date_of_birth=form.date_of_birth.data or "",
        phone=form.phone.data or "",
        address=form.address.data or "",
        email=form.email.data or "",
        on_behalf=bool(form.on_behalf.data),
        filer_name=form.filer_name.data or "",
        filer_id_number=form.filer_id_number.data or "",
        filer_phone=form.filer_phone.data or "",
        filer_address=form.filer_address.data or "",
        channel=form.channel.data or "",
        result_delivery=form.result_delivery.data or "",
        documents=[
            svc.DocumentLine(
                name=line.form.name.data or "",
                kind=line.form.kind.data or "original",
                count=line.form.count.data or "",
                received=bool(line.form.received.data),
            )
            for line in form.documents
        ],
        sets_count=form.sets_count.data or "",
        notes=form.notes.data or "",
        fee_amount=form.fee_amount.data,
        confirm_duplicate=form.confirm_duplicate.data == "1",
        queue_ticket_id=to_id(str(form.queue_ticket.data or "")),
    )


def _uploads(form: ReceptionForm) -> list[scans.Upload]:
    uploads = []
    for index, line in enumerate(form.documents):
        for storage in line.form.files.data or []:
            if getattr(storage, "filename", ""):
                uploads.append(scans.Upload(storage.filename, storage.stream, index))
    for storage in form.attachments.data or []:
        if getattr(storage, "filename", ""):
            uploads.append(scans.Upload(storage.filename, storage.stream, None))
    return uploads


def _render(
    form: ReceptionForm,
    procedure: Procedure | None,
    *,
    status: int = 200,
    duplicates: list[Any] | None = None,
    lost_files: bool = False,
    query: str = "",
    matches: list[Procedure] | None = None,
    search_error: str = "",
) -> Any:
    ticket_id = to_id(str(form.queue_ticket.data or ""))
    ticket = queue_service.get_ticket(ticket_id) if ticket_id else None
    _choices(form, procedure, ticket.service.field_names if ticket is not None else None)
    procedure_info = _procedure_json(procedure) if procedure is not None else None
    return (
        render_template(
            "reception/index.html",
            form=form,
            procedure=procedure,
            procedure_info=procedure_info,
            duplicates=duplicates or [],
            lost_files=lost_files,
            query=query,
            matches=matches,
            search_error=search_error,
            search_url=url_for("catalog.search"),
            kind_labels=DOCUMENT_KIND_LABELS,
            max_mb=current_app.config["UPLOAD_MAX_MB"],
            total_mb=current_app.config["UPLOAD_TOTAL_MB"],
            doc_name_max=DocumentForm.name.kwargs["render_kw"]["maxlength"],
            dossier_url=_dossier_url,
            js_messages=_js_messages(),
            queue_ticket=ticket,
        ),
        status,
    )


def _js_messages() -> dict[str, str]:
    """The script's words, translated like the rest of the page."""
    return {
        "no_match": _("Không tìm thấy thủ tục phù hợp."),
        "other_doc": _("Giấy tờ khác…"),
        "other_doc_label": _("Tên giấy tờ khác"),
        "limit": _("Thời hạn giải quyết:"),
        "fee": _("Phí, lệ phí:"),
        "scanned": _("Đã đọc CCCD:"),
        "reading": _("Đang đọc mã QR…"),
        "too_big": _(
            "Tệp quá lớn (mỗi tệp tối đa %(mb)s MB), hãy quét lại nhỏ hơn:",
            mb=current_app.config["UPLOAD_MAX_MB"],
        ),
        "duplicate": _("Có thể trùng hồ sơ đang mở:"),
        "too_much": _(
            "Các tệp quét của một lần gửi tối đa %(mb)s MB nên chưa chọn các tệp sau "
            "(hãy quét nhỏ hơn, hoặc thêm sau ở trang hồ sơ):",
            mb=current_app.config["UPLOAD_TOTAL_MB"],
        ),
    }


def _dossier_url(dossier: Any) -> str | None:
    if "dossiers.show" in current_app.view_functions:
        return url_for("dossiers.show", dossier_id=dossier.id)
    return None


def print_mode() -> str:
    """How a received dossier's slip prints: ``thermal``, a print-dialog sheet, or ``off``.

    The office profile decides (Quản trị › Thông tin đơn vị). ``auto``, the default,
    prints on the thermal printer when the office has one (Quản trị › Máy in nhiệt,
    or COUNTER_PRINTER), else opens the browser's print dialog on A4.
    """
    mode = get_office().print_on_receive or "auto"
    if mode not in PRINT_MODES:
        mode = "auto"
    if mode == "auto":
        has_thermal = bool(
            printing.list_printers(active_only=True) or current_app.config.get("PRINTER")
        )
        mode = "thermal" if has_thermal else "a4"
    return mode


def after_receive(dossier: Any) -> Any:
    """The slip page of a dossier just committed, printing as the office prints slips."""
    views = current_app.view_functions
    if "printforms.form01" not in views:
        if "dossiers.show" in views:
            return redirect(url_for("dossiers.show", dossier_id=dossier.id))
        return redirect(url_for("reception.index"))
    slip = functools.partial(url_for, "printforms.form01", dossier_id=dossier.id)
    mode = print_mode()
    if mode == "off":
        return redirect(slip())
    if mode != "thermal":
        return redirect(slip(size=mode, print="1"))
    from counter.web.public import lookup_url

    try:
        printing.print_slip(actor(), dossier, lookup_url(dossier.code, dossier.lookup_key))
    except CounterError as err:
        flash(
            _(
                "Chưa in được giấy tiếp nhận %(code)s: %(error)s Hồ sơ đã được lưu; "
                "kiểm tra máy in (nguồn, giấy, dây nối) rồi bấm “In lại”.",
                code=dossier.code,
                error=translated(err),
            ),
            "danger",
        )
        return redirect(slip(size="80mm", loi_in="1"))
    flash(_("Đã in giấy tiếp nhận %(code)s.", code=dossier.code), "success")
    return redirect(slip(size="80mm"))


# -- pages ------------------------------------------------------------------------


@bp.get("/")
@roles_required("reception")
def index() -> Any:
    """The reception screen; ``?thu_tuc=ID`` preselects a procedure, ``?q=`` searches (no JS)."""
    form = ReceptionForm()
    procedure = _procedure_or_none(request.args.get("thu_tuc"))
    if procedure is not None and not catalog_service.is_available(procedure):
        procedure = None
    query = (request.args.get("q") or "").strip()
    search_error = ""
    try:
        matches = catalog_service.search_procedures(query) if query else None
    except ValidationError as err:
        matches, search_error = [], translated(err)
    if procedure is not None:
        form.procedure_id.data = str(procedure.id)
    ticket_id = arg_int("ve")
    if ticket_id is not None:  # «Tiếp nhận hồ sơ» on the counter page: the called ticket
        try:
            ticket = queue_service.ticket_for_reception(actor(), ticket_id)
        except (NotAllowed, Conflict) as err:  # an old page: the ticket moved on meanwhile
            flash(
                _(
                    "%(reason)s Hồ sơ tiếp nhận ở đây sẽ không gắn với số thứ tự.",
                    reason=translated(err),
                ),
                "warning",
            )
        else:
            form.queue_ticket.data = str(ticket.id)
    _fill_checklist(form, procedure)
    return _render(
        form,
        procedure,
        query=query,
        matches=matches,
        search_error=search_error,
        status=422 if search_error else 200,
    )


def _fill_applicant(form: ReceptionForm, card: CccdData) -> None:
    """The applicant's boxes from a CCCD read by the scanner."""
    form.applicant_kind.data = "person"
    form.applicant_name.data = card.full_name
    form.id_number.data = card.id_number
    form.date_of_birth.data = f"{card.date_of_birth:%d/%m/%Y}"
    form.address.data = card.address
    form.scan.data = ""


def _record_notice(form: ReceptionForm, action: str, data: svc.ReceptionInput) -> Any:
    """Form 02 (incomplete) or 03 (refused) from the typed data."""
    kind = "incomplete" if action == "incomplete" else "refused"
    items = notices.notice_items(data, form.notice_items.data or "")
    return notices.record_notice(actor(), kind, data, items=items, reason=form.reason.data or "")


@bp.post("/")
@roles_required("reception")
def submit() -> Any:
    """Receive the dossier (form 01), or record form 02 / 03, from the typed data."""
    form = ReceptionForm()
    action = request.form.get("action", "receive")
    procedure = _procedure_or_none(form.procedure_id.data)
    uploads = _uploads(form)  # a page sent back cannot keep them: it says so (lost_files)

    scanned = (form.scan.data or "").strip()
    if scanned and "|" in scanned:  # a scanner's Enter submitted the form (no JavaScript)
        card, status = run_form(form, lambda: parse_cccd_qr(scanned), field="scan")
        if card is not None:
            _fill_applicant(form, card)
        return _render(form, procedure, status=status, lost_files=bool(uploads))
    if action == "pick":  # the page without JavaScript: the procedure was changed
        _fill_checklist(form, procedure)
        return _render(form, procedure)

    data = _input(form)
    if action in ("incomplete", "refuse"):
        notice, status = run_form(form, lambda: _record_notice(form, action, data))
        if notice is not None:
            flash(_("Đã lập phiếu số %(number)s.", number=notice.number), "success")
            if "printforms.notice" in current_app.view_functions:
                return redirect(url_for("printforms.notice", notice_id=notice.id))
            return redirect(url_for("reception.notice", notice_id=notice.id))
    else:
        dossier, status = run_form(form, lambda: svc.receive(actor(), data, uploads))
        if dossier is not None:
            flash(_("Đã tiếp nhận hồ sơ %(code)s.", code=dossier.code), "success")
            return after_receive(dossier)
    # Refused, or a likely duplicate to confirm (409): the typed form comes back whole.
    refused = form.refusal
    if isinstance(refused, svc.TicketNotHere):  # the next save goes without the ticket
        form.queue_ticket.data = ""
    duplicates = refused.dossiers if isinstance(refused, svc.DuplicateSuspected) else None
    return _render(form, procedure, status=status, duplicates=duplicates, lost_files=bool(uploads))


@bp.get("/phieu/<int:notice_id>")
@roles_required("reception")
def notice(notice_id: int) -> Any:
    """Confirmation of a form 02 / 03 given at the counter (when the print pages are absent)."""
    return render_template("reception/notice.html", notice=notices.get_notice(notice_id))


@bp.get("/tep/<int:attachment_id>")
@roles_required(*scans.ATTACHMENT_ROLES)
def attachment(attachment_id: int) -> Any:
    """A dossier's scan, for staff only; opened in the browser (PDF, image)."""
    row, path = scans.open_attachment(actor(), attachment_id)
    response = send_file(
        path, mimetype=row.content_type, download_name=row.filename, as_attachment=False
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class AttachForm(CounterForm):
    """More scans for a dossier already received (the dossier page includes this form)."""

    files = MultipleFileField(_l("Thêm bản quét (PDF, JPEG, PNG)"))


@bp.post("/ho-so/<int:dossier_id>/tep")
@roles_required("reception", "specialist")
def add_scans(dossier_id: int) -> Any:
    """Attach more scans to a received dossier, then go back to its page."""
    form = AttachForm()
    back = (
        url_for("dossiers.show", dossier_id=dossier_id)
        if "dossiers.show" in current_app.view_functions
        else url_for("reception.index")
    )
    uploads = [
        scans.Upload(f.filename, f.stream, None) for f in form.files.data or [] if f.filename
    ]
    rows, _status = run_form(form, lambda: scans.add_attachments(actor(), dossier_id, uploads))
    if rows is None:
        flash_errors(form)
    else:
        flash(_("Đã thêm %(n)s tệp quét.", n=len(rows)), "success")
    return redirect(back)


# -- JSON helpers for the page's script -------------------------------------------


@bp.get("/thu-tuc/<int:procedure_id>")
@staff_required
def procedure(procedure_id: int) -> Any:
    """One procedure for the checklist: documents, suggested fee, due date if received now."""
    row = svc.get_procedure(procedure_id)
    if row is None or not catalog_service.is_available(row):
        return jsonify({"error": _("Không tìm thấy thủ tục.")}), 404
    return jsonify(_procedure_json(row))


@bp.get("/hen-tra")
@staff_required
def due_preview() -> Any:
    """The due date of a dossier of ``thu_tuc`` received now: 'Hẹn trả: 17:00 ngày …'."""
    try:
        _procedure, due = svc.preview_due(arg_int("thu_tuc") or 0)
    except NotFound:
        return jsonify({"error": _("Chọn thủ tục để xem ngày hẹn trả.")}), 404
    except ValidationError as err:
        return jsonify({"error": translated(err)}), 422
    return jsonify({"due_at": due.isoformat(), "text": due_text(due)})


@bp.post("/quet-cccd")
@roles_required("reception")
def parse_qr() -> Any:
    """Read a CCCD QR payload typed by the scanner (POSTed: an ID number never goes in a URL)."""
    payload = json_object()
    try:
        card = parse_cccd_qr(str(payload.get("qr", "")))
    except ValidationError as err:
        return jsonify({"error": translated(err)}), 422
    return jsonify(
        {
            "id_number": card.id_number,
            "old_id": card.old_id or "",
            "full_name": card.full_name,
            "date_of_birth": f"{card.date_of_birth:%d/%m/%Y}",
            "sex": card.sex,
            "address": card.address,
            "issue_date": f"{card.issue_date:%d/%m/%Y}",
        }
    )


@bp.post("/kiem-tra-trung")
@roles_required("reception")
def duplicates() -> Any:
    """Open dossiers of the same ID number and procedure, to warn before saving."""
    payload = json_object()
    procedure_id = to_id(payload.get("procedure_id")) or 0
    id_number = "".join(str(payload.get("id_number") or "").split())
    rows = svc.open_duplicates(id_number, procedure_id) if procedure_id else []
    return jsonify(
        [
            {
                "code": d.code,
                "status": _(Status(d.status).label),
                "received": f"{clock.to_local(d.received_at):%d/%m/%Y %H:%M}",
            }
            for d in rows
        ]
    )
