"""What each officer must do today: the home page, one section per role the account holds.

* Reception (the counter, shared by its officers): dossiers to hand over
  (received), results to return (resolved), supplements awaited from citizens.
* Specialist (their own work): dossiers *in processing* assigned to them that
  are overdue, due today, or due within two working days. Dossiers still at
  the counter are the counter's, so they never fill the specialist's "today".
* Leader: delay proposals awaiting their signature (form 04), dossiers overdue
  across the office, and the dossiers stopped in the last 30 days (form 05).
* Admin: what is missing in the setup (the office profile, an account for each
  duty); the web layer adds what only it can see (the slip's QR address).

Several roles: the union of the sections, in this order. Each box is a worklist
tab with filters, so the number on the home page is what its link lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import joinedload

from counter.domain import clock
from counter.domain.i18n import N_
from counter.domain.lifecycle import MAX_DELAYS, Action, Status
from counter.extensions import db
from counter.models import Dossier, DossierEvent, User, UserRole
from counter.services import Actor
from counter.services import dossiers as worklist
from counter.services.office import DEFAULT_OFFICE, get_office

#: The order of the sections on the page.
SECTION_ROLES = ("reception", "specialist", "leader", "admin")
#: How far back the leader's list of stopped dossiers reaches.
RECENT_STOPS_DAYS = 30
#: At most this many dossiers are listed in a section (the rest are one click away).
LIST_LIMIT = 10


@dataclass(frozen=True)
class Box:
    """A number on the home page: one worklist tab with a status and "mine" filter."""

    key: str
    tab: str
    status: str = ""
    mine: bool = False
    count: int = 0

    def filters(self, actor: Actor) -> worklist.Filters:
        """The worklist filters that list exactly what the box counts."""
        return worklist.Filters(status=self.status, mine_of=actor.user_id if self.mine else None)


@dataclass
class Section:
    """What one role must do today."""

    role: str
    boxes: list[Box] = field(default_factory=list)
    proposals: list[Dossier] = field(default_factory=list)  # leader: delays to sign
    stops: list[Dossier] = field(default_factory=list)  # leader: stopped lately
    warnings: list[str] = field(default_factory=list)  # admin: setup to finish


@dataclass
class Today:
    sections: list[Section]


_BOXES: dict[str, tuple[Box, ...]] = {
    "reception": (
        Box("to_hand_over", "open", Status.RECEIVED.value),
        Box("to_return", "ready"),
        Box("supplements", "open", Status.SUPPLEMENT_REQUESTED.value),
    ),
    "specialist": (
        Box("my_overdue", "overdue", Status.IN_PROGRESS.value, mine=True),
        Box("my_today", "today", Status.IN_PROGRESS.value, mine=True),
        Box("my_soon", "soon", Status.IN_PROGRESS.value, mine=True),
    ),
    "leader": (Box("office_overdue", "overdue"),),
    "admin": (),
}

#: Setup warnings (the view translates them and links each to its page).
SETUP_WARNINGS = {
    "office_profile": N_(
        "Thông tin đơn vị (tên, cơ quan chủ quản, mã định danh) vẫn là mặc định: "
        "giấy hẹn và biểu mẫu sẽ in sai tên đơn vị."
    ),
    "no_reception": N_("Chưa có tài khoản nào giữ vai trò Tiếp nhận đang hoạt động."),
    "no_specialist": N_("Chưa có tài khoản nào giữ vai trò Chuyên viên xử lý đang hoạt động."),
    "no_leader": N_(
        "Chưa có tài khoản nào giữ vai trò Lãnh đạo đang hoạt động: không ai ký được "
        "gia hạn hay dừng xử lý."
    ),
}


def today_for(actor: Actor, *, now: datetime | None = None) -> Today:
    """The home page's sections for the roles this actor holds."""
    moment = now or clock.now()
    sections = []
    for role in SECTION_ROLES:
        if role not in actor.roles:
            continue
        section = Section(role)
        for box in _BOXES[role]:
            count = worklist.count_tab(actor, box.tab, filters=box.filters(actor), now=moment)
            section.boxes.append(Box(box.key, box.tab, box.status, box.mine, count))
        if role == "leader":
            section.proposals = proposals_to_sign()
            section.stops = recent_stops(moment)
        if role == "admin":
            section.warnings = setup_warnings()
        sections.append(section)
    return Today(sections)


def proposals_to_sign() -> list[Dossier]:
    """Dossiers in processing with a delay proposal the leader has not signed yet."""
    # Read from the proposals (few, from the (action, at) index), not from every dossier in
    # processing (thousands in a large office) each tested for one.
    proposed = Dossier.id.in_(
        db.select(DossierEvent.dossier_id).where(DossierEvent.action == Action.PROPOSE_DELAY.value)
    )
    return list(
        db.session.scalars(
            db.select(Dossier)
            .where(
                Dossier.status.in_(worklist.PROCESSING),
                Dossier.delay_count < MAX_DELAYS,
                proposed,
            )
            .options(joinedload(Dossier.procedure))
            .order_by(Dossier.due_at, Dossier.id)
            .limit(LIST_LIMIT)
        )
    )


def recent_stops(now: datetime) -> list[Dossier]:
    """Dossiers stopped (form 05) in the last RECENT_STOPS_DAYS days, latest first."""
    since = now - timedelta(days=RECENT_STOPS_DAYS)
    stopped_at = (
        db.select(DossierEvent.dossier_id, db.func.max(DossierEvent.at).label("at"))
        .where(DossierEvent.action == Action.STOP.value, DossierEvent.at >= since)
        .group_by(DossierEvent.dossier_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            db.select(Dossier)
            .join(stopped_at, stopped_at.c.dossier_id == Dossier.id)
            .where(Dossier.status == Status.STOPPED.value)
            .options(joinedload(Dossier.procedure))
            .order_by(stopped_at.c.at.desc(), Dossier.id)
            .limit(LIST_LIMIT)
        )
    )


def setup_warnings() -> list[str]:
    """Keys of SETUP_WARNINGS that apply now."""
    out = []
    if get_office().agency_id == DEFAULT_OFFICE["agency_id"]:
        out.append("office_profile")
    held = set(
        db.session.scalars(
            db.select(UserRole.role)
            .join(User, User.id == UserRole.user_id)
            .where(User.active.is_(True))
            .distinct()
        )
    )
    for role in ("reception", "specialist", "leader"):
        if role not in held:
            out.append(f"no_{role}")
    return out
