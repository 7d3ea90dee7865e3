"""Dossiers: worklist, search, dossier page, lifecycle actions (issue 4).

Search decision: the search form is POSTed (with CSRF) and answered with a
redirect to a GET results page, so Back and reload never ask to resend a form.
A code or a name goes in that page's address (``?q=``); a query holding a
citizen ID or phone number (nine digits or more) is kept on the server and the
address carries a random token instead (``?k=``, see counter.web.stash), so the
number never appears in a URL, the server's access log, the browser history or
the session cookie.
"""

from __future__ import annotations

import re
from datetime import time
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
from flask_login import current_user
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from counter.domain import clock, dates
from counter.domain.due import Timeliness
from counter.domain.errors import NotFound, ValidationError
from counter.domain.events import DelayProposed
from counter.domain.i18n import N_
from counter.domain.lifecycle import ACTION_FORM, Action, Inputs, Status, step_label
from counter.domain.satisfaction import Level
from counter.models import Dossier, DossierEvent
from counter.portal import pull
from counter.services import catalog as catalog_service
from counter.services import dossiers as svc
from counter.services import queue as queue_service
from counter.services import satisfaction as satisfaction_service
from counter.web import NAV_EXTRA, NavItem, actor, staff_required
from counter.web.forms import CounterForm, form_messages, max_length, run_form
from counter.web.i18n import fmt_date, translated
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.inputs import arg_int, arg_page, to_id
from counter.web.reception import after_receive
from counter.web.stash import stash

bp = Blueprint("dossiers", __name__, url_prefix="/ho-so")

NAV_EXTRA.append(NavItem("dossiers.index", _l("Hồ sơ"), ("reception", "specialist", "leader"), "s"))

TAB_LABELS = {
    "online": _l("Nộp trực tuyến — chờ tiếp nhận"),
    "mine": _l("Của tôi"),
    "today": _l("Đến hạn hôm nay"),
    "soon": _l("Đến hạn trong 2 ngày làm việc"),
    "overdue": _l("Quá hạn"),
    "ready": _l("Chờ trả kết quả"),
    "open": _l("Chưa hoàn thành"),
    "all": _l("Tất cả"),
}

#: Printable forms that may apply to one dossier, and when.
PRINT_FORMS = ("01", "02", "03", "04", "05", "06")


# -- forms -------------------------------------------------------------------------


_NOTE = max_length(DossierEvent.note)
_UNIT = max_length(Dossier.processing_unit)


class _ActionForm(CounterForm):
    """An action's form; CSRF is checked for every POST by the app-wide CSRFProtect."""

    class Meta:
        csrf = False

    version = HiddenField()


class NoteForm(_ActionForm):
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), _NOTE])


class ReasonForm(_ActionForm):
    reason = TextAreaField(_l("Lý do"), validators=[Optional(), _NOTE])


def _user_id(value: Any) -> int:
    """The chosen officer's id (0 for nobody); a number no id can be does not coerce."""
    number = to_id(str(value), low=0)
    if number is None:
        raise ValueError(value)
    return number


class HandOverForm(_ActionForm):
    from_unit = StringField(_l("Từ đơn vị"), validators=[Optional(), _UNIT])
    to_unit = StringField(_l("Chuyển đến đơn vị"), validators=[Optional(), _UNIT])
    assign_to_id = SelectField(_l("Giao cho"), coerce=_user_id, validate_choice=False)
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), _NOTE])


class SupplementForm(_ActionForm):
    items = TextAreaField(
        _l("Nội dung cần bổ sung, hoàn thiện (mỗi dòng một nội dung)"),
        validators=[Optional(), Length(max=svc.SUPPLEMENT_ITEMS_MAX)],
    )
    note = TextAreaField(_l("Lý do"), validators=[Optional(), _NOTE])


