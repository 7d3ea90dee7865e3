"""Thermal printing from the browser: printer settings, test print, print and reprint."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from counter.domain.errors import CounterError
from counter.extensions import db
from counter.models import CounterNotice, Dossier, Printer
from counter.services import printing
from counter.web import actor, roles_required, staff_required
from counter.web.admin import ADMIN_MENU
from counter.web.forms import CounterForm, max_length, run_form
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.i18n import translated
from counter.web.inputs import safe_next, to_id

bp = Blueprint("printing", __name__, url_prefix="/in-nhiet")

ADMIN_MENU.append(("printing.printers", _l("Máy in nhiệt")))


class PrinterForm(CounterForm):
    name = StringField(_l("Tên máy in"), validators=[DataRequired(), max_length(Printer.name)])
    uri = StringField(_l("Địa chỉ máy in"), validators=[DataRequired(), max_length(Printer.uri)])
    width = SelectField(
        _l("Khổ giấy"),
        choices=[
            SelectChoice("576", _l("80 mm (576 điểm)")),
            SelectChoice("384", _l("58 mm (384 điểm)")),
        ],
    )
    cut = BooleanField(_l("Cắt giấy sau khi in"), default=True)
    text_mode = BooleanField(_l("In chữ theo bảng mã CP1258 (chỉ khi máy in hỗ trợ)"))
    is_default = BooleanField(_l("Máy in mặc định"))
    active = BooleanField(_l("Đang dùng"), default=True)


def _back(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next"), default)


def _lookup_url(dossier: Dossier) -> str:
    from counter.web.public import lookup_url

    return lookup_url(dossier.code, dossier.lookup_key)


@bp.app_context_processor
def _printers() -> dict[str, Any]:
    return {"thermal_printers": lambda: printing.list_printers(active_only=True)}


@bp.route("/may-in", methods=["GET", "POST"])
@roles_required("admin")
def printers() -> Any:
    """Printers of the office (one per counter, one at the kiosk) and the print log."""
    return _printer_page(None)


@bp.route("/may-in/<int:printer_id>", methods=["GET", "POST"])
@roles_required("admin")
def printer_edit(printer_id: int) -> Any:
    """Edit one printer."""
    return _printer_page(printer_id)


def _printer_page(printer_id: int | None) -> Any:
    printer = printing.get_printer(printer_id) if printer_id else None
    form = PrinterForm(obj=printer)
    if printer is not None and not form.is_submitted():
        form.width.data = str(printer.width)
    saved, status = run_form(
        form,
        lambda: printing.save_printer(
            actor(),
            printer_id,
            name=form.name.data or "",
            uri=form.uri.data or "",
            width=int(form.width.data or 576),
            cut=bool(form.cut.data),
            text_mode=bool(form.text_mode.data),
            is_default=bool(form.is_default.data),
            active=bool(form.active.data),
        ),
    )
    if saved is not None:
        flash(_("Đã lưu máy in %(name)s.", name=saved.name), "success")
        return redirect(url_for("printing.printers"))
    return render_template(
        "printing/printers.html",
        form=form,
        printer=printer,
        printers=printing.list_printers(),
        log=printing.recent_log(),
        kind_labels=printing.KIND_LABELS,
        action_form=CounterForm(),
    ), status


@bp.route("/may-in/<int:printer_id>/xoa", methods=["POST"])
@roles_required("admin")
def printer_delete(printer_id: int) -> Any:
    """Remove a printer."""
    if CounterForm().validate_on_submit():
        printing.delete_printer(actor(), printer_id)
        flash(_("Đã xóa máy in."), "success")
    return redirect(url_for("printing.printers"))


@bp.route("/may-in/<int:printer_id>/in-thu", methods=["POST"])
@roles_required("admin")
def printer_test(printer_id: int) -> Any:
    """Print the test page on one printer."""
    if CounterForm().validate_on_submit():
        try:
            printing.print_test_page(actor(), printer_id)
        except CounterError as err:
            flash(_("In thử thất bại: %(error)s", error=translated(err)), "danger")
        else:
            flash(_("Đã gửi trang in thử."), "success")
    return redirect(url_for("printing.printers"))


def _selected_printer() -> int | None:
    return to_id(request.form.get("printer_id", ""))


@bp.route("/giay-tiep-nhan/<int:dossier_id>", methods=["POST"])
@staff_required
def slip(dossier_id: int) -> Any:
    """Print (or reprint) a dossier's slip on a thermal printer, after it was saved."""
    dossier = printing.find_dossier(dossier_id)
    back = _back(url_for("main.home"))
    if not CounterForm().validate_on_submit():
        flash(_("Phiên làm việc đã hết hạn; vui lòng bấm in lại."), "danger")
        return redirect(back)
    try:
        printing.print_slip(actor(), dossier, _lookup_url(dossier), printer_id=_selected_printer())
    except CounterError as err:
        flash(
            _(
                "Chưa in được giấy tiếp nhận %(code)s: %(error)s Hồ sơ đã được lưu; "
                "kiểm tra máy in rồi bấm “In lại”.",
                code=dossier.code,
                error=translated(err),
            ),
            "danger",
        )
        return redirect(_back_after_print(back, failed=True))
    flash(_("Đã in giấy tiếp nhận %(code)s.", code=dossier.code), "success")
    return redirect(_back_after_print(back, failed=False))


def _back_after_print(path: str, *, failed: bool) -> str:
    """The page to go back to, with ``loi_in=1`` after a failed print (its button then
    reads «In lại», as the message says, and takes the focus) and without it after one
    that printed; never with ``print=1``, which opened the browser's print dialog when
    the page was first shown, not after the roll printer."""
    parts = urlsplit(path)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("loi_in", "print")
    ]
    if failed:
        query.append(("loi_in", "1"))
    return urlunsplit(parts._replace(query=urlencode(query)))


@bp.route("/phieu-bo-sung/<int:notice_id>", methods=["POST"])
@staff_required
def notice(notice_id: int) -> Any:
    """Print form 02 for a dossier turned back at the counter."""
    record = db.session.get(CounterNotice, notice_id)
    back = _back(url_for("main.home"))
    if record is None:
        flash(_("Không tìm thấy phiếu."), "danger")
        return redirect(back)
    if not CounterForm().validate_on_submit():
        return redirect(back)
    try:
        printing.print_notice(actor(), record, printer_id=_selected_printer())
    except CounterError as err:
        flash(_("Chưa in được phiếu: %(error)s", error=translated(err)), "danger")
    else:
        flash(_("Đã in phiếu %(number)s.", number=record.number), "success")
    return redirect(back)
