"""The sync page (đồng bộ lên cổng dịch vụ công tỉnh) and the banner of items waiting too long."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user
from flask_wtf.file import FileField

from counter.domain.errors import CounterError
from counter.domain.i18n import N_
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.portal import bundle, sender, status
from counter.services.page_facts import PageFacts
from counter.web import BANNERS, NAV_EXTRA, NavItem, actor, roles_required
from counter.web.forms import CounterForm
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.i18n import translated
from counter.web.imports import read_upload

bp = Blueprint("sync", __name__, url_prefix="/dong-bo")

NAV_EXTRA.append(NavItem("sync.index", _l("Đồng bộ"), ("leader",), "d"))


class ReceiptForm(CounterForm):
    """The portal's receipt file, brought back from the province."""

    file = FileField(_l("Tệp biên nhận của cổng (.bnhan)"))


def _settings() -> list[tuple[str, Any]]:
    """The portal settings shown on the page (never the password)."""
    settings = sender.portal_settings()
    return [
        ("COUNTER_PORTAL_URL", settings.url or _("(chưa đặt)")),
        ("COUNTER_PORTAL_USER", settings.user or _("(chưa đặt)")),
        ("COUNTER_PORTAL_AGENCY", settings.agency),
        ("COUNTER_PORTAL_BATCH", settings.batch),
        ("COUNTER_PORTAL_TIMEOUT", settings.timeout),
        ("COUNTER_PORTAL_EVERY", current_app.config.get("PORTAL_EVERY") or _("tắt")),
    ]


@bp.route("/")
@roles_required("leader")
def index() -> Any:
    """What is pending, sent and parked (with the portal's reasons), and the recent runs."""
    return render_template(
        "sync/index.html",
        view=status.overview(),
        settings=_settings(),
        running=status.current_run() is not None,
        form=CounterForm(),
        receipt_form=ReceiptForm(),
        bundles=bundle.recent(),
        portal_status_labels={str(s.portal_code): _(s.label) for s in Status},
        # The office's key, for the province to check its bundles: admins only.
        sync_key=bundle.sync_key() if current_user.is_admin else None,
    )


@bp.route("/goi", methods=["POST"])
@roles_required("leader")
def export_bundle() -> Any:
    """«Xuất tệp mang đi (USB)»: everything pending as one signed file, downloaded."""
    form = CounterForm()
    if not form.validate_on_submit():
        return redirect(url_for("sync.index"))
    try:
        built = bundle.build(actor())
    except CounterError as err:
        flash(translated(err), "danger")
        return redirect(url_for("sync.index"))
    return send_file(
        BytesIO(built.data),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=built.file_name,
    )


@bp.route("/bien-nhan", methods=["POST"])
@roles_required("leader")
def load_receipt() -> Any:
    """Upload the portal's receipt: what it accepted is sent, what it refused is parked."""
    form = ReceiptForm()
    if form.validate_on_submit():
        try:
            _name, data = read_upload(
                form.file, bundle.RECEIPT_MAX_BYTES, N_("Chọn tệp biên nhận cổng trả về.")
            )
            applied = bundle.apply_receipt(actor(), data)
        except CounterError as err:
            flash(translated(err), "danger")
        else:
            if applied.already:
                flash(_("Biên nhận này đã được nạp trước đó; không có gì thay đổi."), "info")
            else:
                flash(
                    _(
                        "Đã nạp biên nhận: cổng nhận %(accepted)s mục, từ chối %(rejected)s mục.",
                        accepted=applied.accepted,
                        rejected=applied.rejected,
                    ),
                    "success" if not applied.rejected else "warning",
                )
    return redirect(url_for("sync.index"))


@bp.route("/chay", methods=["POST"])
@roles_required("leader")
def start() -> Any:
    """«Đồng bộ ngay»: start a sync in its own thread; the page polls its progress."""
    form = CounterForm()
    if form.validate_on_submit():
        if not sender.portal_settings().url:
            flash(_("Chưa cấu hình địa chỉ cổng dịch vụ công (COUNTER_PORTAL_URL)."), "danger")
        elif status.current_run() is not None:
            flash(_("Đang có một lần đồng bộ chạy; xem tiến độ bên dưới."), "info")
        else:
            status.sync_in_thread(current_app._get_current_object(), "page")  # type: ignore[attr-defined]
            flash(_("Đã bắt đầu đồng bộ."), "info")
    return redirect(url_for("sync.index"))


@bp.route("/lay-ho-so", methods=["POST"])
@roles_required("leader")
def pull_now() -> Any:
    """«Lấy hồ sơ nộp trực tuyến»: fetch the online submissions in a thread of its own."""
    form = CounterForm()
    if form.validate_on_submit():
        if not sender.portal_settings().url:
            flash(_("Chưa cấu hình địa chỉ cổng dịch vụ công (COUNTER_PORTAL_URL)."), "danger")
        else:
            status.sync_in_thread(current_app._get_current_object(), "page", push=False)  # type: ignore[attr-defined]
            flash(
                _(
                    "Đang lấy hồ sơ nộp trực tuyến từ cổng; tải lại trang sau ít giây để xem kết quả."
                ),
                "info",
            )
    return redirect(url_for("sync.index"))


@bp.route("/tien-do")
@roles_required("leader")
def progress() -> Any:
    """The progress bar's figures (polled every second or two; answers at once)."""
    return jsonify(status.progress())


@bp.route("/muc/<int:item_id>/gui-lai", methods=["POST"])
@roles_required("leader")
def requeue(item_id: int) -> Any:
    """Put a parked item back in the queue (after the data was fixed, or the portal was)."""
    form = CounterForm()
    if form.validate_on_submit():
        try:
            count = sender.requeue(actor(), item_id)
        except CounterError as err:
            flash(translated(err), "danger")
        else:
            flash(_("Đã đưa %(count)s mục trở lại hàng đợi.", count=count), "success")
    return redirect(url_for("sync.index"))


def _waiting_banner(facts: PageFacts) -> list[dict[str, str]]:
    """Red on every staff page while something has waited more than one working day."""
    try:
        overdue = status.waited_since_too_long(facts.oldest_pending_at)
    except Exception:  # a banner never breaks the page it sits on (the calendar read)
        db.session.rollback()
        return []
    if not overdue:
        return []
    leader = current_user.is_authenticated and current_user.has_role("leader")
    text = _("Có hồ sơ chờ đồng bộ lên cổng dịch vụ công của tỉnh quá một ngày làm việc.")
    return [
        {
            "level": "danger",
            "text": text if leader else text + " " + _("Hãy báo lãnh đạo hoặc quản trị viên."),
            "url": url_for("sync.index") if leader else "",
            "link": _("Mở trang đồng bộ"),
        }
    ]


BANNERS.append(_waiting_banner)
