"""The procedure catalog (danh mục TTHC): list, detail, edit, import, live search."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from counter.domain import clock
from counter.domain.catalog import DOCUMENT_KIND_LABELS
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_
from counter.models import CatalogImport, Procedure
from counter.services import audit
from counter.services import catalog as svc
from counter.web import NAV_EXTRA, NavItem, actor, roles_required, staff_required
from counter.web.admin import ADMIN_MENU
from counter.web.forms import CounterForm, flash_errors, max_length, run_form
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.i18n import translated
from counter.web.imports import UploadStash, read_upload
from counter.web.inputs import arg_int

bp = Blueprint("catalog", __name__, url_prefix="/thu-tuc")

NAV_EXTRA.append(
    NavItem("catalog.index", _l("Thủ tục"), ("reception", "specialist", "leader"), "t")
)
ADMIN_MENU.append(("catalog.import_form", _l("Nhập danh mục thủ tục")))
ADMIN_MENU.append(("catalog.new", _l("Thêm thủ tục")))

LIMIT_UNITS = {
    "working_days": _l("ngày làm việc"),
    "working_hours": _l("giờ làm việc"),
    "same_day": _l("trong ngày"),
    "calendar_days": _l("ngày"),
}
SERVICE_LEVELS = {
    "full_online": _l("Trực tuyến toàn trình"),
    "partial_online": _l("Trực tuyến một phần"),
}
STATUS_LABELS = {
    "active": _l("Đang áp dụng"),
    "abolished": _l("Đã bãi bỏ"),
    "not_yet": _l("Chưa có hiệu lực"),
    "expired": _l("Hết hiệu lực"),
}
#: the list's status filter: query value → what it shows
STATUS_FILTERS = {
    "": _l("Đang áp dụng"),
    "bai-bo": _l("Đã bãi bỏ"),
    "tat-ca": _l("Tất cả"),
}


# --- display helpers (also Jinja filters) ------------------------------------


def _number(amount: Decimal) -> str:
    text = f"{Decimal(amount).normalize():f}"
    return text.replace(".", ",")


def limit_text(procedure: Procedure) -> str:
    """The time limit as the counter says it: '3 ngày làm việc', 'Trong ngày'."""
    if procedure.limit_unit == "same_day":
        return _("Trong ngày")
    n = _number(procedure.limit_amount)
    if procedure.limit_unit == "working_hours":
        return _("%(n)s giờ làm việc", n=n)
    if procedure.limit_unit == "calendar_days":
        return _("%(n)s ngày", n=n)
    return _("%(n)s ngày làm việc", n=n)


def money(amount: int) -> str:
    """8000 → '8.000'."""
    return f"{amount:,}".replace(",", ".")


def fee_item_text(amount: int | None, description: str) -> str:
    """One fee: '8.000 đ/bản', 'Miễn phí', or the text of a fee set elsewhere."""
    description = (description or "").strip()
    if amount is None:
        return description
    if amount == 0:
        return description or _("Miễn phí")
    if description.lower().startswith("đ"):
        return f"{money(amount)} {description}"
    return f"{money(amount)} đ {description}".strip()


def fee_text(procedure: Procedure) -> str:
    """All fees on one line, or 'Không thu phí' when the catalog lists none."""
    parts = [fee_item_text(f.amount, f.description) for f in procedure.fees]
    parts = [p for p in parts if p]
    return "; ".join(parts) if parts else _("Không quy định phí, lệ phí")


def kind_text(kind: str) -> str:
    """'bản chính', 'bản sao', 'bản chính hoặc bản sao'."""
    return _(DOCUMENT_KIND_LABELS.get(kind, kind))


def status_text(procedure: Procedure) -> str:
    return str(STATUS_LABELS[svc.status(procedure)])


@bp.app_template_filter("limit_text")
def _limit_filter(procedure: Procedure) -> str:
    return limit_text(procedure)


@bp.app_template_filter("fee_text")
def _fee_filter(procedure: Procedure) -> str:
    return fee_text(procedure)


@bp.app_template_filter("kind_text")
def _kind_filter(kind: str) -> str:
    return kind_text(kind)


def procedure_json(procedure: Procedure) -> dict[str, Any]:
    """A procedure for the reception screen's script."""
    return {
        "id": procedure.id,
        "code": procedure.national_code,
        "local_code": procedure.local_code,
        "name": procedure.name,
        "field": procedure.field_name,
        "limit_text": limit_text(procedure),
        "fee_text": fee_text(procedure),
        "active": svc.is_available(procedure),
        "documents": [
            {"name": d.name, "kind": d.kind, "kind_text": kind_text(d.kind), "count": d.count}
            for d in procedure.documents
        ],
    }


