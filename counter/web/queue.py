"""The queue at the counter (reception officers) and its settings (admins).

The kiosk and the display board, public pages, are in :mod:`counter.web.kiosk`.
"""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from counter.domain import clock
from counter.domain.dates import read_day
from counter.domain.errors import ValidationError
from counter.domain.i18n import N_
from counter.domain.queue import PRIORITY_KINDS, TicketStatus
from counter.models import QueueCounter, QueueService
from counter.services import queue as svc
from counter.services import queue_stats
from counter.services.queue_stats import duration
from counter.web import NAV_EXTRA, NavItem, actor, idle_limit, roles_required
from counter.web.admin import ADMIN_MENU
from counter.web.forms import (
    CounterForm,
    flash_errors,
    max_length,
    maxlength,
    refused_post,
    run_form,
)
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.i18n import translated
from counter.web.inputs import to_id

bp = Blueprint("queue", __name__, url_prefix="/quay")

NAV_EXTRA.append(NavItem("queue.index", _l("Quầy"), ("reception",), "y"))
ADMIN_MENU.append(("queue.services", _l("Hàng đợi: dịch vụ")))
ADMIN_MENU.append(("queue.counters", _l("Hàng đợi: quầy")))
ADMIN_MENU.append(("queue.stats", _l("Hàng đợi: thống kê")))
NAV_EXTRA.append(NavItem("queue.stats", _l("Thống kê quầy"), ("leader",)))

#: How a ticket left the counter, in its list of today's.
SETTLED_LABELS = {
    "finish": _l("Đã xong"),
    "no_show": _l("Vắng mặt"),
    "transfer": _l("Đã chuyển đi"),
}

#: The counter page's ticket buttons: address segment → service call.
TICKET_ACTIONS = {
    "goi-lai": svc.recall,
    "bat-dau": svc.start,
    "xong": svc.finish,
    "vang-mat": svc.no_show,
}


class ChecksField(SelectMultipleField):
    """Tick any number of boxes; unknown values are refused by the service."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validate_choice=False, **kwargs)


class ServiceForm(CounterForm):
    name = StringField(
        _l("Tên dịch vụ"), validators=[DataRequired(), max_length(QueueService.name)]
    )
    letter = StringField(
        _l("Chữ cái của số thứ tự"), validators=[DataRequired()], render_kw={"maxlength": 1}
    )
    fields = TextAreaField(
        _l("Lĩnh vực thuộc dịch vụ (mỗi dòng một lĩnh vực)"),
        render_kw=maxlength(QueueService.fields),
    )
    default_minutes = StringField(
        _l("Số phút phục vụ một người (ước tính khi chưa có số liệu trong ngày)"),
        default="10",
        render_kw={"maxlength": 3, "inputmode": "numeric"},
    )
    position = StringField(
        _l("Thứ tự trên màn hình lấy số"),
        default="0",
        render_kw={"maxlength": 3, "inputmode": "numeric"},
    )
    active = BooleanField(_l("Đang dùng"), default=True)


class CounterSettingsForm(CounterForm):
    number = StringField(
        _l("Số quầy"),
        validators=[DataRequired()],
        render_kw={"maxlength": 2, "inputmode": "numeric"},
    )
    name = StringField(_l("Tên quầy"), validators=[max_length(QueueCounter.name)])
    services = ChecksField(_l("Dịch vụ quầy phục vụ"))
    active = BooleanField(_l("Đang dùng"), default=True)


class TransferForm(CounterForm):
    target = SelectField(_l("Chuyển đến"), validate_choice=False)


def _ids(values: list[Any] | None) -> list[int]:
    return [n for n in (to_id(str(v)) for v in values or []) if n is not None]


# -- the counter ---------------------------------------------------------------------


@bp.get("/")
@roles_required("reception")
def index() -> Any:
    """The counters: open one, or go to the one you hold."""
    mine = svc.counter_of(actor())
    if mine is not None:
        return redirect(url_for("queue.counter", counter_id=mine.id))
    return render_template(
        "queue/index.html",
        counters=svc.list_counters(active_only=True),
        officer_name=svc.officer_name,
        action_form=CounterForm(),
    )


def _transfer_choices(form: TransferForm, counter: QueueCounter) -> None:
    # From the setup each process keeps: the page loads after every button.
    served = svc.served_service_ids()
    held = svc.open_counter_ids()  # a closed counter is refused: the list says so first
    form.target.choices = [
        SelectChoice("", _("— Chọn dịch vụ hoặc quầy —")),
        *(
            SelectChoice(
                f"s{s.id}", _("Dịch vụ %(letter)s: %(name)s", letter=s.letter, name=s.name)
            )
            for s in svc.service_infos().values()
            if s.active and s.id in served
        ),
        *(
            SelectChoice(
                f"c{c.id}",
                _("Quầy số %(number)s", number=c.number)
                if c.id in held
                else _("Quầy số %(number)s (đang đóng)", number=c.number),
            )
            for c in svc.counter_infos().values()
            if c.active and c.id != counter.id
        ),
    ]


@bp.get("/<int:counter_id>")
@roles_required("reception")
def counter(counter_id: int) -> Any:
    """One counter's page: the ticket at it, the buttons, who waits next."""
    here = svc.get_counter(counter_id)
    current = svc.current_ticket(here.id)
    transfer_form = TransferForm()
    _transfer_choices(transfer_form, here)
    return render_template(
        "queue/counter.html",
        mine=here.officer_id == actor().user_id,
        current=current,
        officer_name=svc.officer_name,
        action_form=CounterForm(),
        transfer_form=transfer_form,
        idle_seconds=int(idle_limit().total_seconds()),
        **_lists(here),
    )