class DelayForm(_ActionForm):
    new_due = StringField(
        _l("Ngày hẹn trả mới"), validators=[Optional()], render_kw={"type": "date"}
    )
    new_time = StringField(
        _l("Giờ hẹn trả mới"), validators=[Optional()], render_kw={"type": "time"}
    )
    reason = TextAreaField(_l("Lý do chậm trả kết quả"), validators=[Optional(), _NOTE])


class ReturnForm(_ActionForm):
    collected_by = StringField(
        _l("Người nhận kết quả"), validators=[Optional(), max_length(Dossier.collected_by)]
    )
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), _NOTE])


#: The form of each kind of inputs an action declares (counter.domain.lifecycle.ActionSpec).
INPUT_FORMS: dict[Inputs, type[_ActionForm]] = {
    Inputs.NOTE: NoteForm,
    Inputs.REASON: ReasonForm,
    Inputs.HAND_OVER: HandOverForm,
    Inputs.SUPPLEMENT: SupplementForm,
    Inputs.NEW_DUE: DelayForm,
    Inputs.COLLECTED_BY: ReturnForm,
}


def _make_form(action: Action, dossier: Dossier, *, submitted: bool) -> _ActionForm:
    """The small form of one action; ``submitted`` binds it to the request's data."""
    cls = INPUT_FORMS[action.spec.inputs]
    form = cls(prefix=action.value) if submitted else cls(prefix=action.value, formdata=None)
    if not submitted:
        form.version.data = str(dossier.version)
    if isinstance(form, HandOverForm):
        form.assign_to_id.choices = [(0, _("— Không giao cho người cụ thể —"))] + [
            (u.id, f"{u.full_name} ({u.title})" if u.title else u.full_name)
            for u in svc.assignable_users()
        ]
        if not submitted:
            form.from_unit.data = svc.current_unit(dossier)
            form.to_unit.data = svc.next_unit(dossier)
            form.assign_to_id.data = dossier.assigned_to_id or 0
    if isinstance(form, DelayForm) and not submitted:
        proposal = svc.latest_proposal(dossier)
        payload = proposal.payload if proposal is not None else None
        if action is Action.DELAY and isinstance(payload, DelayProposed):
            if payload.proposed_due is not None:
                local = clock.local_naive(payload.proposed_due)
                form.new_due.data = local.date().isoformat()
                form.new_time.data = local.strftime("%H:%M")
            form.reason.data = payload.reason
    if isinstance(form, ReturnForm) and not submitted:
        form.collected_by.data = dossier.applicant_name
    return form


def _parse_new_due(form: DelayForm) -> Any:
    raw_day = (form.new_due.data or "").strip()
    raw_time = (form.new_time.data or "").strip()
    if not raw_day:
        return None
    try:
        day = dates.parse_day(raw_day)
    except dates.DayOutOfRange:
        raise dates.out_of_range(raw_day, "new_due") from None
    except ValueError:
        raise ValidationError(
            N_("Ngày hẹn trả mới không hợp lệ; nhập theo dạng ngày/tháng/năm."),
            field="new_due",
        ) from None
    at = None
    if raw_time:
        try:
            at = time.fromisoformat(raw_time)
        except ValueError:
            raise ValidationError(
                N_("Giờ hẹn trả mới không hợp lệ; nhập theo dạng giờ:phút, ví dụ 16:30."),
                field="new_time",
            ) from None
    return svc.local_due(day, at)


def _call_service(action: Action, dossier_id: int, form: _ActionForm) -> svc.Outcome:
    """Form values → the action's service function."""
    try:
        version: int | None = int(form.version.data or "")
    except ValueError:
        version = None
    kwargs: dict[str, Any] = {"version": version}
    if isinstance(form, NoteForm):
        kwargs["note"] = form.note.data or ""
    elif isinstance(form, ReasonForm):
        kwargs["reason"] = form.reason.data or ""
    elif isinstance(form, HandOverForm):
        kwargs.update(
            to_unit=form.to_unit.data or "",
            from_unit=form.from_unit.data or "",
            assign_to_id=form.assign_to_id.data or None,
            note=form.note.data or "",
        )
    elif isinstance(form, SupplementForm):
        kwargs.update(items=form.items.data or "", note=form.note.data or "")
    elif isinstance(form, DelayForm):
        kwargs.update(new_due=_parse_new_due(form), reason=form.reason.data or "")
    elif isinstance(form, ReturnForm):
        kwargs.update(collected_by=form.collected_by.data or "", note=form.note.data or "")
    return svc.ACTION_FUNCTIONS[action](actor(), dossier_id, **kwargs)