# --- forms -------------------------------------------------------------------


#: The document and fee boxes hold one line per row: room for a long checklist.
DOCUMENTS_BOX_MAX, FEES_BOX_MAX = 20000, 4000


class ImportForm(CounterForm):
    file = FileField(_l("Tệp danh mục (.csv, .xlsx, .json)"))
    decision_number = StringField(
        _l("Số quyết định công bố"),
        validators=[max_length(CatalogImport.decision_number)],
        description="QĐ 1234/QĐ-UBND",
    )
    decision_date = DateField(_l("Ngày quyết định"), validators=[Optional()])


class ProcedureForm(CounterForm):
    national_code = StringField(_l("Mã TTHC"), validators=[max_length(Procedure.national_code)])
    local_code = StringField(
        _l("Mã TTHC địa phương"), validators=[max_length(Procedure.local_code)]
    )
    name = StringField(_l("Tên thủ tục"), validators=[max_length(Procedure.name)])
    field_code = StringField(_l("Mã lĩnh vực"), validators=[max_length(Procedure.field_code)])
    field_name = StringField(_l("Lĩnh vực"), validators=[max_length(Procedure.field_name)])
    # a number of up to 8 digits with 2 decimals (Numeric(8, 2)), e.g. 0,5 or 3
    limit_amount = StringField(_l("Thời hạn giải quyết"), validators=[Length(max=10)])
    # choices are checked by the catalog rules, with their Vietnamese messages
    limit_unit = SelectField(
        _l("Đơn vị thời hạn"),
        choices=[SelectChoice(k, v) for k, v in LIMIT_UNITS.items()],
        validate_choice=False,
    )
    limit_note = TextAreaField(
        _l("Ghi chú thời hạn"), validators=[max_length(Procedure.limit_note)]
    )
    documents = TextAreaField(
        _l("Thành phần hồ sơ (mỗi dòng một giấy tờ)"),
        validators=[Length(max=DOCUMENTS_BOX_MAX)],
    )
    fees = TextAreaField(
        _l("Phí, lệ phí (mỗi dòng một khoản)"), validators=[Length(max=FEES_BOX_MAX)]
    )
    result_name = StringField(_l("Kết quả"), validators=[max_length(Procedure.result_name)])
    service_level = SelectField(
        _l("Mức độ trực tuyến"),
        choices=[
            SelectChoice("", _l("Không trực tuyến")),
            *(SelectChoice(k, v) for k, v in SERVICE_LEVELS.items()),
        ],
        validate_choice=False,
    )
    implementing_body = StringField(
        _l("Cơ quan thực hiện"), validators=[max_length(Procedure.implementing_body)]
    )
    legal_basis = TextAreaField(
        _l("Căn cứ pháp lý"), validators=[max_length(Procedure.legal_basis)]
    )
    active = BooleanField(_l("Đang hiệu lực (bỏ chọn để bãi bỏ)"), default=True)
    effective_from = DateField(_l("Hiệu lực từ ngày"), validators=[Optional()])
    effective_to = DateField(_l("Hiệu lực đến ngày"), validators=[Optional()])
    replaced_by = StringField(
        _l("Được thay thế bởi (mã TTHC)"), validators=[max_length(Procedure.national_code)]
    )


# --- list, detail, search ----------------------------------------------------


