"""Reports (issue 14): the period report, its files and printout, and the leaders' dashboard.

Leaders (and admins) only. Every dashboard number is a link into the worklist
with the filter that counts the same dossiers (:func:`worklist_args`).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, render_template, request, send_file, url_for

from counter.domain import charts, clock
from counter.domain.errors import ValidationError
from counter.domain.printed import wording
from counter.domain.reports import COLUMN_GROUPS, COLUMNS, Period, parse_period
from counter.services import queue_stats, report_files, reports
from counter.services.office import get_office
from counter.services.queue_stats import duration
from counter.web import NAV_EXTRA, NavItem, roles_required
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l
from counter.web.i18n import translated

bp = Blueprint("reports", __name__, url_prefix="/bao-cao")

NAV_EXTRA.append(NavItem("reports.dashboard", _l("Báo cáo"), ("leader",), "b"))

WINDOW_LABELS = {"today": _l("Hôm nay"), "week": _l("Tuần này"), "month": _l("Tháng này")}
CHANNEL_LABELS = {"counter": _l("Trực tiếp"), "online": _l("Trực tuyến"), "post": _l("Bưu chính")}


def _period() -> tuple[Period | None, dict[str, str], dict[str, str]]:
    """The period asked for in the address (``ky`` or ``from``/``to``), with the form's values."""
    values = {k: (request.args.get(k) or "").strip()[:20] for k in ("ky", "from", "to")}
    try:
        period = parse_period(
            start=values["from"], end=values["to"], month_text=values["ky"], today=clock.today()
        )
    except ValidationError as err:
        return None, values, {err.field or "period": translated(err)}
    return period, values, {}


def _query(period: Period) -> dict[str, str]:
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def _report_context(period: Period | None, values: Any, errors: dict[str, str]) -> dict[str, Any]:
    """What the report page and its printout both show: the table, satisfaction, the form."""
    report = reports.period_report(period) if period else None
    return {
        "report": report,
        "lines": report_files.table(report) if report else [],
        "satisfaction_rows": report_files.satisfaction_rows(report) if report else [],
        "satisfaction_headers": report_files.SATISFACTION_HEADERS,
        "columns": COLUMNS,
        "column_groups": COLUMN_GROUPS,
        "values": values,
        "errors": errors,
        "as_of": report_files.as_of_text(report) if report else "",
    }


@bp.get("/")
@roles_required("leader")
def index() -> Any:
    """The period report on screen: by field and procedure, with its files and printout."""
    period, values, errors = _period()
    return (
        render_template(
            "reports/index.html",
            query=_query(period) if period else {},
            **_report_context(period, values, errors),
        ),
        422 if errors else 200,
    )


@bp.get("/tai-ve.xlsx")
@roles_required("leader")
def download_xlsx() -> Any:
    """The report as an XLSX workbook (Vietnamese headers, numbers as numbers)."""
    return _download("xlsx")


@bp.get("/tai-ve.csv")
@roles_required("leader")
def download_csv() -> Any:
    """The report as CSV (UTF-8 with a BOM, so that Excel shows Vietnamese)."""
    return _download("csv")


def _download(kind: str) -> Any:
    period, values, errors = _period()
    if period is None:
        context = _report_context(None, values, errors)
        return render_template("reports/index.html", query={}, **context), 422
    report = reports.period_report(period)
    name = f"bao-cao-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{kind}"
    if kind == "xlsx":
        data = report_files.to_xlsx(report, get_office().name)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = report_files.to_csv(report)
        mimetype = "text/csv"  # Flask adds the charset of a text type
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/in")
@roles_required("leader")
def printout() -> Any:
    """The report on A4 landscape, for printing or saving as PDF."""
    period, values, errors = _period()
    context = _report_context(period, values, errors)
    return (
        render_template(
            "reports/print.html",
            office=get_office(),
            w=wording,
            size="ledger",
            sizes=[],
            auto_print=request.args.get("print") == "1" and context["report"] is not None,
            title=_("Báo cáo tình hình giải quyết hồ sơ"),
            **context,
        ),
        422 if errors else 200,
    )


#: Dashboard cells → the worklist arguments that find the same dossiers.
_CELL_ARGS: dict[str, dict[str, str]] = {
    "received": {"during": "received"},
    "received_counter": {"during": "received", "channel": "counter"},
    "received_online": {"during": "received", "channel": "online"},
    "received_post": {"during": "received", "channel": "post"},
    "resolved": {"during": "resolved"},
    "in_time": {"during": "resolved", "timeliness": "in_time"},
    "resolved_early": {"during": "resolved", "timeliness": "early"},
    "resolved_on_time": {"during": "resolved", "timeliness": "on_time"},
    "resolved_late": {"during": "resolved", "timeliness": "late"},
    "pending": {"pending": "1"},
    "pending_overdue": {"tab": "overdue"},
    "due_today": {"tab": "today"},
    "supplement": {"during": "supplement"},
    "refused": {"during": "refused"},
    "ended": {"during": "ended"},
}


def worklist_args(cell: str, period: Period, **dimension: Any) -> dict[str, Any]:
    """The worklist's arguments for a dashboard cell of ``period`` (and a field, officer…)."""
    args: dict[str, Any] = {"tab": "all", **_CELL_ARGS[cell]}
    if "during" in args:
        args.update(_query(period))
    args.update({k: v for k, v in dimension.items() if v})
    return args


def _charts() -> dict[str, Any]:
    months = reports.monthly(12)
    labels = [f"{m.period.start:%m/%y}" for m in months]
    return {
        "months": months,
        "volume": charts.paired_bars(
            labels, [m.received for m in months], [m.resolved for m in months]
        ),
        "rate": charts.rate_line(labels, [m.on_time_rate for m in months]),
    }


@bp.get("/tong-quan")
@roles_required("leader")
def dashboard() -> Any:
    """The leaders' dashboard: today, this week, this month; each number opens its dossiers."""
    window = request.args.get("window", "month")
    if window not in reports.WINDOWS:
        window = "month"
    board = reports.dashboard(window)
    period = board.periods[board.window]
    # The queue over the same days: waiting and service times, the busiest hours.
    queue = queue_stats.queue_stats(period.start, period.end)

    def link(cell: str, period: Period, **dimension: Any) -> str:
        return url_for("dossiers.index", **worklist_args(cell, period, **dimension))

    return render_template(
        "reports/dashboard.html",
        board=board,
        window_labels=WINDOW_LABELS,
        channel_labels=CHANNEL_LABELS,
        link=link,
        queue=queue,
        duration=duration,
        **_charts(),
    )