def _lists(here: QueueCounter) -> dict[str, Any]:
    """What the counter page's lists show: who waits next, the counts, who was served."""
    waiting = svc.waiting_counts_for(here)
    mine = {s.id for s in here.services}
    sent_here = [  # tickets of other services sent to this counter
        (info, waiting[info.id])
        for info in svc.service_infos().values()
        if info.id in waiting and info.id not in mine
    ]
    return {
        "counter": here,
        "waiting_list": svc.waiting_list(here),
        "settled_labels": SETTLED_LABELS,
        "waiting": [(s, waiting.get(s.id, 0)) for s in here.services] + sent_here,
        "served": svc.served_today(here.id),
        "status_label": lambda s: _(TicketStatus(s).label),
        "priority_label": lambda k: _(PRIORITY_KINDS[k]) if k in PRIORITY_KINDS else _("Ưu tiên"),
    }


@bp.get("/<int:counter_id>/danh-sach")
@roles_required("reception")
def lists(counter_id: int) -> Any:
    """The counter page's lists alone, polled by the page with the board's ETag: an empty
    304 until a ticket or a counter changes (no long-held connections). The counter is
    loaded only to make the lists: an unchanged poll costs no query."""
    tag = f"{svc.counter_info(counter_id).id}-{svc.board_tag()}"
    if tag in request.if_none_match:
        response = current_app.response_class(status=304)
    else:
        here = svc.get_counter(counter_id)
        response = current_app.response_class(
            render_template("queue/_counter_lists.html", **_lists(here)), mimetype="text/html"
        )
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _post(call: Any, success: Any = None) -> Any:
    """Run a counter button's service call (CSRF checked); its refusal as a flash."""
    refused = refused_post(CounterForm)
    if refused is not None:
        flash_errors(refused)
        return None
    try:
        result = call()
    except svc.QueueRefusals as err:
        flash(translated(err), "danger")
        return None
    if success is not None:
        flash(success(result), "success" if result is not None else "info")
    return result


@bp.post("/<int:counter_id>/mo")
@roles_required("reception")
def open_counter(counter_id: int) -> Any:
    """Open the counter for this session."""
    opened = _post(
        lambda: svc.open_counter(actor(), counter_id),
        lambda c: _("Đã mở quầy số %(number)s.", number=c.number),
    )
    return redirect(
        url_for("queue.counter", counter_id=counter_id) if opened else url_for("queue.index")
    )


@bp.post("/<int:counter_id>/dong")
@roles_required("reception")
def close_counter(counter_id: int) -> Any:
    """Close the counter: the officer at its end, or an admin a counter left open (whose
    ticket the service settles: the message says how), back to the admin's counters page."""
    me = actor()
    closed = _post(lambda: svc.close(me, counter_id), _closed_message)
    if closed and me.is_admin and "reception" not in me.roles:
        return redirect(url_for("queue.counters"))
    return redirect(
        url_for("queue.index") if closed else url_for("queue.counter", counter_id=counter_id)
    )


