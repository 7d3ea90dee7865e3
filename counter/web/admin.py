"""Administration: accounts, office profile, audit log, backups."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from counter.domain import clock
from counter.domain.dates import parse_day
from counter.domain.errors import CounterError
from counter.models import ROLES, Office, User
from counter.services import accounts, audit, backup
from counter.services.office import PRINT_MODES, get_office, update_office
from counter.web import actor, idle_limit, roles_required
from counter.web.forms import CounterForm, max_length, run_form
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.i18n import translated
from counter.web.inputs import arg_page

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")

#: The administration menu; feature blueprints append their admin pages.
ADMIN_MENU: list[tuple[str, Any]] = [
    ("admin.users", _l("Tài khoản cán bộ")),
    ("admin.office", _l("Thông tin đơn vị")),
    ("admin.audit_log", _l("Nhật ký hệ thống")),
    ("admin.backups", _l("Sao lưu dữ liệu")),
]


@bp.context_processor
def _menu() -> dict[str, Any]:
    return {"admin_menu": lambda: ADMIN_MENU}


#: What each role lets an officer do, shown beside its box on the account form.
ROLE_HINTS = {
    "admin": _l("tài khoản, thông tin đơn vị, lịch nghỉ, danh mục; được làm mọi thao tác"),
    "reception": _l("tiếp nhận, chuyển xử lý, nhận bổ sung, trả kết quả"),
    "specialist": _l("xử lý hồ sơ được giao, đề xuất gia hạn"),
    "leader": _l("như chuyên viên, thêm ký gia hạn và dừng xử lý"),
}


def role_choices() -> list[SelectChoice]:
    """Every role, in screen order, with its Vietnamese name."""
    return [SelectChoice(r, _(accounts.ROLE_LABELS[r])) for r in ROLES]


class RolesField(SelectMultipleField):
    """Tick one or more roles; none ticked by default (the service says so in Vietnamese)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        # Unknown values are refused by the service, in Vietnamese, not by WTForms.
        super().__init__(label, validate_choice=False, **kwargs)


#: A temporary password: the service's minimum, the forms' maximum.
_TEMP_PASSWORD = Length(min=accounts.MIN_PASSWORD_LENGTH, max=accounts.MAX_PASSWORD_LENGTH)


class UserCreateForm(CounterForm):
    username = StringField(
        _l("Tên đăng nhập"), validators=[DataRequired(), max_length(User.username)]
    )
    full_name = StringField(
        _l("Họ và tên"), validators=[DataRequired(), max_length(User.full_name)]
    )
    title = StringField(_l("Chức danh"), validators=[Optional(), max_length(User.title)])
    roles = RolesField(_l("Vai trò"))
    password = PasswordField(
        _l("Mật khẩu tạm (người dùng sẽ đổi khi đăng nhập lần đầu)"),
        validators=[DataRequired(), _TEMP_PASSWORD],
    )


class UserEditForm(CounterForm):
    full_name = StringField(
        _l("Họ và tên"), validators=[DataRequired(), max_length(User.full_name)]
    )
    title = StringField(_l("Chức danh"), validators=[Optional(), max_length(User.title)])
    roles = RolesField(_l("Vai trò"))
    active = BooleanField(_l("Được phép đăng nhập"))


class ResetPasswordForm(CounterForm):
    password = PasswordField(_l("Mật khẩu tạm mới"), validators=[DataRequired(), _TEMP_PASSWORD])


