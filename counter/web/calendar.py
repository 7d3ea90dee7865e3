"""Admin calendar (lịch nghỉ): days off and working Saturdays by year, import, banner."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from counter.domain import clock, dates
from counter.domain.calendar import DayKind
from counter.domain.i18n import N_
from counter.domain.imports import ImportRefused
from counter.extensions import db
from counter.models import CalendarEntry
from counter.services import calendar as service
from counter.services.page_facts import PageFacts
from counter.web import BANNERS, actor, roles_required
from counter.web.admin import ADMIN_MENU
from counter.web.forms import CounterForm, max_length, run_form
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.imports import read_upload

bp = Blueprint("calendar", __name__, url_prefix="/quan-tri/lich-nghi")

ADMIN_MENU.append(("calendar.index", _l("Lịch nghỉ, ngày làm bù")))


def parse_day(value: str) -> date | None:
    """A yyyy-mm-dd (date input) or dd/mm/yyyy day, or None if it is neither."""
    try:
        return dates.parse_day(value)
    except dates.DayOutOfRange as err:
        return err.day  # the calendar service names the years it keeps (1901–2100)
    except ValueError:
        return None


class DayField(StringField):
    """A date typed as dd/mm/yyyy or picked in a date input (yyyy-mm-dd)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"type": "date", "placeholder": "dd/mm/yyyy"})
        super().__init__(*args, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if self.data and parse_day(self.data) is None:
            raise ValidationError(_("Ngày không hợp lệ (dd/mm/yyyy)."))

    @property
    def day(self) -> date | None:
        return parse_day(self.data or "")

    def _value(self) -> str:
        day = parse_day(self.data) if isinstance(self.data, str) else self.data
        return day.isoformat() if isinstance(day, date) else (self.data or "")


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, _(service.KIND_LABELS[kind])) for kind in DayKind]


class EntryForm(CounterForm):
    first_date = DayField(_l("Từ ngày"), validators=[DataRequired(_l("Nhập ngày bắt đầu."))])
    last_date = DayField(_l("Đến ngày (để trống nếu chỉ một ngày)"), validators=[Optional()])
    kind = SelectField(_l("Loại"), validators=[DataRequired()])
    label = StringField(
        _l("Tên ngày nghỉ / ghi chú"),
        validators=[DataRequired(_l("Nhập tên ngày nghỉ.")), max_length(CalendarEntry.label)],
    )
    source = StringField(
        _l("Nguồn (số văn bản, thông báo)"), validators=[max_length(CalendarEntry.source)]
    )


class ImportForm(CounterForm):
    file = FileField(_l("Tệp CSV lịch nghỉ"))


class ConfirmImportForm(CounterForm):
    content = HiddenField()


def _schedule_banner(_facts: PageFacts) -> list[dict[str, str]]:
    """Warn every staff page when this year (or, from 1/11, next year) has no schedule."""
    try:
        years = service.missing_schedule_years()
    except Exception:  # a broken calendar or a missing database must not break every page
        db.session.rollback()
        return []
    banners = []
    for year in years:
        text = _(
            "Chưa nạp lịch nghỉ năm %(year)s do Chính phủ công bố: ngày hẹn trả đang tính theo "
            "ngày nghỉ lễ mặc định của Bộ luật Lao động, có thể sai.",
            year=year,
        )
        is_admin = current_user.is_authenticated and current_user.is_admin
        banners.append(
            {
                "level": "warning",
                "text": text if is_admin else text + " " + _("Hãy báo quản trị viên."),
                "url": url_for("calendar.year", year=year) if is_admin else "",
                "link": _("Mở lịch nghỉ năm %(year)s", year=year),
            }
        )
    return banners


BANNERS.append(_schedule_banner)


@bp.route("/")
@roles_required("admin")
def index() -> Any:
    """The calendar of the current year, or of the year asked for (?nam=2027)."""
    year = request.args.get("nam", type=int) or clock.today().year
    return redirect(
        url_for("calendar.year", year=min(max(year, service.FIRST_YEAR), service.LAST_YEAR))
    )


@bp.route("/nam/<int:year>")
@roles_required("admin")
def year(year: int) -> Any:
    """A year: 12-month grid, the year's entries with their source, statutory fallback."""
    view = service.year_view(year)
    return render_template(
        "calendar/year.html",
        view=view,
        kind_labels=service.KIND_LABELS,
        origin_labels=service.ORIGIN_LABELS,
        today=clock.today(),
    )