@bp.route("")
@staff_required
def index() -> Any:
    """The catalog: search by code or name (with or without diacritics), filter by field."""
    q = request.args.get("q", "").strip()[:200]
    field_code = request.args.get("linh_vuc", "")
    state = request.args.get("trang_thai", "")
    if state not in STATUS_FILTERS:
        state = ""
    error = ""
    if q:
        try:
            rows = svc.search_procedures(q, limit=500, include_inactive=bool(state))
        except ValidationError as err:
            rows, error = [], translated(err)
        if field_code:
            rows = [p for p in rows if p.field_code == field_code]
        if state == "bai-bo":
            rows = [p for p in rows if not p.active]
    else:
        rows = svc.list_procedures(
            field_code or None, include_inactive=state == "tat-ca", only_inactive=state == "bai-bo"
        )
    return render_template(
        "catalog/index.html",
        rows=rows,
        error=error,
        q=q,
        field_code=field_code,
        state=state,
        fields=svc.list_fields(),
        status_filters=STATUS_FILTERS,
        status_of=svc.status,
        status_labels=STATUS_LABELS,
        service_levels=SERVICE_LEVELS,
    ), (422 if error else 200)


@bp.route("/tim")
@staff_required
def search() -> Any:
    """JSON for the reception screen: procedures matching ``q`` (code or name)."""
    limit = min(arg_int("limit") or 20, 50)
    try:
        rows = svc.search_procedures(request.args.get("q", "")[:200], limit=limit)
    except ValidationError as err:
        return jsonify({"error": translated(err)}), 422
    return jsonify([procedure_json(p) for p in rows])


@bp.route("/<int:procedure_id>")
@staff_required
def show(procedure_id: int) -> Any:
    """One procedure: documents, fees, limit, legal basis, replacement, history."""
    procedure = svc.get_procedure(procedure_id)
    return render_template(
        "catalog/show.html",
        p=procedure,
        status=svc.status(procedure),
        status_labels=STATUS_LABELS,
        service_levels=SERVICE_LEVELS,
        replaced=svc.replaced_procedures(procedure),
        last_import=svc.get_import(procedure.last_import_id),
        history=svc.history(procedure),
        actions=audit.ACTIONS,
        fee_item_text=fee_item_text,
    )


# --- edit --------------------------------------------------------------------


def _form_values(form: ProcedureForm) -> dict[str, Any]:
    return {name: form[name].data for name in svc.EDIT_FIELDS}


def _edit(procedure: Procedure | None) -> Any:
    form = ProcedureForm()
    if procedure is not None and not form.is_submitted():
        form.process(
            data={
                "national_code": procedure.national_code,
                "local_code": procedure.local_code or "",
                "name": procedure.name,
                "field_code": procedure.field_code,
                "field_name": procedure.field_name,
                "limit_amount": ""
                if procedure.limit_unit == "same_day"
                else _number(procedure.limit_amount),
                "limit_unit": procedure.limit_unit,
                "limit_note": procedure.limit_note,
                "documents": svc.document_lines(procedure.documents),
                "fees": svc.fee_lines(procedure.fees),
                "result_name": procedure.result_name,
                "service_level": procedure.service_level or "",
                "implementing_body": procedure.implementing_body,
                "legal_basis": procedure.legal_basis,
                "active": procedure.active,
                "effective_from": procedure.effective_from,
                "effective_to": procedure.effective_to,
                "replaced_by": procedure.replaced_by.national_code if procedure.replaced_by else "",
            }
        )
    if procedure is not None:
        form.national_code.data = procedure.national_code  # the code is the identity
    saved, status = run_form(
        form,
        lambda: svc.save_procedure(
            actor(), procedure.id if procedure else None, _form_values(form)
        ),
    )
    if saved is not None:
        flash(_("Đã lưu thủ tục %(code)s.", code=saved.national_code), "success")
        return redirect(url_for("catalog.show", procedure_id=saved.id))
    return render_template("catalog/edit.html", form=form, p=procedure), status


@bp.route("/moi", methods=["GET", "POST"])
@roles_required("admin")
def new() -> Any:
    """Add a procedure by hand (one the province announced but not yet in a file)."""
    return _edit(None)


@bp.route("/<int:procedure_id>/sua", methods=["GET", "POST"])
@roles_required("admin")
def edit(procedure_id: int) -> Any:
    """Edit a procedure: attributes, documents and fees (one per line)."""
    return _edit(svc.get_procedure(procedure_id))


