"""Satisfaction ratings: one tap on the tablet beside the counter, or entered by an officer.

The tablet is public and shows nothing about the citizen: it asks about the result
most recently handed back (within :data:`~counter.domain.satisfaction.TABLET_MINUTES`)
by the officer now seated at that counter, and not yet rated. Its form carries that
hand-back's event ``uid`` (random, not personal), so a tap rates exactly the dossier
the page asked about even if another result is handed back meanwhile. Each rating
re-sends the dossier to the portal (its ``ThongTinKhac``, see counter.portal.mapping).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from counter.domain import clock
from counter.domain import events as ev
from counter.domain.errors import NotFound, ValidationError
from counter.domain.i18n import N_
from counter.domain.lifecycle import Status
from counter.domain.reports import Period
from counter.domain.satisfaction import REASON_MAX, TABLET_MINUTES, Level
from counter.domain.text import too_long
from counter.extensions import db
from counter.models import Dossier, DossierEvent, Procedure, QueueCounter, SatisfactionRating, User
from counter.portal.outbox import enqueue_state
from counter.services import Actor, audit, transaction

audit.ACTIONS["satisfaction_rated"] = N_("Ghi đánh giá hài lòng")


def _level(value: str) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise ValidationError(
            N_("Vui lòng chọn mức độ hài lòng: Rất hài lòng, Hài lòng hoặc Không hài lòng."),
            field="level",
        ) from None


def _reason(text: str | None) -> str:
    value = (text or "").strip()
    if len(value) > REASON_MAX:
        raise ValidationError(too_long(REASON_MAX, len(value)), field="reason")
    return value


def _return_event(dossier_id: int) -> DossierEvent | None:
    return db.session.scalar(
        select(DossierEvent)
        .where(DossierEvent.dossier_id == dossier_id, DossierEvent.action == ev.ResultReturned.kind)
        .order_by(DossierEvent.id.desc())
        .limit(1)
    )


def rating_of(dossier_id: int) -> SatisfactionRating | None:
    """The dossier's rating, if given."""
    return db.session.scalar(
        select(SatisfactionRating).where(SatisfactionRating.dossier_id == dossier_id)
    )


def awaiting_at_counter(number: int, *, now: datetime | None = None) -> DossierEvent | None:
    """The hand-back the tablet at counter ``number`` asks about now, or None."""
    counter = db.session.scalar(select(QueueCounter).where(QueueCounter.number == number))
    if counter is None or counter.officer_id is None:
        return None
    moment = clock.now_or(now)
    rated = select(SatisfactionRating.dossier_id)
    return db.session.scalar(
        select(DossierEvent)
        .where(
            DossierEvent.action == ev.ResultReturned.kind,
            DossierEvent.user_id == counter.officer_id,
            DossierEvent.at >= moment - timedelta(minutes=TABLET_MINUTES),
            DossierEvent.at <= moment,
            DossierEvent.dossier_id.notin_(rated),
        )
        .order_by(DossierEvent.at.desc(), DossierEvent.id.desc())
        .limit(1)
    )


def _record(
    dossier: Dossier, level: Level, reason: str, source: str, by: Actor, moment: datetime
) -> SatisfactionRating:
    if dossier.status != Status.RETURNED.value:
        raise ValidationError(N_("Chỉ đánh giá được khi đã trả kết quả cho công dân."))
    if rating_of(dossier.id) is not None:
        raise ValidationError(N_("Hồ sơ này đã được đánh giá."))
    returned = _return_event(dossier.id)
    rating = SatisfactionRating(
        dossier=dossier,
        level=level.value,
        reason=reason,
        source=source,
        at=moment,
        officer_id=returned.user_id if returned is not None else None,
        entered_by_id=by.user_id,
    )
    db.session.add(rating)
    enqueue_state(dossier)  # the portal hears of it with the dossier
    audit.record(by, "satisfaction_rated", dossier.code, level.value)
    return rating


def rate_at_counter(
    number: int, ref: str, level: str, reason: str = "", *, now: datetime | None = None
) -> SatisfactionRating:
    """One tap on the tablet: rate the hand-back the page asked about (``ref``, its event uid)."""
    chosen, text, moment = _level(level), _reason(reason), clock.now_or(now)
    with transaction():
        event = awaiting_at_counter(number, now=moment)
        if event is None or event.uid != ref or event.dossier is None:
            raise NotFound(N_("Phiên đánh giá đã hết hạn. Cảm ơn ông/bà."))
        return _record(event.dossier, chosen, text, "tablet", Actor.system("tablet"), moment)


def rate_by_officer(
    actor: Actor, dossier_id: int, level: str, reason: str = "", *, now: datetime | None = None
) -> SatisfactionRating:
    """An officer enters the rating the citizen gave (on paper, by phone, at the counter)."""
    chosen, text, moment = _level(level), _reason(reason), clock.now_or(now)
    with transaction():
        dossier = db.session.get(Dossier, dossier_id)
        if dossier is None:
            raise NotFound(N_("Không tìm thấy hồ sơ."))
        return _record(dossier, chosen, text, "officer", actor, moment)


@dataclass
class RatingLine:
    """How many of each level one procedure or officer received."""

    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """How many ratings the line holds."""
        return sum(self.counts.values())

    @property
    def satisfied_rate(self) -> float | None:
        """Rất hài lòng + hài lòng, in percent of all ratings."""
        if not self.total:
            return None
        good = self.counts[Level.VERY_SATISFIED] + self.counts[Level.SATISFIED]
        return round(100 * good / self.total, 2)


@dataclass
class Summary:
    """The period's ratings by procedure, by officer, and in all."""

    by_procedure: list[RatingLine]
    by_officer: list[RatingLine]
    total: RatingLine


def summary(period: Period) -> Summary:
    """Ratings given in ``period``, by procedure and by the officer who handed the result back."""
    start = clock.start_of_day(period.start)
    end = clock.start_of_day(period.after_end)
    when = (SatisfactionRating.at >= start) & (SatisfactionRating.at < end)

    def grouped(name_column: object, *joins: tuple[object, object]) -> list[RatingLine]:
        query = select(name_column, SatisfactionRating.level, func.count()).select_from(
            SatisfactionRating
        )
        for table, on in joins:
            query = query.outerjoin(table, on)
        rows = db.session.execute(query.where(when).group_by(name_column, SatisfactionRating.level))
        lines: dict[str, RatingLine] = {}
        for name, level, n in rows:
            line = lines.setdefault(name or "—", RatingLine(name or "—", {lv: 0 for lv in Level}))
            line.counts[Level(level)] += n
        return sorted(lines.values(), key=lambda line: line.name)

    by_procedure = grouped(
        Procedure.name,
        (Dossier, Dossier.id == SatisfactionRating.dossier_id),
        (Procedure, Procedure.id == Dossier.procedure_id),
    )
    by_officer = grouped(User.full_name, (User, User.id == SatisfactionRating.officer_id))
    total = RatingLine("", {lv: sum(line.counts[lv] for line in by_procedure) for lv in Level})
    return Summary(by_procedure, by_officer, total)