#: What became of the ticket an admin's close settled (:class:`svc.Closed`).
RELEASED = {
    "requeued": N_("Số %(code)s (đã gọi, chưa đến quầy) trở lại hàng chờ ở vị trí cũ."),
    "finished": N_("Số %(code)s đang được phục vụ: đã ghi là xong."),
}


def _closed_message(closed: svc.Closed) -> str:
    done = _("Đã đóng quầy số %(number)s.", number=closed.counter.number)
    if closed.released is None or closed.outcome not in RELEASED:
        return done
    return f"{done} {_(RELEASED[closed.outcome], code=closed.released)}"


#: What :func:`call_next` gets from the service when nobody waits (None: refused).
_NOBODY = object()


@bp.post("/<int:counter_id>/goi")
@roles_required("reception")
def call_next(counter_id: int) -> Any:
    """Call the next ticket (priority first, then the oldest).

    The called ticket is the one the counter page shows («Mời số …»): only «nobody
    waits» is a message (a flash changes the session, and its cookie is signed again)."""
    called = _post(lambda: svc.call_next(actor(), counter_id) or _NOBODY)
    if called is _NOBODY:
        flash(_("Không còn ai đang chờ."), "info")
    return redirect(url_for("queue.counter", counter_id=counter_id))


@bp.post("/so/<int:ticket_id>/<action>")
@roles_required("reception")
def ticket_action(ticket_id: int, action: str) -> Any:
    """Recall, start, finish or mark absent the ticket at your counter."""
    call = TICKET_ACTIONS.get(action)
    if call is None:
        abort(404)
    ticket = svc.get_ticket(ticket_id)
    back = ticket.counter_id
    _post(lambda: call(actor(), ticket_id))
    return redirect(url_for("queue.counter", counter_id=back) if back else url_for("queue.index"))


@bp.post("/so/<int:ticket_id>/chuyen")
@roles_required("reception")
def transfer(ticket_id: int) -> Any:
    """Send the ticket to another service or counter, keeping its place."""
    ticket = svc.get_ticket(ticket_id)
    back = ticket.counter_id
    form = TransferForm()
    target = form.target.data or ""
    kind, number = target[:1], to_id(target[1:])
    if not form.validate_on_submit():
        flash_errors(form)
    elif kind not in ("s", "c") or number is None:
        flash(_("Hãy chọn một dịch vụ hoặc một quầy để chuyển đến."), "danger")
    else:
        where = {"service_id": number} if kind == "s" else {"counter_id": number}
        try:
            moved = svc.transfer(actor(), ticket_id, **where)
        except svc.QueueRefusals as err:
            flash(translated(err), "danger")
        else:
            flash(_("Đã chuyển số %(code)s.", code=moved.code), "success")
    return redirect(url_for("queue.counter", counter_id=back) if back else url_for("queue.index"))


# -- statistics ----------------------------------------------------------------------


def _stats_range(today: date) -> tuple[dict[str, str], dict[str, str], date, date]:
    """The page's range from ``?tu=&den=`` (default: today), with a message per bad field."""
    values = {key: (request.args.get(key) or "").strip()[:20] for key in ("tu", "den")}
    errors: dict[str, str] = {}
    days = {"tu": today, "den": today}
    for key, what in (("tu", N_("Từ ngày")), ("den", N_("Đến ngày"))):
        try:
            days[key] = read_day(values[key], field=key, what=what) or days[key]
        except ValidationError as err:
            errors[key] = translated(err)
        values[key] = values[key] or f"{days[key]:%d/%m/%Y}"
    if not errors:
        try:
            queue_stats.check_range(days["tu"], days["den"])
        except ValidationError as err:
            errors["den"] = translated(err)
    return values, errors, days["tu"], days["den"]


@bp.get("/thong-ke")
@roles_required("leader")
def stats() -> Any:
    """Statistics for leaders: tickets, waiting and service times, the busiest hours."""
    today = clock.today()
    values, errors, first, last = _stats_range(today)
    data = None if errors else queue_stats.queue_stats(first, last)
    return _stats_page(today, data, values, errors)