# --- import ------------------------------------------------------------------

#: The uploaded catalog file, kept from the preview to the confirm (counter.web.imports).
STASH = UploadStash("catalog_import", svc.IMPORT_TYPES)


class ConfirmImportForm(CounterForm):
    """The preview's confirm button: the changes it showed (their fingerprint)."""

    digest = HiddenField()


def _import_page(form: ImportForm, status: int = 200) -> Any:
    return (
        render_template("catalog/import.html", form=form, imports=svc.list_imports()),
        status,
    )


@bp.route("/nhap", methods=["GET"])
@roles_required("admin")
def import_form() -> Any:
    """Upload a catalog file with its decision; past imports below."""
    form = ImportForm()
    if form.decision_date.data is None:
        form.decision_date.data = clock.today()
    return _import_page(form)


def _keep_upload(form: ImportForm) -> bool:
    """Check the file and the decision, then keep the file for the preview."""
    filename, data = read_upload(form.file, svc.MAX_IMPORT_BYTES, N_("Vui lòng chọn tệp danh mục."))
    number = svc.check_decision(form.decision_number.data or "", form.decision_date.data)
    svc.preview_import(filename, data)  # refuses wrong types and sizes before keeping it
    assert form.decision_date.data is not None
    STASH.put(
        filename, data, decision_number=number, decision_date=form.decision_date.data.isoformat()
    )
    return True


@bp.route("/nhap", methods=["POST"])
@roles_required("admin")
def import_upload() -> Any:
    """Read the file, check the decision, keep the bytes, show the preview."""
    form = ImportForm()
    kept, status = run_form(form, lambda: _keep_upload(form))
    if not kept:
        return _import_page(form, status)
    return redirect(url_for("catalog.import_preview"))


def _no_file_kept() -> Any:
    flash(_("Không còn tệp chờ nhập; vui lòng tải tệp lên lại."), "warning")
    return redirect(url_for("catalog.import_form"))


@bp.route("/nhap/xem-truoc")
@roles_required("admin")
def import_preview() -> Any:
    """What the kept file would change, read again from the file each time."""
    stashed = STASH.get()
    if stashed is None:
        return _no_file_kept()
    info, data = stashed
    preview = svc.preview_import(info["filename"], data)
    existing = {p.national_code: p for p in svc.list_procedures(include_inactive=True)}
    return render_template(
        "catalog/preview.html",
        info=info,
        decision_date=date.fromisoformat(info["decision_date"]),
        preview=preview,
        existing=existing,
    )


@bp.route("/nhap/xac-nhan", methods=["POST"])
@roles_required("admin")
def import_confirm() -> Any:
    """Apply the kept file in one transaction, then forget it."""
    stashed = STASH.get()
    if stashed is None:
        return _no_file_kept()
    info, data = stashed
    confirm = ConfirmImportForm()
    imp, status = run_form(
        confirm,
        lambda: svc.apply_import(
            actor(),
            info["filename"],
            data,
            info["decision_number"],
            date.fromisoformat(info["decision_date"]),
            expect_digest=confirm.digest.data or "",
        ),
    )
    if imp is None:  # the preview page, read again, shows why
        flash_errors(confirm, "warning" if status == 409 else "danger")
        return redirect(url_for("catalog.import_preview"))
    STASH.drop()
    flash(
        _(
            "Đã nhập danh mục theo %(decision)s: %(new)s thủ tục mới, %(changed)s sửa đổi, "
            "%(abolished)s bãi bỏ.",
            decision=imp.decision_number,
            new=imp.new_count,
            changed=imp.changed_count,
            abolished=imp.abolished_count,
        ),
        "success",
    )
    return redirect(url_for("catalog.import_form"))


@bp.route("/nhap/huy", methods=["POST"])
@roles_required("admin")
def import_cancel() -> Any:
    """Forget the kept file without saving anything."""
    STASH.drop()
    flash(_("Đã hủy, danh mục không thay đổi."), "info")
    return redirect(url_for("catalog.import_form"))
