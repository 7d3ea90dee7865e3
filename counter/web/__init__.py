"""The web layer: blueprints, login, role checks, error pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import AnonymousUserMixin, current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from counter.domain.errors import Conflict, CounterError, NotAllowed, NotFound
from counter.extensions import db, login_manager
from counter.services import Actor
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.i18n import translated

F = TypeVar("F", bound=Callable[..., Any])

#: The key of the session token in Flask's signed cookie (see ``accounts.sign_in``).
SESSION_TOKEN = "sid"
#: Every HTML page: scripts, styles, fonts only from this server (static/), no inline
#: script or style (data goes in data-* attributes or JSON blocks), never framed.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
#: Headers of every answer (HTML pages add CONTENT_SECURITY_POLICY).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)
#: Endpoints any visitor may open (everything else needs a signed-in staff member).
PUBLIC_ENDPOINTS: set[str] = {"static", "auth.login", "auth.set_language"}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string
    roles: tuple[str, ...]
    key: str = ""


#: The main navigation, in order; each blueprint adds its own entries.
NAV: list[NavItem] = []
#: Callables returning banners ({"level", "text", "url", "link"}) for staff pages, given
#: what the page's banners read from the database (:mod:`counter.services.page_facts`).
BANNERS: list[Callable[[Any], list[dict[str, str]]]] = []


def actor() -> Actor:
    """The signed-in user as a service actor, with the request's address."""
    return Actor.for_user(signed_in_user(), client_address())


def signed_in_user() -> Any:
    """The request's account (or Flask-Login's anonymous user), the object behind
    ``current_user``: each read of an attribute through the proxy looks the user up again,
    and the busiest requests read several."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def client_address() -> str:
    """The peer address (waitress serves directly; no proxy headers are trusted)."""
    return request.remote_addr or "unknown"


def roles_required(*roles: str) -> Callable[[F], F]:
    """Login plus a role check: the account holds one of ``roles`` (admins pass every check)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not signed_in_user().has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def staff_required(view: F) -> F:
    """Any signed-in staff member."""
    return roles_required("reception", "specialist", "leader")(view)


def idle_limit() -> timedelta:
    """How long a session may sit unused before it ends (``IDLE_MINUTES``, at least one)."""
    return timedelta(minutes=max(1, int(current_app.config["IDLE_MINUTES"])))


@login_manager.user_loader
def _load_user(user_id: str) -> Any:
    """The account of this browser's server-side session (ended, idle or copied: none)."""
    from counter.services.accounts import resume_session

    try:
        uid, version = (int(p) for p in user_id.split(":", 1))
    except ValueError:
        return None
    user = resume_session(
        str(session.get(SESSION_TOKEN, "")),
        address=client_address(),
        agent=request.user_agent.string,
        idle=idle_limit(),
    )
    if user is None or user.id != uid or user.session_version != version:
        return None
    return user


#: Navigation entries added by feature blueprints (between home and administration).
NAV_EXTRA: list[NavItem] = []


def _office_name() -> str:
    if "office_name" not in g:
        from counter.services import setup_cache
        from counter.services.office import get_office

        try:  # every page's header: this process's copy while the setup is unchanged
            g.office_name = setup_cache.cached("office_name", lambda: get_office().name)
        except Exception:  # the database may be missing on an error page
            db.session.rollback()
            g.office_name = _("Một cửa")
    return str(g.office_name)


def _nav_items() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for item in NAV:
        if current_user.has_role(*item.roles):
            url = url_for(item.endpoint)
            items.append(
                {
                    "endpoint": item.endpoint,
                    "url": url,
                    "label": item.label,
                    "key": item.key,
                    "active": request.endpoint == item.endpoint
                    or (url != "/" and request.path.startswith(url)),
                }
            )
    return items


def _role_labels() -> list[str]:
    """The signed-in account's roles, in screen order, in the reader's language."""
    from counter.services.accounts import ROLE_LABELS, role_names

    if not current_user.is_authenticated:
        return []
    return [_(ROLE_LABELS[role]) for role in role_names(current_user.roles)]


def _banners() -> list[dict[str, str]]:
    from counter.services.page_facts import page_facts

    try:  # one statement for every banner
        facts = page_facts()
    except Exception:  # a banner never breaks the page it sits on
        db.session.rollback()
        return []
    out: list[dict[str, str]] = []
    for source in BANNERS:
        out.extend(source(facts))
    return out


def _signed_in() -> bool:
    """Whether this request is a signed-in account's, without reading the account again:
    after a service's commit (which expires it) ``current_user.is_authenticated`` would
    reload the account and its roles just to answer this."""
    user = g.get("_login_user")
    if user is None:  # nothing asked yet (an error page, a static file): ask now
        return bool(current_user.is_authenticated)
    return not isinstance(user, AnonymousUserMixin)