# -- pages -------------------------------------------------------------------------


def _filter_choices() -> dict[str, Any]:
    return {
        "status_choices": [(s.value, _(s.label)) for s in Status],
        "status_labels": {s.value: _(s.label) for s in Status},
        "field_choices": catalog_service.list_fields(),
        "officer_choices": svc.staff_choices(),
        "tab_labels": TAB_LABELS,
        "timeliness_labels": {t.value: _(t.label) for t in Timeliness},
        "search_max": svc.SEARCH_MAX_LENGTH,
    }


def _day_arg(name: str) -> Any:
    try:
        return dates.parse_day(request.args.get(name, "")[:10])
    except ValueError:
        return None


def _report_filters() -> dict[str, Any]:
    """The filters a report's number links with (wrong values are ignored, as other filters)."""
    channel = request.args.get("channel", "")
    during = request.args.get("during", "")
    timeliness = request.args.get("timeliness", "")
    return {
        "procedure_id": arg_int("procedure"),
        "channel": channel if channel in ("counter", "online", "post") else "",
        "pending": request.args.get("pending") == "1",
        "during": during if during in svc.DURING else "",
        "from_date": _day_arg("from"),
        "to_date": _day_arg("to"),
        "timeliness": timeliness if timeliness in ("early", "on_time", "late", "in_time") else "",
    }


_DURING_LABELS = {
    "received": _l("tiếp nhận"),
    "resolved": _l("giải quyết xong"),
    "refused": _l("từ chối tiếp nhận"),
    "ended": _l("rút hồ sơ hoặc dừng giải quyết"),
    "supplement": _l("trả lại để bổ sung"),
}
_TIMELINESS_FILTER = {
    "early": _l("trước hạn"),
    "on_time": _l("đúng hạn"),
    "late": _l("quá hạn"),
    "in_time": _l("trước hạn hoặc đúng hạn"),
}
_CHANNEL_FILTER = {"counter": _l("trực tiếp"), "online": _l("trực tuyến"), "post": _l("bưu chính")}


def _report_filter_text(filters: svc.Filters) -> str:
    """The report filters in words, so that a number opened from a report can be checked."""
    parts = []
    if filters.during:
        parts.append(
            _(
                "%(step)s từ %(start)s đến %(end)s",
                step=_DURING_LABELS[filters.during],
                start=fmt_date(filters.from_date) if filters.from_date else "…",
                end=fmt_date(filters.to_date) if filters.to_date else "…",
            )
        )
    if filters.timeliness:
        parts.append(str(_TIMELINESS_FILTER[filters.timeliness]))
    if filters.channel:
        parts.append(_("kênh %(channel)s", channel=_CHANNEL_FILTER[filters.channel]))
    if filters.pending:
        parts.append(_("đang giải quyết"))
    if filters.procedure_id:
        try:
            parts.append(catalog_service.get_procedure(filters.procedure_id).name)
        except NotFound:
            parts.append(str(filters.procedure_id))
    return "; ".join(parts)


