"""Sign-in, sign-out, password change and the language switch."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from counter.models import User
from counter.services import accounts
from counter.web import SESSION_TOKEN, actor, client_address
from counter.web.forms import CounterForm, max_length, run_form
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.inputs import safe_next

bp = Blueprint("auth", __name__)


_PASSWORD = Length(max=accounts.MAX_PASSWORD_LENGTH)


class LoginForm(CounterForm):
    username = StringField(
        _l("Tên đăng nhập"), validators=[DataRequired(), max_length(User.username)]
    )
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), _PASSWORD])


class ChangePasswordForm(CounterForm):
    current_password = PasswordField(
        _l("Mật khẩu hiện tại"), validators=[DataRequired(), _PASSWORD]
    )
    new_password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[
            DataRequired(),
            Length(min=accounts.MIN_PASSWORD_LENGTH, max=accounts.MAX_PASSWORD_LENGTH),
        ],
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[
            DataRequired(),
            _PASSWORD,
            EqualTo("new_password", message=_l("Hai mật khẩu không khớp.")),
        ],
    )


def _safe_next(target: str | None) -> str:
    """Only local paths, so the login page cannot send a user elsewhere."""
    return safe_next(target, url_for("main.home"))


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login() -> Any:
    """The staff sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    try:
        signed, status = run_form(
            form,
            lambda: accounts.sign_in(
                form.username.data or "",
                form.password.data or "",
                client_address(),
                request.user_agent.string,
                policy=accounts.ThrottlePolicy.from_config(current_app.config),
            ),
        )
    except accounts.LoginThrottled as err:  # this address waits: say how long
        form.form_errors.append(
            _("Đăng nhập sai nhiều lần. Vui lòng thử lại sau %(wait)s.", wait=wait_text(err.wait))
        )
        signed, status = None, 429
    if signed is not None:
        session.clear()
        login_user(signed.user)
        session[SESSION_TOKEN] = signed.token
        session.permanent = True
        if signed.user.must_change_password:
            return redirect(url_for("auth.change_password"))
        flash(_("Xin chào %(name)s.", name=signed.user.full_name), "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), status


def wait_text(wait: timedelta) -> str:
    """A wait as the login page says it: seconds under two minutes, else whole minutes."""
    seconds = math.ceil(wait.total_seconds())
    if seconds < 120:
        return _("%(n)s giây", n=max(seconds, 1))
    return _("%(n)s phút", n=math.ceil(seconds / 60))


@bp.route("/dang-xuat", methods=["POST"])
@login_required
def logout() -> Any:
    """Sign out (a POST, so a link elsewhere cannot sign a user out); the session ends."""
    accounts.sign_out(actor(), str(session.get(SESSION_TOKEN, "")))
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    """Change one's own password (required at first login)."""
    form = ChangePasswordForm()
    user, status = run_form(
        form,
        lambda: accounts.change_password(
            actor(),
            form.current_password.data or "",
            form.new_password.data or "",
            keep_token=str(session.get(SESSION_TOKEN, "")),
        ),
    )
    if user is not None:
        login_user(user)  # the session version changed; this session goes on
        flash(_("Đã đổi mật khẩu."), "success")
        return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form), status


@bp.route("/ngon-ngu/<lang>", methods=["POST"])
def set_language(lang: str) -> Any:
    """Switch between Vietnamese and English for this browser session."""
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))
