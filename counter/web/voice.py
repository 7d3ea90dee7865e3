"""The board's voice: its clips served to the display (public, on the board's blueprint), and the admin page where the
office replaces a clip with its own recording or puts the shipped one back."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField

from counter.domain.errors import NotFound
from counter.domain.i18n import N_
from counter.domain.voice import CLIPS
from counter.services import voice as svc
from counter.web import PUBLIC_ENDPOINTS, actor, roles_required
from counter.web.admin import ADMIN_MENU
from counter.web.forms import CounterForm, run_form
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.imports import read_upload
from counter.web.kiosk import display_bp

bp = Blueprint("voice", __name__)
PUBLIC_ENDPOINTS.add("display.clip")
ADMIN_MENU.append(("voice.index", _l("Hàng đợi: âm thanh gọi số")))


class UploadForm(CounterForm):
    clip = SelectField(_l("Đoạn âm thanh"))
    file = FileField(_l("Tệp ghi âm (WAV, MP3 hoặc OGG)"))


class ResetForm(CounterForm):
    clip = HiddenField()


@display_bp.get("/am-thanh/<name>", endpoint="clip")
def clip(name: str) -> Any:
    """A clip for the board: the office's recording if it has one, else the shipped clip.

    Revalidated on each fetch (ETag): a replaced clip is heard at once; the board keeps
    the decoded sound in memory, so it speaks on even when it cannot reach the server.
    """
    try:
        path, kind = svc.clip_file(name)
    except NotFound:
        abort(404)
    # A clip is a few KB: read whole (no file left open by an unsent body), tagged by content.
    response = current_app.response_class(path.read_bytes(), mimetype=kind)
    response.add_etag()
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


def _choices(form: UploadForm) -> None:
    form.clip.choices = [(name, f"{name} — {text}") for name, text in CLIPS.items()]


@bp.route("/quay/quan-tri/am-thanh", methods=["GET", "POST"])
@roles_required("admin")
def index() -> Any:
    """Every clip, to listen to; upload a recording to replace one."""
    form = UploadForm()
    _choices(form)

    def upload() -> svc.Clip:
        try:
            filename, data = read_upload(
                form.file, svc.MAX_BYTES, N_("Chọn tệp ghi âm cần tải lên.")
            )
        finally:
            if hasattr(form.file.data, "close"):  # a large upload is a temporary file
                form.file.data.close()
        return svc.replace_clip(actor(), form.clip.data or "", data, filename)

    saved, status = run_form(form, upload)
    if saved is not None:
        flash(_("Đã thay đoạn «%(text)s» bằng bản ghi âm của đơn vị.", text=saved.text), "success")
        return redirect(url_for("voice.index"))
    return render_template(
        "queue/voice.html",
        form=form,
        reset=ResetForm(),
        clips=svc.list_clips(),
        max_kb=svc.MAX_BYTES // 1024,
    ), status


@bp.post("/quay/quan-tri/am-thanh/dung-lai")
@roles_required("admin")
def reset() -> Any:
    """Put the shipped clip back in place of the office's recording."""
    form = ResetForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        done = svc.reset_clip(actor(), form.clip.data or "")
    except NotFound:
        abort(404)
    flash(_("Đã dùng lại đoạn «%(text)s» có sẵn.", text=done.text), "success")
    return redirect(url_for("voice.index"))
