"""Satisfaction (issue 14): the public tablet beside the counter, and the officer's entry.

The tablet's page lives under the display's blueprint (``/man-hinh/danh-gia/?quay=N``):
a public screen of the office, like the queue board. It names nobody: three big
buttons when a result has just been handed back at that counter, a thank-you
otherwise; it reloads itself (a meta refresh, no script).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from counter.domain.errors import CounterError
from counter.domain.satisfaction import REASON_MAX, Level
from counter.services import satisfaction as svc
from counter.web import PUBLIC_ENDPOINTS, actor, staff_required
from counter.web.forms import CounterForm
from counter.web.i18n import gettext as _
from counter.web.i18n import translated
from counter.web.inputs import arg_int
from counter.web.kiosk import display_bp

tablet_bp = Blueprint("rating", __name__, url_prefix="/danh-gia")
display_bp.register_blueprint(tablet_bp)
PUBLIC_ENDPOINTS.add("display.rating.tablet")

bp = Blueprint("satisfaction", __name__, url_prefix="/ho-so")

#: Seconds between the tablet's reloads while nothing waits for a rating, and while it asks.
IDLE_RELOAD = 5
ASKING_RELOAD = 120
#: Seconds the thank-you stays before the tablet returns to waiting.
THANKS_SECONDS = 6


@tablet_bp.route("/", methods=["GET", "POST"])
def tablet() -> Any:
    """The tablet beside counter ``?quay=N``: one tap rates the result just handed back there."""
    number = arg_int("quay", high=999)
    if number is None:
        return render_template("satisfaction/tablet.html", number=None, thanks=False, ref="")
    form = CounterForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return redirect(url_for(".tablet", quay=number))
        try:
            svc.rate_at_counter(
                number,
                (request.form.get("ref") or "")[:40],
                request.form.get("level") or "",
                request.form.get("reason") or "",
            )
        except CounterError as err:
            flash(translated(err), "info")
            return redirect(url_for(".tablet", quay=number))
        return render_template(
            "satisfaction/tablet.html", number=number, thanks=True, reload=THANKS_SECONDS
        )
    event = svc.awaiting_at_counter(number)
    return render_template(
        "satisfaction/tablet.html",
        number=number,
        thanks=False,
        ref=event.uid if event is not None else "",
        levels=[(lv.value, _(lv.label)) for lv in Level],
        reason_max=REASON_MAX,
        form=form,
        reload=ASKING_RELOAD if event is not None else IDLE_RELOAD,
    )


@bp.route("/<int:dossier_id>/danh-gia", methods=["POST"])
@staff_required
def enter(dossier_id: int) -> Any:
    """An officer records the citizen's rating on the dossier page."""
    form = CounterForm()
    if form.validate_on_submit():
        try:
            svc.rate_by_officer(
                actor(),
                dossier_id,
                request.form.get("level") or "",
                request.form.get("reason") or "",
            )
        except CounterError as err:
            flash(translated(err), "danger")
        else:
            flash(_("Đã ghi đánh giá của công dân."), "success")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id) + "#danh-gia")