def _entry_values(form: EntryForm) -> dict[str, Any]:
    return {
        "first_date": form.first_date.day,
        "last_date": form.last_date.day,
        "kind": form.kind.data or "",
        "label": form.label.data or "",
        "source": form.source.data or "",
    }


@bp.route("/them", methods=["GET", "POST"])
@roles_required("admin")
def entry_new() -> Any:
    """Add a range of days off or a working weekend day."""
    form = EntryForm()
    form.kind.choices = kind_choices()
    entered = form.first_date.day if form.is_submitted() else None
    year = entered.year if entered else request.args.get("nam", type=int)
    year = year or clock.today().year
    entry, status = run_form(form, lambda: service.add_entry(actor(), **_entry_values(form)))
    if entry is not None:
        flash(_("Đã thêm “%(label)s”.", label=entry.label), "success")
        return redirect(url_for("calendar.year", year=entry.year))
    return render_template("calendar/entry_form.html", form=form, entry=None, year=year), status


@bp.route("/muc/<int:entry_id>", methods=["GET", "POST"])
@roles_required("admin")
def entry_edit(entry_id: int) -> Any:
    """Edit an entry."""
    entry = service.get_entry(entry_id)
    form = EntryForm(
        data=None
        if request.method == "POST"
        else {
            "first_date": entry.first_date.isoformat(),
            "last_date": entry.last_date.isoformat(),
            "kind": entry.kind,
            "label": entry.label,
            "source": entry.source,
        }
    )
    form.kind.choices = kind_choices()
    saved, status = run_form(
        form, lambda: service.update_entry(actor(), entry_id, **_entry_values(form))
    )
    if saved is not None:
        flash(_("Đã lưu “%(label)s”.", label=saved.label), "success")
        return redirect(url_for("calendar.year", year=saved.year))
    return render_template(
        "calendar/entry_form.html", form=form, entry=entry, year=entry.year
    ), status


@bp.route("/muc/<int:entry_id>/xoa", methods=["POST"])
@roles_required("admin")
def entry_delete(entry_id: int) -> Any:
    """Delete an entry (from the year's table)."""
    form = CounterForm()
    if not form.validate_on_submit():
        flash(_("Phiên làm việc của biểu mẫu đã hết hạn; chưa xóa gì."), "danger")
        return redirect(url_for("calendar.index"))
    entry = service.get_entry(entry_id)
    label = entry.label
    year = service.delete_entry(actor(), entry_id)
    flash(_("Đã xóa “%(label)s”.", label=label), "success")
    return redirect(url_for("calendar.year", year=year))


def _import_page(form: ImportForm, plan: Any, status: int, **extra: Any) -> Any:
    page = render_template(
        "calendar/import.html", form=form, plan=plan, kind_labels=service.KIND_LABELS, **extra
    )
    return page, status


def _check_upload(form: ImportForm) -> tuple[str, str, service.SchedulePreview]:
    """The upload's name, its text, and what it would import."""
    filename, data = read_upload(
        form.file, service.SCHEDULE_MAX_BYTES, N_("Chọn tệp CSV cần nhập.")
    )
    text = service.decode_upload(data)
    return filename, text, service.check_schedule(text)


@bp.route("/nhap", methods=["GET", "POST"])
@roles_required("admin")
def import_file() -> Any:
    """Upload a schedule CSV: bad lines are listed, a good file is shown before saving."""
    form = ImportForm()
    checked, status = run_form(form, lambda: _check_upload(form))
    if checked is None:
        return _import_page(form, None, status)
    filename, text, plan = checked
    confirm = ConfirmImportForm(formdata=None, content=text)  # the file goes back in the form
    return _import_page(form, plan, 200 if plan.ok else 422, confirm=confirm, filename=filename)


@bp.route("/nhap/xac-nhan", methods=["POST"])
@roles_required("admin")
def import_confirm() -> Any:
    """Save a checked schedule file: each year in it replaces that year's entries."""
    confirm = ConfirmImportForm()
    plan, status = run_form(
        confirm, lambda: service.import_schedule(actor(), confirm.content.data or "")
    )
    if plan is None:
        refused = confirm.refusal
        shown = refused.preview if isinstance(refused, ImportRefused) else None
        return _import_page(ImportForm(formdata=None), shown, status, confirm=confirm)
    years = ", ".join(str(y) for y in plan.years)
    flash(
        _("Đã nhập %(count)s mục lịch nghỉ cho năm %(years)s.", count=len(plan.rows), years=years),
        "success",
    )
    return redirect(url_for("calendar.year", year=plan.years[0]))