@bp.get("/thong-ke.csv")
@roles_required("leader")
def stats_csv() -> Any:
    """The statistics' tables as a CSV file (a bad range: the page, saying why)."""
    today = clock.today()
    values, errors, first, last = _stats_range(today)
    if errors:
        return _stats_page(today, None, values, errors)
    return send_file(
        BytesIO(queue_stats.to_csv(queue_stats.queue_stats(first, last))),
        mimetype="text/csv",  # Flask adds the charset of a text type
        as_attachment=True,
        download_name=f"thong-ke-hang-doi-{first:%Y%m%d}-{last:%Y%m%d}.csv",
    )


def _stats_page(today: Any, data: Any, values: Any, errors: dict[str, str]) -> Any:
    monday = today - timedelta(days=today.weekday())
    return render_template(
        "queue/stats.html",
        stats=data,
        values=values,
        errors=errors,
        duration=duration,
        quick=[
            (_("Hôm nay"), today, today),
            (_("Hôm qua"), today - timedelta(days=1), today - timedelta(days=1)),
            (_("Tuần này"), monday, today),
            (_("Tháng này"), today.replace(day=1), today),
        ],
    ), (422 if errors else 200)


# -- administration ------------------------------------------------------------------


@bp.route("/quan-tri/dich-vu", methods=["GET", "POST"])
@roles_required("admin")
def services() -> Any:
    """The queue services: add one."""
    return _service_page(None)


@bp.route("/quan-tri/dich-vu/<int:service_id>", methods=["GET", "POST"])
@roles_required("admin")
def service_edit(service_id: int) -> Any:
    """Edit a queue service."""
    return _service_page(service_id)


def _service_page(service_id: int | None) -> Any:
    service = svc.get_service(service_id) if service_id else None
    form = ServiceForm(obj=service)
    if service is not None and not form.is_submitted():
        form.default_minutes.data = str(service.default_minutes)
        form.position.data = str(service.position)
    elif not form.is_submitted():  # a new service: after the others on the kiosk
        form.position.data = str(svc.next_service_position())
    saved, status = run_form(
        form,
        lambda: svc.save_service(
            actor(),
            service_id,
            name=form.name.data or "",
            letter=form.letter.data or "",
            fields=form.fields.data or "",
            default_minutes=form.default_minutes.data or "",
            position=form.position.data or "",
            active=bool(form.active.data),
        ),
    )
    if saved is not None:
        flash(_("Đã lưu dịch vụ %(name)s.", name=saved.name), "success")
        return redirect(url_for("queue.services"))
    return render_template(
        "queue/services.html",
        form=form,
        service=service,
        services=svc.list_services(),
        served=svc.served_service_ids(),
    ), status


@bp.route("/quan-tri/quay", methods=["GET", "POST"])
@roles_required("admin")
def counters() -> Any:
    """The counters: add one, close one left open."""
    return _counter_page(None)


@bp.route("/quan-tri/quay/<int:counter_id>", methods=["GET", "POST"])
@roles_required("admin")
def counter_edit(counter_id: int) -> Any:
    """Edit a counter and the services it serves."""
    return _counter_page(counter_id)


def _counter_page(counter_id: int | None) -> Any:
    here = svc.get_counter(counter_id) if counter_id else None
    form = CounterSettingsForm(obj=here)
    all_services = svc.list_services()
    form.services.choices = [
        SelectChoice(str(s.id), f"{s.letter} — {s.name}") for s in all_services
    ]
    if not form.is_submitted():
        form.number.data = str(here.number) if here else ""
        form.services.data = [str(s.id) for s in here.services] if here else []
    saved, status = run_form(
        form,
        lambda: svc.save_counter(
            actor(),
            counter_id,
            number=form.number.data or "",
            name=form.name.data or "",
            service_ids=_ids(form.services.data),
            active=bool(form.active.data),
        ),
    )
    if saved is not None:
        flash(_("Đã lưu quầy số %(number)s.", number=saved.number), "success")
        return redirect(url_for("queue.counters"))
    return render_template(
        "queue/counters.html",
        form=form,
        counter=here,
        counters=svc.list_counters(),
        officer_name=svc.officer_name,
        action_form=CounterForm(),
    ), status
