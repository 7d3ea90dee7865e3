"""Printable forms 01–07 as HTML pages with print CSS (Circular 03/2025, Annex I).

Every page is a standalone sheet (no navigation) that the browser prints on A4,
A5 or an 80 mm roll; the toolbar (print button, paper size) hides itself in print.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    stream_template,
    stream_with_context,
)

from counter.domain import clock
from counter.domain.errors import ValidationError
from counter.domain.printed import wording
from counter.domain.printed.form02_03 import SupplementData
from counter.domain.printed.ledger import months_of, page_links
from counter.printing.qr import qr_svg
from counter.services import printforms as forms
from counter.services import queue as queue_service
from counter.services import report_files
from counter.web import NAV_EXTRA, NavItem, actor, staff_required
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.i18n import translated
from counter.web.public import lookup_url

bp = Blueprint("printforms", __name__, url_prefix="/in")
NAV_EXTRA.append(
    NavItem("printforms.ledger", _l("Sổ theo dõi"), ("reception", "specialist", "leader"))
)

#: Paper sizes a form may be printed on; the first is the default.
SIZES: dict[str, tuple[str, ...]] = {
    "01": ("a4", "a5", "80mm"),
    "other": ("a4", "a5"),
}
SIZE_LABELS = {"a4": "A4", "a5": "A5", "80mm": _l("Giấy cuộn 80 mm")}
#: The most dossiers the ledger offers to show (and print) on one page: beyond, the browser
#: would struggle; the page is still streamed if asked, so the server never holds it.
PRINT_ALL_LIMIT = 5000
#: Form 01 is printed in two copies on sheets (2018 practice), one on a roll.
COPIES = ("Liên 1: lưu", "Liên 2: giao người nộp")


@bp.context_processor
def _printed_words() -> dict[str, Any]:
    """The forms' words (one module for sheet and roll) and the QR code, for the templates."""
    return {"w": wording, "qr_svg": qr_svg}


def _size(allowed: tuple[str, ...]) -> str:
    size = (request.args.get("size") or "").lower()
    return size if size in allowed else allowed[0]


def _page(template: str, form_no: str, data: Any, **extra: Any) -> str:
    allowed = SIZES["01"] if form_no == "01" else SIZES["other"]
    return render_template(
        template,
        f=data,
        form_no=form_no,
        size=_size(allowed),
        sizes=[(s, SIZE_LABELS[s]) for s in allowed],
        auto_print=request.args.get("print") == "1",
        **extra,
    )


@bp.get("/ho-so/<int:dossier_id>/mau-01")
@staff_required
def form01(dossier_id: int) -> Any:
    """Form 01: receipt and appointment slip, with the QR code to the public look-up page."""
    data = forms.form01.slip(dossier_id, lookup_url)
    size = _size(SIZES["01"])
    copies = ("",) if size == "80mm" else COPIES
    counter = queue_service.counter_serving_dossier(dossier_id)
    return _page("printforms/form01.html", "01", data, copies=copies, counter=counter)


@bp.get("/ho-so/<int:dossier_id>/mau-02")
@bp.get("/ho-so/<int:dossier_id>/mau-02/<int:event_id>")
@staff_required
def form02(dossier_id: int, event_id: int | None = None) -> Any:
    """Form 02: supplement request made during processing (the event's, or the latest)."""
    return _page("printforms/form02.html", "02", forms.form02_03.supplement(dossier_id, event_id))


@bp.get("/phieu/<int:notice_id>")
@staff_required
def notice(notice_id: int) -> Any:
    """Form 02 or 03 given at the counter without receiving the dossier."""
    data = forms.form02_03.counter_notice(notice_id)
    # Given at the counter: the officer goes on to the next citizen from here.
    extra = {"at_counter": True, "counter": queue_service.counter_of(actor())}
    if isinstance(data, SupplementData):
        return _page("printforms/form02.html", "02", data, **extra)
    return _page("printforms/form03.html", "03", data, **extra)


@bp.get("/ho-so/<int:dossier_id>/mau-03")
@staff_required
def form03(dossier_id: int) -> Any:
    """Form 03: refusal of a dossier."""
    return _page("printforms/form03.html", "03", forms.form02_03.refusal(dossier_id))


@bp.get("/ho-so/<int:dossier_id>/mau-04")
@staff_required
def form04(dossier_id: int) -> Any:
    """Form 04: apology and new return date, from the delay event."""
    return _page("printforms/form04.html", "04", forms.form04.apology(dossier_id))