@bp.route("/")
@staff_required
def index() -> Any:
    """The worklist: tabs by due date, filters, sorted by due date, paged."""
    tab = request.args.get("tab", "open")
    if tab not in (svc.ONLINE, *svc.TABS):
        tab = "open"
    status = request.args.get("status", "")
    if status not in {s.value for s in Status}:
        status = ""
    me = actor()
    filters = svc.Filters(
        status=status,
        field_code=request.args.get("field", "")[:32],
        officer_id=arg_int("officer"),
        mine_of=me.user_id if request.args.get("mine") == "1" else None,
        **_report_filters(),
    )
    result = svc.worklist(me, tab=tab, filters=filters, page=arg_page())
    args = {
        k: v
        for k, v in {
            "status": filters.status,
            "field": filters.field_code,
            "officer": filters.officer_id,
            "mine": 1 if filters.mine_of else None,
            "procedure": filters.procedure_id,
            "channel": filters.channel,
            "pending": 1 if filters.pending else None,
            "during": filters.during,
            "from": filters.from_date.isoformat() if filters.from_date else None,
            "to": filters.to_date.isoformat() if filters.to_date else None,
            "timeliness": filters.timeliness,
        }.items()
        if v
    }
    return render_template(
        "dossiers/index.html",
        result=result,
        tab=tab,
        filters=filters,
        args=args,
        report_filter=_report_filter_text(filters),
        all_cap=svc.ALL_COUNT_CAP,
        all_cap_text=f"{svc.ALL_COUNT_CAP:,}".replace(",", "."),
        **_filter_choices(),
    )


#: Nine digits or more (spaces and dots aside): an ID or phone number, never put in an address.
_PRIVATE_DIGITS = re.compile(r"\d{9,}")


def _is_private(query: str) -> bool:
    return bool(_PRIVATE_DIGITS.search(re.sub(r"[\s.]", "", query)))


def _search_args(query: str) -> dict[str, str]:
    """The results page's address arguments: the query itself, or a token for it."""
    if _is_private(query):
        return {"k": stash().put(current_user.id, query)}
    return {"q": query}


@bp.route("/tim", methods=["GET", "POST"])
@staff_required
def search() -> Any:
    """Search by code, name, ID number or phone, without diacritics (POST, then GET; module doc)."""
    if request.method == "POST":
        query = (request.form.get("q") or "").strip()
        try:
            svc.check_search_query(query)
        except ValidationError as err:
            return _search_page(query, None, translated(err), {}), 422
        return redirect(url_for("dossiers.search", **_search_args(query)), code=303)
    args: dict[str, str] = {}
    if request.args.get("k"):
        args = {"k": request.args["k"][:64]}
        query = stash().get(current_user.id, args["k"])
        if query is None:
            return _search_page("", None, _("Kết quả tìm kiếm đã hết hạn; hãy tìm lại."), {})
    else:
        query = (request.args.get("q") or "").strip()
        args = {"q": query} if query else {}
    if not query:
        return _search_page("", None, "", {})
    try:
        result = svc.search(actor(), query, page=arg_page())
    except ValidationError as err:
        return _search_page(query, None, translated(err), {}), 422
    return _search_page(query, result, "", args)


def _search_page(query: str, result: Any, error: str, args: dict[str, str]) -> str:
    return render_template(
        "dossiers/search.html",
        query=query,
        result=result,
        error=error,
        args=args,
        max_length=svc.SEARCH_MAX_LENGTH,
        all_cap_text=f"{svc.ALL_COUNT_CAP:,}".replace(",", "."),
        **_filter_choices(),
    )


def _print_links(dossier: Dossier) -> list[tuple[str, str, str]]:
    """(form number, URL, link text) of the printable documents that apply to this dossier.

    Form 05 is the citizen's request to withdraw; a stop the authority decided
    prints its notice instead (no form number).
    """
    events = {e.action for e in dossier.events}
    applies = {
        "01": dossier.status not in (Status.SUBMITTED, Status.REFUSED),
        "02": Action.REQUEST_SUPPLEMENT.value in events,
        "03": dossier.status == Status.REFUSED,
        "04": dossier.delay_count > 0,
        "05": dossier.status == Status.WITHDRAWN,
        "06": dossier.status not in (Status.SUBMITTED, Status.REFUSED),
    }
    links = []
    for number in PRINT_FORMS:
        endpoint = f"printforms.form{number}"
        if applies[number] and endpoint in current_app.view_functions:
            url = url_for(endpoint, dossier_id=dossier.id)
            links.append((number, url, _("In lại mẫu %(no)s", no=number)))
    if dossier.status == Status.STOPPED and "printforms.stop_notice" in current_app.view_functions:
        url = url_for("printforms.stop_notice", dossier_id=dossier.id)
        links.append(("", url, _("In lại thông báo dừng giải quyết hồ sơ")))
    return links