class OfficeForm(CounterForm):
    name = StringField(_l("Tên trung tâm"), validators=[DataRequired(), max_length(Office.name)])
    governing_body = StringField(
        _l("Cơ quan chủ quản"), validators=[DataRequired(), max_length(Office.governing_body)]
    )
    agency_id = StringField(
        _l("Mã định danh điện tử"), validators=[DataRequired(), max_length(Office.agency_id)]
    )
    place_name = StringField(
        _l("Địa danh (ghi trên biểu mẫu)"), validators=[max_length(Office.place_name)]
    )
    address = StringField(_l("Địa chỉ"), validators=[max_length(Office.address)])
    phone = StringField(_l("Số điện thoại"), validators=[max_length(Office.phone)])
    public_url = StringField(
        _l("Địa chỉ tra cứu in trong mã QR của giấy hẹn"),
        validators=[max_length(Office.public_url)],
    )
    # unknown values are refused by the service, in Vietnamese
    print_on_receive = SelectField(
        _l("In giấy hẹn khi bấm «Tiếp nhận và in giấy hẹn»"),
        choices=[SelectChoice(k, _l(v)) for k, v in PRINT_MODES.items()],
        validate_choice=False,
    )
    morning_open = TimeField(_l("Mở cửa buổi sáng"), validators=[DataRequired()])
    morning_close = TimeField(_l("Đóng cửa buổi sáng"), validators=[DataRequired()])
    afternoon_open = TimeField(_l("Mở cửa buổi chiều"), validators=[DataRequired()])
    afternoon_close = TimeField(_l("Đóng cửa buổi chiều"), validators=[DataRequired()])
    same_day_cutoff = TimeField(
        _l("Giờ chốt nhận hồ sơ trả trong ngày"), validators=[DataRequired()]
    )


@bp.route("/")
@roles_required("admin")
def index() -> Any:
    """The administration menu."""
    return render_template("admin/index.html")


@bp.route("/tai-khoan")
@roles_required("admin")
def users() -> Any:
    """All staff accounts."""
    return render_template(
        "admin/users.html",
        users=accounts.list_users(),
        states=accounts.account_states(idle_limit()),
        role_labels=accounts.ROLE_LABELS,
        role_names=accounts.role_names,
    )


@bp.route("/tai-khoan/<int:user_id>/mo-khoa", methods=["POST"])
@roles_required("admin")
def user_unlock(user_id: int) -> Any:
    """Lift an account's sign-in waits (wrong passwords from every address are cleared).

    A POST with the page's CSRF token (checked app-wide by CSRFProtect).
    """
    done = accounts.unlock(actor(), accounts.get_user(user_id).username)
    if done.addresses:
        flash(
            _(
                "Đã mở khóa đăng nhập cho %(username)s (xóa %(count)s lần nhập sai từ %(addresses)s).",
                username=done.username,
                count=done.failures,
                addresses=", ".join(done.addresses),
            ),
            "success",
        )
    else:
        flash(_("Tài khoản %(username)s không bị chặn đăng nhập.", username=done.username), "info")
    return redirect(url_for("admin.users"))


@bp.route("/tai-khoan/moi", methods=["GET", "POST"])
@roles_required("admin")
def user_new() -> Any:
    """Create an account."""
    form = UserCreateForm()
    form.roles.choices = role_choices()
    user, status = run_form(
        form,
        lambda: accounts.create_user(
            actor(),
            username=form.username.data or "",
            full_name=form.full_name.data or "",
            title=form.title.data or "",
            roles=form.roles.data or [],
            password=form.password.data or "",
        ),
    )
    if user is not None:
        flash(_("Đã tạo tài khoản %(username)s.", username=user.username), "success")
        return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=None, role_hints=ROLE_HINTS
    ), status


@bp.route("/tai-khoan/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int) -> Any:
    """Edit an account; reset its password."""
    user = accounts.get_user(user_id)
    form = UserEditForm(obj=user)
    form.roles.choices = role_choices()
    reset_form = ResetPasswordForm(prefix="reset")
    saved, status = run_form(
        form,
        lambda: accounts.update_user(
            actor(),
            user_id,
            full_name=form.full_name.data or "",
            title=form.title.data or "",
            roles=form.roles.data or [],
            active=bool(form.active.data),
        ),
    )
    if saved is not None:
        flash(_("Đã lưu tài khoản %(username)s.", username=user.username), "success")
        return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, reset_form=reset_form, role_hints=ROLE_HINTS
    ), status