@bp.get("/ho-so/<int:dossier_id>/mau-05")
@staff_required
def form05(dossier_id: int) -> Any:
    """Form 05: the citizen's own request to stop and withdraw, for the citizen to sign."""
    return _page("printforms/form05.html", "05", forms.form05.withdrawal(dossier_id))


@bp.get("/ho-so/<int:dossier_id>/thong-bao-dung")
@staff_required
def stop_notice(dossier_id: int) -> Any:
    """The authority's notice that it stopped processing, signed by the head of the body."""
    return _page("printforms/stop_notice.html", "stop", forms.form05.stop_notice(dossier_id))


@bp.get("/ho-so/<int:dossier_id>/mau-06")
@staff_required
def form06(dossier_id: int) -> Any:
    """Form 06: processing control slip, a row per handover."""
    return _page("printforms/form06.html", "06", forms.form06.control_slip(dossier_id))


def _ledger_request(whole: bool = False) -> tuple[dict[str, str], dict[str, str], Any]:
    """The ledger's period, filters and page from the address, checked: values, errors, data.

    ``page=all`` (or ``whole``) asks for the whole period, whose rows are read as it is sent.
    """
    args = request.args
    values = {
        "from": args.get("from", "").strip(),
        "to": args.get("to", "").strip(),
        "field": args.get("field", "").strip(),
        "status": args.get("status", "").strip(),
    }
    first, last = forms.ledger.month_bounds(clock.today())
    errors: dict[str, str] = {}
    start: date = first
    end: date = last
    for key, default in (("from", first), ("to", last)):
        if not values[key]:
            values[key] = default.strftime("%d/%m/%Y")
            continue
        try:
            day = forms.ledger.parse_day(values[key], key)
        except ValidationError as err:
            errors[key] = translated(err)
            continue
        if key == "from":
            start = day
        else:
            end = day
    asked = args.get("page", "").strip()
    page: int | None = None
    if not whole and asked != "all":
        page = int(asked) if asked.isdigit() and len(asked) < 8 else 1
    data = None
    if not errors:
        try:
            data = forms.ledger.for_period(start, end, values["field"], values["status"], page=page)
        except ValidationError as err:
            errors[err.field or "from"] = translated(err)
    return values, errors, data


def _ledger_context(values: dict[str, str], errors: dict[str, str], data: Any) -> dict[str, Any]:
    fields, statuses = forms.ledger.choices()
    return {
        "f": data,
        "values": values,
        "errors": errors,
        "fields": fields,
        "statuses": statuses,
        "months": months_of(data.start, data.end) if data else [],
        "page_links": page_links(data.page, data.pages) if data and data.page else [],
        "print_all_limit": PRINT_ALL_LIMIT,
        "form_no": "07",
        "size": "ledger",
        "sizes": [],
        "auto_print": request.args.get("print") == "1" and not errors,
        "title": _("Sổ theo dõi hồ sơ"),
    }


def _ledger_page(values: dict[str, str], errors: dict[str, str], data: Any) -> Any:
    context = _ledger_context(values, errors, data)
    if data is not None and data.page == 0:
        # The whole period: the page is sent as it is rendered, its rows as they are read.
        body = stream_template("printforms/ledger.html", **context)
        return Response(report_files.chunked(body), mimetype="text/html")
    return render_template("printforms/ledger.html", **context), 422 if errors else 200


@bp.get("/so-theo-doi")
@staff_required
def ledger() -> Any:
    """Form 07: the ledger (sổ theo dõi hồ sơ) for any period, A4 landscape, page by page."""
    return _ledger_page(*_ledger_request())


@bp.get("/so-theo-doi/tai-ve.xlsx")
@staff_required
def ledger_xlsx() -> Any:
    """Form 07 for the same period and filters as a spreadsheet (XLSX), written as it is sent."""
    values, errors, data = _ledger_request(whole=True)
    if data is not None:
        try:
            report_files.check_ledger_rows(data)
        except ValidationError as err:
            errors["from"] = translated(err)
    if errors:
        return _ledger_page(values, errors, None)
    name = f"so-theo-doi-{data.start.isoformat()}-{data.end.isoformat()}.xlsx"
    return Response(
        stream_with_context(report_files.ledger_xlsx(data)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
