"""The queue's public pages: the kiosk that issues tickets and the display board (no sign-in).

The kiosk posts a form (CSRF checked) and is limited per address, like the public
look-up. The board polls a small JSON answer every second with its ETag; nothing
changed, the answer is an empty 304 (waitress has few threads: no long-held
connections). Neither page shows anything about a citizen but a ticket number.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.http import parse_etags, quote_etag
from wtforms import HiddenField

from counter.domain import clock
from counter.domain.errors import NotFound, ValidationError
from counter.domain.queue import PRIORITY_KINDS
from counter.services import queue as svc
from counter.services.printing import PrintFailed
from counter.web import CONTENT_SECURITY_POLICY, PUBLIC_ENDPOINTS, SECURITY_HEADERS
from counter.web.forms import CounterForm, refused_post
from counter.web.i18n import gettext as _
from counter.web.i18n import translated
from counter.web.inputs import to_id
from counter.web.public import rate_limited

bp = Blueprint("kiosk", __name__, url_prefix="/lay-so")
display_bp = Blueprint("display", __name__, url_prefix="/man-hinh")
PUBLIC_ENDPOINTS.update(
    {
        "kiosk.index",
        "kiosk.priority",
        "kiosk.take",
        "kiosk.ticket",
        "display.index",
        "display.state",
    }
)

#: Seconds the kiosk shows a ticket before it returns to the buttons.
TICKET_SECONDS = 20
#: Seconds the priority choice waits for a touch before it returns to the buttons.
CHOICE_SECONDS = 60
#: The buttons' page reloads itself this often: it opens at opening time by itself, and its
#: form token never grows old on a kiosk left on for days.
RELOAD_SECONDS = 300


class TakeForm(CounterForm):
    service = HiddenField()
    priority = HiddenField()  # the pressed button's value: "" or a priority kind


def _too_many() -> Any:
    """None when this address may take a ticket now, else the 429 answer."""
    limit = int(current_app.config.get("KIOSK_PER_MINUTE") or 20)
    return rate_limited("counter_kiosk_limit", limit, "queue/kiosk_busy.html")


def _closed_message() -> str | None:
    try:
        svc.check_open()
    except ValidationError as err:
        return translated(err)
    return None


@bp.get("/")
def index() -> Any:
    """Big buttons, one per service, each with a priority button (which asks who); closed:
    when it opens."""
    served = svc.served_service_ids()
    return render_template(
        "queue/kiosk.html",
        services=[s for s in svc.list_services(active_only=True) if s.id in served],
        closed=_closed_message(),
        form=TakeForm(),
        priority_groups=[_(label) for label in PRIORITY_KINDS.values()],
        reload_seconds=RELOAD_SECONDS,
    )


@bp.get("/uu-tien/<int:service_id>")
def priority(service_id: int) -> Any:
    """The priority button's next screen: who is served first, one big button each."""
    try:
        service = svc.get_service(service_id)
    except NotFound:
        abort(404)
    if not service.active:
        abort(404)
    if service.id not in svc.served_service_ids():  # an old page: its counter was changed
        flash(_(svc.NOT_SERVED), "danger")
        return redirect(url_for("kiosk.index"))
    closed = _closed_message()
    if closed:
        flash(closed, "danger")
        return redirect(url_for("kiosk.index"))
    return render_template(
        "queue/kiosk_priority.html",
        service=service,
        kinds=[(key, _(label)) for key, label in PRIORITY_KINDS.items()],
        form=TakeForm(),
        seconds=CHOICE_SECONDS,
    )


@bp.post("/")
def take() -> Any:
    """Issue a ticket of the pressed service; print it on the kiosk's printer if it has one."""
    refused = _too_many()
    if refused:
        return refused
    if refused_post(TakeForm) is not None:
        abort(400)
    service_id = to_id(str(request.form.get("service") or ""))
    if service_id is None:
        abort(404)
    try:
        ticket = svc.issue_ticket(service_id, str(request.form.get("priority") or ""))
    except ValidationError as err:
        flash(translated(err), "danger")
        return redirect(url_for("kiosk.index"))
    try:
        svc.print_ticket(ticket)
    except PrintFailed:
        flash(
            _("Máy in phiếu đang gặp sự cố; vui lòng ghi nhớ số thứ tự trên màn hình."), "warning"
        )
    return redirect(url_for("kiosk.ticket", ticket_id=ticket.id))