def register_web(app: Flask) -> None:
    """Blueprints, login settings, error pages and the first-login password rule."""
    from counter.web import (
        admin,
        auth,
        calendar,
        catalog,
        dossiers,
        kiosk,
        main,
        printforms,
        printing,
        public,
        queue,
        reception,
        reports,
        satisfaction,
        sync,
        voice,
    )
    from counter.web.inputs import CounterRequest, IdConverter, TextConverter, TextPathConverter
    from counter.web.qr_address import qr_notice
    from counter.web.session_cookie import SessionCookie

    # Before any blueprint adds its rules: every <int:…> is bounded, every value cleaned.
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
    app.url_map.converters["path"] = TextPathConverter
    app.request_class = CounterRequest
    app.session_interface = SessionCookie()
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "warning"
    # The server-side session (user_session) is bound to its address and browser and
    # ends on logout; Flask-Login's own check does nothing for permanent sessions.
    login_manager.session_protection = None

    for module in (
        auth,
        main,
        reception,
        dossiers,
        catalog,
        printforms,
        printing,
        public,
        queue,
        kiosk,
        calendar,
        reports,
        satisfaction,
        sync,
        voice,
        admin,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(kiosk.display_bp)
    app.wsgi_app = kiosk.UnchangedBoard(app, app.wsgi_app)  # type: ignore[method-assign]

    NAV[:] = [
        NavItem("main.home", _l("Trang chủ"), ("reception", "specialist", "leader"), "h"),
        *NAV_EXTRA,
        NavItem("admin.index", _l("Quản trị"), ("admin",), "q"),
    ]

    @app.context_processor
    def _layout() -> dict[str, Any]:
        return {
            "office_name": _office_name,
            "nav_items": _nav_items,
            "staff_banners": _banners,
            "my_roles": _role_labels,
            "qr_notice": qr_notice,
        }

    @app.before_request
    def _force_password_change() -> Any:
        user = signed_in_user()
        if (
            user.is_authenticated
            and user.must_change_password
            and request.endpoint not in {"auth.change_password", "auth.logout", "static"}
            and request.endpoint not in PUBLIC_ENDPOINTS
        ):
            flash(_("Bạn cần đặt mật khẩu mới trước khi tiếp tục."), "warning")
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def _security_headers(response: Any) -> Any:
        # One look at the headers the view set (a view's own value wins), then one
        # extend: a setdefault per header scans them all each time.
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}
        wanted = [*SECURITY_HEADERS]
        if response.mimetype == "text/html":
            wanted.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        if _signed_in():
            wanted.append(("Cache-Control", "no-store"))
        headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
        return response

    @app.errorhandler(CounterError)
    def _counter_error(err: CounterError) -> Any:
        db.session.rollback()
        status = 422
        if isinstance(err, NotAllowed):
            status = 403
        elif isinstance(err, NotFound):
            status = 404
        elif isinstance(err, Conflict):
            status = 409
        message = translated(err)  # the one error page of every service refusal
        return render_template("errors/error.html", code=status, message=message), status

    @app.errorhandler(CSRFError)
    def _csrf_error(err: CSRFError) -> Any:
        message = _(
            "Phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ. "
            "Vui lòng tải lại trang và thử lại; dữ liệu chưa được lưu."
        )
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(err: RequestEntityTooLarge) -> Any:
        """A body past MAX_CONTENT_LENGTH: the limits, and the way back to the typed form."""
        from counter.web.inputs import safe_next

        back = safe_next(urlsplit(request.referrer or "").path, "")
        if not back:
            adapter = app.url_map.bind_to_environ(request.environ)
            back = request.path if adapter.test(request.path, "GET") else url_for("main.home")
        page = render_template(
            "errors/too_large.html",
            back=back,
            limit_mb=int(app.config["MAX_CONTENT_LENGTH"] or 0) // (1024 * 1024),
            file_mb=app.config["UPLOAD_MAX_MB"],
            total_mb=app.config["UPLOAD_TOTAL_MB"],
        )
        return page, 413

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Any:
        messages = {
            403: _("Bạn không có quyền mở trang này."),
            404: _("Không tìm thấy trang bạn yêu cầu."),
            405: _("Thao tác không hợp lệ cho trang này."),
            413: _("Tệp tải lên quá lớn."),
        }
        code = err.code or 500
        message = messages.get(code, err.description or "")
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(500)
    def _server_error(err: Exception) -> Any:
        db.session.rollback()
        message = _(
            "Đã có lỗi trong phần mềm. Dữ liệu chưa lưu của thao tác này đã được hủy; "
            "vui lòng thử lại hoặc báo quản trị viên."
        )
        return render_template("errors/error.html", code=500, message=message), 500
