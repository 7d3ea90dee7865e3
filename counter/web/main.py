"""The staff home page: what each officer must do today, one section per role held."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for

from counter.domain import clock
from counter.domain.events import DelayProposed
from counter.domain.lifecycle import Status
from counter.services import home as svc
from counter.services.dossiers import count_tab, latest_proposal
from counter.services.office import get_office
from counter.services.page_facts import PageFacts
from counter.web import BANNERS, actor, staff_required
from counter.web.i18n import fmt_datetime
from counter.web.i18n import gettext as _
from counter.web.i18n import lazy_gettext as _l

bp = Blueprint("main", __name__)

SECTION_TITLES = {
    "reception": _l("Tại quầy một cửa"),
    "specialist": _l("Hồ sơ tôi đang xử lý"),
    "leader": _l("Việc của lãnh đạo"),
    "admin": _l("Cài đặt cần hoàn thiện"),
}
SECTION_HINTS = {
    "reception": _l("Hồ sơ của cả Bộ phận Một cửa."),
    "specialist": _l("Hồ sơ đang xử lý được giao cho bạn (không tính hồ sơ còn ở quầy)."),
    "leader": _l("Toàn đơn vị."),
    "admin": _l("Những việc quản trị viên cần làm để phần mềm chạy đúng."),
}
BOX_LABELS = {
    "to_hand_over": _l("Chờ chuyển xử lý"),
    "to_return": _l("Chờ trả kết quả"),
    "supplements": _l("Chờ công dân bổ sung"),
    "my_overdue": _l("Quá hạn"),
    "my_today": _l("Đến hạn hôm nay"),
    "my_soon": _l("Đến hạn trong 2 ngày làm việc"),
    "office_overdue": _l("Quá hạn toàn đơn vị"),
}
#: The colour of a box (app.css .due-<level>).
BOX_LEVELS = {
    "to_hand_over": "info",
    "to_return": "ok",
    "supplements": "muted",
    "my_overdue": "bad",
    "my_today": "warn",
    "my_soon": "info",
    "office_overdue": "bad",
}
#: Where each setup warning is fixed.
WARNING_PAGES = {
    "office_profile": "admin.office",
    "no_reception": "admin.users",
    "no_specialist": "admin.users",
    "no_leader": "admin.users",
}


def _box_url(box: svc.Box) -> str:
    """The worklist page listing exactly what the box counts."""
    args: dict[str, Any] = {"tab": box.tab}
    if box.status:
        args["status"] = box.status
    if box.mine:
        args["mine"] = 1
    return url_for("dossiers.index", **args)


def _proposal(dossier: Any) -> dict[str, Any]:
    """A delay proposal as the leader's list shows it: the dossier, the date asked, why."""
    event = latest_proposal(dossier)
    payload = event.payload if event is not None else None
    proposal = payload if isinstance(payload, DelayProposed) else DelayProposed()
    return {
        "dossier": dossier,
        "proposed_due": proposal.proposed_due,
        "reason": proposal.reason,
        "by": event.username if event is not None else "",
    }


@bp.route("/")
@staff_required
def home() -> Any:
    """The landing page after sign-in: each role's work for today, counts linking to the lists."""
    me = actor()
    today = svc.today_for(me)
    sections = []
    for section in today.sections:
        sections.append(
            {
                "role": section.role,
                "title": SECTION_TITLES[section.role],
                "hint": SECTION_HINTS[section.role],
                "boxes": [
                    {
                        "key": box.key,
                        "count": box.count,
                        "label": BOX_LABELS[box.key],
                        "level": BOX_LEVELS[box.key],
                        "url": _box_url(box),
                    }
                    for box in section.boxes
                ],
                "proposals": [_proposal(d) for d in section.proposals],
                "stops": section.stops,
                "warnings": [
                    {"text": _(svc.SETUP_WARNINGS[key]), "url": url_for(WARNING_PAGES[key])}
                    for key in section.warnings
                ],
            }
        )
    has_desk = not me.roles.isdisjoint(("reception", "specialist", "leader"))
    return render_template(
        "main/home.html",
        office=get_office(),
        sections=sections,
        mine_count=count_tab(me, "mine") if has_desk else None,
        stopped_url=url_for("dossiers.index", tab="all", status=Status.STOPPED.value),
        recent_stops_days=svc.RECENT_STOPS_DAYS,
    )


def _clock_banner(facts: PageFacts) -> list[dict[str, str]]:
    """On every staff page while this PC's clock cannot be right (a reset after a power
    cut): the codes and due dates handed to citizens would carry its date."""
    now, newest = clock.now(), facts.newest_audit_at
    reason = clock.doubt(now, newest)
    if not reason:
        return []
    shown = fmt_datetime(now)
    if reason == clock.BEHIND_RECORDS:
        text = _(
            "Đồng hồ của máy tính đang chỉ %(now)s, sớm hơn lần ghi gần nhất (%(newest)s).",
            now=shown,
            newest=fmt_datetime(newest),
        )
    else:
        text = _("Đồng hồ của máy tính đang chỉ %(now)s, không thể là ngày giờ đúng.", now=shown)
    advice = _(
        "Hãy chỉnh lại ngày giờ của máy trước khi tiếp nhận hồ sơ: ngày nhận và hạn trả "
        "in cho công dân lấy theo đồng hồ này."
    )
    return [{"level": "danger", "text": f"{text} {advice}", "url": "", "link": ""}]


BANNERS.append(_clock_banner)