def _priority_text(priority: bool, kind: str) -> str:
    """The priority line of the ticket, in the screen's language."""
    if not priority:
        return ""
    if kind in PRIORITY_KINDS:
        return _("Ưu tiên: %(who)s", who=_(PRIORITY_KINDS[kind]))
    return _("Ưu tiên")


@bp.get("/so/<int:ticket_id>")
def ticket(ticket_id: int) -> Any:
    """The ticket just taken: number, service, time, how many wait ahead, the estimated wait."""
    try:
        taken = svc.get_ticket(ticket_id)
    except NotFound:
        abort(404)
    if taken.day != clock.today():  # yesterday's tickets are nobody's business
        abort(404)
    return render_template(
        "queue/kiosk_ticket.html",
        ticket=taken,
        place=svc.place_of(taken),
        priority=_priority_text(taken.priority, taken.priority_kind),
        seconds=TICKET_SECONDS,
    )


@display_bp.get("/", endpoint="index")
def board() -> Any:
    """The board for the TV: each counter's number, the last calls, the waiting, the clock."""
    return render_template("queue/display.html", board=_board(), zone=clock.ZONE_NAME)


def _board() -> dict[str, Any]:
    """The board's data, its closed notice in the reader's language."""
    data = svc.board()
    data["closed"] = translated(data["closed"]) if data["closed"] is not None else ""
    return data


class UnchangedBoard:
    """WSGI: a display board's poll whose tag is still the board's, answered with its empty
    304 before Flask makes a request of it.

    Twenty boards poll every second, and between calls every answer is this 304: through
    Flask (the request, the session, the sign-in check, the headers) it cost 0.9 ms of
    CPU, here 0.4 (bench/bench_queue.py, in-process). Only a poll without cookies is answered here (a TV shows nothing else);
    one with cookies, or whose tag is old, goes on to :func:`state`, which answers the
    same way. The headers are the ones :func:`state` and the app's after-request give a 304.
    """

    def __init__(self, app: Flask, wrapped: Any) -> None:
        self.app, self.wrapped = app, wrapped
        self.path = next(rule.rule for rule in app.url_map.iter_rules("display.state"))
        # What Flask adds: the app's headers (a 304's type is text/html: the HTML policy
        # too) and Vary, as the sign-in check reads the session.
        self.headers = [
            *_UNCHANGED_HEADERS,
            *SECURITY_HEADERS,
            ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            ("Vary", "Cookie"),
        ]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Answer 304 here, or pass the request on."""
        wanted = environ.get("HTTP_IF_NONE_MATCH")
        if (
            wanted
            and environ.get("PATH_INFO") == self.path
            and environ.get("REQUEST_METHOD") == "GET"
            and not environ.get("HTTP_COOKIE")
        ):
            try:
                with self.app.app_context():
                    tag = svc.board_tag()
            except Exception:  # the database away: the view answers, as it always did
                return self.wrapped(environ, start_response)
            if tag in parse_etags(wanted):
                start_response("304 NOT MODIFIED", [("ETag", quote_etag(tag)), *self.headers])
                return []
        return self.wrapped(environ, start_response)


#: The board's own headers on every answer of :func:`state`.
_UNCHANGED_HEADERS = (("Cache-Control", "no-cache"),)


@display_bp.get("/trang-thai")
def state() -> Any:
    """The board's data as JSON, with an ETag: unchanged since the last poll, a 304
    (most such polls are answered before Flask: :class:`UnchangedBoard`)."""
    tag = svc.board_tag()
    if tag in request.if_none_match:
        response = current_app.response_class(status=304)
    else:
        # Twenty boards ask after each change: the answer is made once per state.
        cached = current_app.extensions.get("counter_board_answer")
        if cached is None or cached[0] != tag:
            cached = (tag, jsonify(_board()).get_data())
            current_app.extensions["counter_board_answer"] = cached
        response = current_app.response_class(cached[1], mimetype="application/json")
    response.set_etag(tag)
    response.headers.update(_UNCHANGED_HEADERS)
    return response