@bp.route("/tai-khoan/<int:user_id>/dat-lai-mat-khau", methods=["POST"])
@roles_required("admin")
def user_reset_password(user_id: int) -> Any:
    """Give an account a temporary password."""
    user = accounts.get_user(user_id)
    reset_form = ResetPasswordForm(prefix="reset")
    if reset_form.validate_on_submit():
        try:
            accounts.reset_password(actor(), user_id, reset_form.password.data or "")
        except CounterError as err:
            flash(translated(err), "danger")
        else:
            flash(_("Đã đặt mật khẩu tạm cho %(username)s.", username=user.username), "success")
    else:
        flash(_("Mật khẩu tạm phải có ít nhất 8 ký tự."), "danger")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.route("/don-vi", methods=["GET", "POST"])
@roles_required("admin")
def office() -> Any:
    """The office profile: names, identifier, hours and the same-day cutoff."""
    office = get_office()
    form = OfficeForm(obj=office)
    saved, status = run_form(
        form, lambda: update_office(actor(), **{name: f.data for name, f in _fields(form)})
    )
    if saved is not None:
        flash(_("Đã lưu thông tin đơn vị."), "success")
        return redirect(url_for("admin.office"))
    from counter.web.public import lookup_url
    from counter.web.qr_address import lan_url

    return render_template(
        "admin/office.html",
        form=form,
        sample_lookup=lookup_url("000.20.18.H18-261127-0001"),
        lan_url=lan_url(),
    ), status


def _fields(form: FlaskForm) -> list[tuple[str, Any]]:
    return [(f.name, f) for f in form if f.name != "csrf_token"]


@bp.route("/nhat-ky")
@roles_required("admin")
def audit_log() -> Any:
    """The audit log, filterable by user, action and date range."""
    username = request.args.get("username", "").strip().lower()
    action = request.args.get("action", "")
    since = _parse_day(request.args.get("from", ""))
    until = _parse_day(request.args.get("to", ""))
    page = arg_page()
    rows, total = audit.search(
        username=username,
        action=action if action in audit.ACTIONS else "",
        since=since,
        until=until + timedelta(days=1) if until else None,
        page=page,
    )
    return render_template(
        "admin/audit.html",
        rows=rows,
        total=total,
        page=page,
        per_page=50,
        actions=audit.ACTIONS,
        describe=lambda entry: audit.describe(entry, _),
        filters={
            "username": username,
            "action": action,
            "from": request.args.get("from", ""),
            "to": request.args.get("to", ""),
        },
        users=accounts.list_users(),
    )


def _parse_day(value: str) -> datetime | None:
    """A dd/mm/yyyy or yyyy-mm-dd day as the instant its Vietnam midnight begins."""
    try:
        day = parse_day(value)
    except ValueError:
        return None
    return clock.start_of_day(day) if day else None


def _backup_dir() -> Path:
    return Path(current_app.config["BACKUP_DIR"])


@bp.route("/sao-luu", methods=["GET", "POST"])
@roles_required("admin")
def backups() -> Any:
    """Backups on this PC: list, take one now, download one."""
    if request.method == "POST":
        form = CounterForm()
        if form.validate_on_submit():
            try:
                path = backup.backup_now(
                    actor(), _backup_dir(), retention=backup.retention_from(current_app.config)
                )
            except CounterError as err:
                flash(translated(err), "danger")
            else:
                flash(_("Đã sao lưu: %(name)s", name=path.name), "success")
        return redirect(url_for("admin.backups"))
    return render_template(
        "admin/backups.html",
        files=backup.list_backups(_backup_dir()),
        backup_dir=_backup_dir(),
        retention=backup.retention_from(current_app.config),
        space=backup.space_report(
            _backup_dir(), int(current_app.config["BACKUP_MIN_FREE_MB"]) * 1024 * 1024
        ),
        form=CounterForm(),
    )


@bp.route("/sao-luu/tai/<name>")
@roles_required("admin")
def backup_download(name: str) -> Any:
    """Download one listed backup file."""
    path = backup.find_backup(_backup_dir(), name)
    backup.note_download(actor(), name)
    return send_file(
        path,
        as_attachment=True,
        download_name=name,
        mimetype="application/gzip" if name.endswith(backup.GZ_SUFFIX) else None,
    )