def _attachment_url(attachment: Any) -> str | None:
    for endpoint in ("reception.attachment", "reception.download_attachment"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, attachment_id=attachment.id)
    return None


def _render_dossier(
    dossier: Dossier,
    *,
    active: Action | None = None,
    active_form: _ActionForm | None = None,
    error: str = "",
    lost_text: str = "",
    status: int = 200,
) -> Any:
    me = actor()
    ticket = queue_service.ticket_of_dossier(dossier.id)
    forms = []
    for action in svc.actions_for(dossier, me):
        if action is active and active_form is not None:
            form = active_form
            form.version.data = str(dossier.version)
        else:
            form = _make_form(action, dossier, submitted=False)
        forms.append((action, form))
    return render_template(
        "dossiers/show.html",
        dossier=dossier,
        status_label=_(Status(dossier.status).label),
        row=svc.row_for(dossier),
        forms=forms,
        active=active,
        error=error,
        lost_text=lost_text,
        print_links=_print_links(dossier),
        portal_files=pull.files_of(dossier.id) if dossier.channel == "online" else [],
        current_unit=svc.current_unit(dossier),
        queue_ticket=ticket,
        reception_counter=(
            queue_service.reception_counter(ticket.id, dossier.received_at) if ticket else None
        ),
        rating=satisfaction_service.rating_of(dossier.id),
        rating_labels={level.value: level.label for level in Level},
        attachment_url=_attachment_url,
        action_form=ACTION_FORM,
        status_labels={s.value: _(s.label) for s in Status},
        action_labels={a.value: _(a.label) for a in Action},
        step_label=lambda kind: _(step_label(kind)),
        timeliness_labels={t.value: _(t.label) for t in Timeliness},
    ), status


@bp.route("/<int:dossier_id>")
@staff_required
def show(dossier_id: int) -> Any:
    """The dossier page: details, documents, timeline, the actions this user may take."""
    return _render_dossier(svc.open_dossier(actor(), dossier_id))


def _typed_text(form: _ActionForm) -> str:
    parts = []
    for f in form:
        if f.name.endswith(("version", "csrf_token")) or f.type == "SelectField":
            continue
        if f.data:
            parts.append(f"{f.label.text}: {f.data}")
    return "\n".join(parts)


@bp.route("/<int:dossier_id>/<action_name>", methods=["POST"])
@staff_required
def act(dossier_id: int, action_name: str) -> Any:
    """Take one action; on a conflict or an error, show the page again with the typed text."""
    try:
        action = Action(action_name)
    except ValueError:
        abort(404)
    form = _make_form(action, svc.get_dossier(dossier_id), submitted=True)
    outcome, status = run_form(form, lambda: _call_service(action, dossier_id, form))
    if outcome is None:
        dossier = svc.get_dossier(dossier_id)  # as it is now: another hand may have changed it
        if action not in svc.actions_for(dossier, actor()):  # the form is gone: keep its text
            return _render_dossier(
                dossier,
                error=" ".join(form_messages(form)),
                lost_text=_typed_text(form),
                status=status,
            )
        return _render_dossier(dossier, active=action, active_form=form, status=status)
    if action is Action.RECEIVE:  # accepting an online submission is a reception: the slip
        flash(_("Đã tiếp nhận hồ sơ %(code)s.", code=outcome.dossier.code), "success")
        return after_receive(outcome.dossier)
    flash(
        _(
            "Đã cập nhật hồ sơ %(code)s: %(action)s.",
            code=outcome.dossier.code,
            action=_(action.label),
        ),
        "success",
    )
    for warning in outcome.warnings:
        flash(translated(warning), "warning")
    return redirect(url_for("dossiers.show", dossier_id=dossier_id))
