"""The pull: dossiers citizens submitted online come down from the portal to the counter.

The portal lists the office's dossiers a page at a time (``LayDanhSachHoSo``,
:meth:`counter.portal.client.PortalClient.list_page`); the pull asks for those in
status 1 (submitted, not yet received) over the last ``PORTAL_PULL_DAYS`` days.
Each listed dossier becomes a local dossier in status ``submitted``, channel
online, under the portal's MaHoSo as its code, with the documents and the scans
the portal lists: it shows in the worklist's «Nộp trực tuyến — chờ tiếp nhận»
tab, where an officer accepts it (form 01, the due date counted from then) or
refuses it (form 03). Those steps go back through the outbox like any other.

- Idempotent: a MaHoSo already here is left alone (the code is unique, so two
  pulls at once cannot make it twice either).
- Each dossier is made in its own transaction; a listed value the counter cannot
  use (not an object, a field missing or malformed, a procedure not in the
  catalog) is skipped with its reason, kept for the sync page, and never stops
  the others. Only a failure of the listing itself (the network, the portal's
  error, a reply that is not the contract's shape) ends the pull.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy import update as sqlalchemy_update
from sqlalchemy.exc import IntegrityError

from counter import settings
from counter.domain import applicant as applicant_rules
from counter.domain import clock
from counter.domain.codes import parse_dossier_code
from counter.domain.errors import CounterError, ValidationError
from counter.domain.events import Submitted
from counter.domain.i18n import N_, Message
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Dossier, DossierDocument, DossierEvent, Procedure
from counter.models.portal import (
    INBOX_MISSING,
    INBOX_PULLED,
    INBOX_SKIPPED,
    KIND_STATE,
    PARKED,
    PENDING,
    SENT,
    OutboxItem,
    PortalDossier,
    PortalInbox,
    PortalPull,
)
from counter.portal import mapping
from counter.portal.client import Outcome, PortalClient, PortalSettings, Transient
from counter.services import Actor, audit, numbering, transaction
from counter.services import calendar as cal
from counter.services import catalog as catalog_service
from counter.services.events import append_event

#: How far back the pull looks by default (a submission older than this is the portal's to chase).
PULL_DAYS = 30
#: Stop paging after this many pages whatever the portal says its total is.
MAX_PAGES = 1000
STATUS_SUBMITTED = Status.SUBMITTED.portal_code
ONLINE_NOTE = "Nộp trực tuyến qua Cổng Dịch vụ công"
#: Who made a pulled dossier, as its history shows it.
PORTAL_ACTOR = "Cổng DVC"
_KEY = re.compile(r"^[0-9A-Za-z.\-_/]{1,64}$")
_URL = re.compile(r"^https?://\S{1,2000}$")

audit.ACTIONS["dossier_pulled"] = N_("Lấy hồ sơ nộp trực tuyến từ cổng")


class Skip(CounterError):
    """A listed value the counter cannot use; ``message`` says why."""


@dataclass
class Submission:
    """An online submission read from the portal, checked, ready to be made a dossier."""

    code: str
    procedure: Procedure
    submitted_at: datetime
    values: dict[str, Any]
    documents: list[tuple[str, int, str]]  # name, count, kind
    files: list[dict[str, Any]]  # name, count, url: the scans the portal lists


def from_portal_time(value: Any) -> datetime | None:
    """A portal ``yyyyMMddHHmmss`` (Vietnam time) as an aware UTC instant; None if malformed."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{14}", value):
        return None
    try:
        local = datetime.strptime(value, mapping.PORTAL_TIME_FORMAT)
    except ValueError:
        return None
    return clock.from_local_naive(local)


def _text(item: dict[str, Any], name: str, limit: int) -> str:
    value = item.get(name)
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return ""
    return " ".join(str(value).split())[:limit]


def _count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 999:
        return value
    if isinstance(value, str) and value.strip().isdigit() and 1 <= int(value) <= 999:
        return int(value)
    return 1


def _reception() -> Any:
    """The reception module, imported when first needed.

    It brings the printer stack, whose python-escpos configures logging when imported;
    run.py imports the sync before it sets up the software's logging.
    """
    from counter.services import reception

    return reception


def _documents(item: dict[str, Any]) -> tuple[list[tuple[str, int, str]], list[dict[str, Any]]]:
    """The listed documents, and the scans among them (and among the other files)."""
    kinds = _reception().DOCUMENT_KINDS
    documents, files = [], []
    for list_name in ("TaiLieuNop", "DanhSachTepDinhKemKhac"):
        entries = item.get(list_name)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            name = _text(entry, "TenGiayTo", 2000)
            if not name:
                continue
            count = _count(entry.get("SoLuong"))
            kind = entry.get("LoaiGiayTo")
            if list_name == "TaiLieuNop":
                documents.append((name, count, kind if kind in kinds else "original"))
            url = entry.get("DuongDanTep")
            if isinstance(url, str) and _URL.match(url.strip()):
                files.append({"name": name, "count": count, "url": url.strip()})
    return documents, files


def _procedure(code: str) -> Procedure | None:
    """The catalog's procedure for a MaTTHC: its local instance code, else its national code."""
    for column in (Procedure.local_code, Procedure.national_code):
        found = db.session.scalars(select(Procedure).where(column == code).limit(2)).all()
        available = [p for p in found if catalog_service.is_available(p)]
        if available:
            return available[0]
    return None


def read_submission(item: Any, now: datetime) -> Submission:
    """Check one listed dossier object; raise :class:`Skip` with the reason when unusable."""
    if not isinstance(item, dict):
        raise Skip(N_("Cổng gửi một mục không phải hồ sơ (không phải đối tượng JSON)."))
    code = item.get("MaHoSo")
    if not isinstance(code, str) or not _KEY.match(code.strip()):
        raise Skip(N_("Hồ sơ thiếu mã hồ sơ (MaHoSo) hoặc mã không hợp lệ."))
    code = code.strip()
    missing = [
        n for n in ("MaTTHC", "ChuHoSo", "NgayTiepNhan", "TrangThaiHoSo") if not _text(item, n, 300)
    ]
    if missing:
        raise Skip(N_("Thiếu trường bắt buộc: %(fields)s."), fields=", ".join(missing))
    if str(item["TrangThaiHoSo"]).strip() != str(STATUS_SUBMITTED):
        raise Skip(N_("Trạng thái hồ sơ (TrangThaiHoSo) không hợp lệ."))
    submitted_at = from_portal_time(item.get("NgayTiepNhan"))
    if submitted_at is None:
        raise Skip(N_("Ngày nộp (NgayTiepNhan) không đúng dạng yyyyMMddHHmmss."))
    procedure_code = _text(item, "MaTTHC", 64)
    procedure = _procedure(procedure_code)
    if procedure is None:
        raise Skip(
            N_("Thủ tục %(code)s không có (hoặc không còn hiệu lực) trong danh mục của xã."),
            code=procedure_code,
        )
    kind = "organisation" if item.get("LoaiDoiTuong") in (2, "2") else "person"
    id_number = _text(item, "SoGiayToChuHoSo", 20)
    try:
        id_number = (
            applicant_rules.validate_cccd(id_number)
            if kind == "person"
            else applicant_rules.validate_tax_code(id_number)
        )
    except ValidationError:
        id_number = ""  # the officer checks the papers at acceptance
    try:
        phone = applicant_rules.normalize_phone(_text(item, "SoDienThoai", 20))
    except ValidationError:
        phone = ""
    email = _text(item, "Email", 200)
    documents, files = _documents(item)
    values = {
        "applicant_kind": kind,
        "applicant_name": _text(item, "ChuHoSo", 200),
        "id_number": id_number,
        "phone": phone,
        "email": email if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) else "",
        "address": _text(item, "DiaChi", 300),
        "notes": _text(item, "GhiChu", 4000),
        "result_delivery": "post" if item.get("HinhThuc") in (1, "1") else "counter",
    }
    # A portal clock ahead of ours must not make the dossier impossible to accept now.
    return Submission(code, procedure, min(submitted_at, now), values, documents, files)


def _other_status(value: Any) -> bool:
    """A valid TrangThaiHoSo other than 1 (a malformed one is the item's problem, said)."""
    text = str(value).strip()
    return text.isdigit() and text != str(STATUS_SUBMITTED) and 1 <= int(text) <= 10


def _summary(item: Any) -> dict[str, Any]:
    """What the sync page shows of a listed value: never the applicant's ID number."""
    if not isinstance(item, dict):
        return {"raw": str(item)[:120]}
    out = {k: _text(item, k, 200) for k in ("MaTTHC", "TenTTHC", "ChuHoSo", "NgayTiepNhan")}
    out["TrangThaiHoSo"] = _text(item, "TrangThaiHoSo", 4)
    return out


def create_pulled(actor: Actor, submission: Submission, now: datetime) -> Dossier | None:
    """Make the dossier of one submission, in its own transaction; None when it is already here."""
    if db.session.scalar(select(Dossier.id).where(Dossier.code == submission.code)):
        return None
    procedure = submission.procedure
    at = submission.submitted_at
    due = cal.due_at(at, procedure.limit_amount, procedure.limit_unit)
    values = submission.values
    try:
        with transaction():
            dossier = Dossier(
                code=submission.code,
                procedure=procedure,
                status=Status.SUBMITTED.value,
                channel="online",
                received_at=at,
                due_at=due,
                original_due_at=due,
                processing_unit=procedure.implementing_body or "",
                search_text=_reception().search_key(
                    submission.code, values["applicant_name"], values["phone"], values["id_number"]
                ),
                **values,
            )
            db.session.add(dossier)
            for position, (name, count, kind) in enumerate(submission.documents):
                db.session.add(
                    DossierDocument(
                        dossier=dossier, position=position, name=name, kind=kind, count=count
                    )
                )
            # The portal told us this step: nothing to send back for it.
            append_event(
                dossier,
                actor,
                Submitted(),
                from_status=None,
                to_status=Status.SUBMITTED.value,
                note=ONLINE_NOTE,
                due_after=due,
                at=at,
                enqueue=False,
            )
            db.session.flush()
            # The portal holds it: our later states update it (isUpdating "True").
            db.session.add(
                PortalDossier(
                    dossier_id=dossier.id,
                    first_accepted_at=now,
                    last_accepted_at=now,
                    last_item_id=0,
                    last_status=STATUS_SUBMITTED,
                )
            )
            db.session.add(
                PortalInbox(
                    kind=INBOX_PULLED,
                    ma_ho_so=submission.code,
                    dossier=dossier,
                    files=submission.files,
                    seen_at=now,
                )
            )
            audit.record(actor, "dossier_pulled", submission.code, procedure.national_code)
    except IntegrityError:
        return None  # another pull made it a moment ago
    return dossier


@dataclass
class PullSummary:
    """What one pull did: new dossiers, ones already here, values skipped with reasons."""

    pull_id: int | None = None
    pulled: int = 0
    known: int = 0
    #: MaHoSo (or ""), the reason, what the page shows of the value
    skipped: list[tuple[str, Message, dict[str, Any]]] = field(default_factory=list)
    failed: bool = False
    error: str = ""

    def line(self) -> str:
        """The one summary line of ``flask sync pull``."""
        return f"pulled {self.pulled}, already here {self.known}, skipped {len(self.skipped)}"

    @property
    def news(self) -> bool:
        """Whether there is anything to say (``sync run`` prints the line only then)."""
        return bool(self.pulled or self.skipped or self.failed)


def portal_window(now: datetime, days: int) -> tuple[str, str]:
    """TuNgay and DenNgay: ``days`` back from now, to a day ahead (clocks disagree)."""
    return mapping.portal_time(now - timedelta(days=days)), mapping.portal_time(
        now + timedelta(days=1)
    )


def list_all(client: PortalClient, since: str, until: str, status: int | None) -> Any:
    """Every listed value over the window, a page at a time (yields each)."""
    page, seen = 1, 0
    while page <= MAX_PAGES:
        got = client.list_page(since, until, page=page, size=client.settings.batch, status=status)
        yield from got.items
        seen += len(got.items)  # a portal may send fewer a page than asked
        if not got.items or seen >= got.total:
            return
        page += 1


def _settings() -> PortalSettings:
    from counter.portal import sender  # the one place that reads the portal settings

    return sender.portal_settings()


def run_pull(
    trigger: str = "cli",
    *,
    settings_: PortalSettings | None = None,
    now: datetime | None = None,
) -> PullSummary:
    """Fetch the online submissions (status 1) of the office and make the new ones dossiers.

    Raises ValidationError when no portal is configured; a failure of the listing
    is recorded on the summary (``failed``) and the pull's row, never raised.
    """
    portal = settings_ or _settings()
    if not portal.url:
        raise ValidationError(N_("Chưa cấu hình địa chỉ cổng dịch vụ công (COUNTER_PORTAL_URL)."))
    moment = now or clock.now()
    days = int(settings.current().config.get("PORTAL_PULL_DAYS") or PULL_DAYS)
    actor = Actor.system(PORTAL_ACTOR)
    with transaction():
        run = PortalPull(trigger=trigger, started_at=clock.now())
        db.session.add(run)
    summary = PullSummary(pull_id=run.id)
    since, until = portal_window(moment, days)
    try:
        for item in list_all(PortalClient(portal), since, until, STATUS_SUBMITTED):
            if isinstance(item, dict) and _other_status(item.get("TrangThaiHoSo")):
                continue  # the portal ignored the filter: not a submission waiting for us
            try:
                submission = read_submission(item, moment)
            except Skip as skip:
                key = item.get("MaHoSo") if isinstance(item, dict) else ""
                summary.skipped.append((str(key or "")[:64], skip.message, _summary(item)))
                continue
            if create_pulled(actor, submission, moment) is None:
                summary.known += 1
            else:
                summary.pulled += 1
    except Transient as err:
        summary.failed, summary.error = True, err.msgid
        db.session.rollback()
    except CounterError as err:  # pragma: no cover - a defensive net: the run row says why
        summary.failed, summary.error = True, str(err.message)
        db.session.rollback()
    _finish(summary, run.id)
    return summary


def _finish(summary: PullSummary, run_id: int) -> None:
    """Record the pull; a complete one replaces the skipped values shown on the sync page."""
    with transaction():
        run = db.session.get(PortalPull, run_id)
        run.finished_at = clock.now()
        run.pulled, run.known, run.skipped = summary.pulled, summary.known, len(summary.skipped)
        run.failed, run.error = summary.failed, summary.error
        if not summary.failed:
            db.session.execute(delete(PortalInbox).where(PortalInbox.kind == INBOX_SKIPPED))
            for key, reason, shown in summary.skipped:
                db.session.add(
                    PortalInbox(
                        kind=INBOX_SKIPPED,
                        ma_ho_so=key,
                        reason=reason.msgid,
                        summary={**shown, "params": dict(reason.params)},
                        seen_at=run.finished_at,
                    )
                )


def files_of(dossier_id: int) -> list[dict[str, Any]]:
    """The scans the portal lists for a pulled dossier (name, count, url)."""
    row = db.session.scalar(
        select(PortalInbox).where(
            PortalInbox.kind == INBOX_PULLED, PortalInbox.dossier_id == dossier_id
        )
    )
    return list(row.files or []) if row is not None else []


def skipped_rows() -> list[tuple[PortalInbox, Message]]:
    """The latest pull's skipped values, each with its reason."""
    rows = db.session.scalars(
        select(PortalInbox).where(PortalInbox.kind == INBOX_SKIPPED).order_by(PortalInbox.id)
    ).all()
    return [(r, Message(r.reason, **dict((r.summary or {}).get("params") or {}))) for r in rows]


def last_pull() -> PortalPull | None:
    """The newest finished pull."""
    return db.session.scalar(
        select(PortalPull)
        .where(PortalPull.finished_at.is_not(None))
        .order_by(PortalPull.id.desc())
        .limit(1)
    )


# --- the check after a restore ------------------------------------------------------------

#: The file in instance/ that says the next sync must first check with the portal.
CHECK_MARKER = "portal_check_due"
#: How far back the check lists the office's dossiers by default.
CHECK_DAYS = 366
#: The parked item's code when the portal holds a state this database never sent.
RESTORE_CODE = "restore"


def _marker() -> Any:
    return settings.current().instance_path / CHECK_MARKER


def mark_check_due() -> None:
    """After a restore: the next sync checks with the portal before it sends anything."""
    _marker().write_text(clock.now().isoformat(), "utf-8")


def check_due() -> bool:
    """Whether a restore asked for a check that has not succeeded yet."""
    return bool(_marker().exists())


@dataclass
class CheckSummary:
    """What a check found: states recognised, states held back, dossiers missing here."""

    recognised: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    listed: int = 0

    def line(self) -> str:
        """The one summary line of ``flask sync check``."""
        return (
            f"listed {self.listed}, recognised {len(self.recognised)}, "
            f"held back {len(self.held_back)}, missing here {len(self.missing)}"
        )


def _states_sent(dossier_id: int) -> set[int]:
    """The TrangThaiHoSo values this database delivered (or may have) for one dossier."""
    seen = {
        mapping.status_code(status)
        for status in db.session.scalars(
            select(DossierEvent.to_status)
            .join(OutboxItem, OutboxItem.event_id == DossierEvent.id)
            .where(
                OutboxItem.dossier_id == dossier_id,
                OutboxItem.kind == KIND_STATE,
                (OutboxItem.status == SENT) | OutboxItem.last_attempt_at.is_not(None),
            )
        )
    }
    held = db.session.get(PortalDossier, dossier_id)
    if held is not None:
        seen.add(held.last_status)
    return seen


def _compare(dossier: Dossier, portal: dict[str, Any], now: datetime, out: CheckSummary) -> None:
    """Recognise the portal's copy of a dossier with states waiting to go, or hold them back."""
    from counter.portal import sender  # it runs the check: imported here, not at the top

    waiting = db.session.scalars(
        select(OutboxItem.id).where(
            OutboxItem.dossier_id == dossier.id,
            OutboxItem.kind == KIND_STATE,
            OutboxItem.status == PENDING,
        )
    ).all()
    if not waiting:
        return
    ours = mapping.dossier_object(dossier)
    if portal == ours:  # already delivered (before the backup was restored): not again
        held = db.session.get(PortalDossier, dossier.id) is not None
        batch = sender.Batch(mapping.SERVICE_DOSSIER, held, [ours], {dossier.code: list(waiting)})
        sender.apply_outcome(batch, Outcome(delivered={dossier.code}), now)
        out.recognised.append(dossier.code)
        return
    try:
        theirs = int(portal.get("TrangThaiHoSo"))
    except (TypeError, ValueError):
        return
    if theirs in _states_sent(dossier.id):
        return  # the portal holds what we sent last: ours is newer, it goes as usual
    # A state this database never sent: newer work lost with the restore. Never overwrite it.
    label = Status(_status_of(theirs)).label if _status_of(theirs) else str(theirs)
    message = Message(
        N_(
            "Cổng đang giữ trạng thái «%(status)s» mà máy này chưa từng gửi (công việc làm sau "
            "bản sao lưu đã khôi phục). Không gửi đè: hãy nhập lại các bước còn thiếu rồi bấm "
            "«Gửi lại»."
        ),
        status=label,
    )
    db.session.execute(
        sqlalchemy_update(OutboxItem)
        .where(OutboxItem.id.in_(waiting))
        .values(status=PARKED, parked_at=now, portal_code=RESTORE_CODE, portal_message=str(message))
        .execution_options(synchronize_session=False)
    )
    audit.record(Actor.system("sync"), "sync_parked", dossier.code, RESTORE_CODE)
    out.held_back.append(dossier.code)


def _status_of(code: int) -> str:
    for status in Status:
        if status.portal_code == code:
            return status.value
    return ""


def reconcile(
    client: PortalClient,
    *,
    agency: str,
    now: datetime | None = None,
) -> CheckSummary:
    """Compare this database with what the portal holds for the office, after a restore.

    - A dossier whose waiting state the portal already holds, as it is: marked
      sent, not sent again (no duplicate).
    - A dossier the portal holds in a state this database never sent (work done
      after the backup): its waiting states are parked with the reason, never
      sent over the portal's newer one (no regression).
    - A dossier the portal holds that this database lacks: listed on the sync page
      («có trên cổng, không có tại máy») with its code, for a person to re-enter.
      An online submission still waiting (status 1) is the pull's, not missing.
    - The numbering goes on above the highest counter code the portal knows for
      the office, each day (a code is never issued twice).

    Raises Transient when the listing fails; nothing is changed then.
    """
    moment = now or clock.now()
    days = int(settings.current().config.get("PORTAL_CHECK_DAYS") or CHECK_DAYS)
    since, until = portal_window(moment, days)
    listed = [
        item
        for item in list_all(client, since, until, None)
        if isinstance(item, dict) and isinstance(item.get("MaHoSo"), str) and item["MaHoSo"]
    ]
    out = CheckSummary(listed=len(listed))
    with transaction():
        highest: dict[Any, int] = {}
        missing = []
        for item in listed:
            code = item["MaHoSo"]
            if str(item.get("KenhThucHien")) != str(mapping.CHANNELS["online"]):
                try:
                    parsed = parse_dossier_code(code)
                except ValidationError:
                    parsed = None
                if parsed is not None and parsed.agency_id == agency.upper():
                    highest[parsed.day] = max(highest.get(parsed.day, 0), parsed.seq)
            dossier = db.session.scalar(select(Dossier).where(Dossier.code == code))
            if dossier is not None:
                _compare(dossier, item, moment, out)
            elif str(item.get("TrangThaiHoSo")) != str(STATUS_SUBMITTED):
                missing.append(item)
        for day, seq in highest.items():
            numbering.raise_to(numbering.DOSSIER, agency, day, seq)
        db.session.execute(delete(PortalInbox).where(PortalInbox.kind == INBOX_MISSING))
        for item in missing:
            db.session.add(
                PortalInbox(
                    kind=INBOX_MISSING, ma_ho_so=item["MaHoSo"][:64], summary=_summary(item)
                )
            )
            out.missing.append(item["MaHoSo"])
    return out


def run_check(client: PortalClient, *, agency: str, now: datetime | None = None) -> CheckSummary:
    """The check, and the restore's marker cleared once it succeeded (Transient otherwise)."""
    summary = reconcile(client, agency=agency, now=now)
    _marker().unlink(missing_ok=True)
    return summary


def missing_rows() -> list[PortalInbox]:
    """The dossiers the portal holds that this database lacks, from the latest check."""
    return list(
        db.session.scalars(
            select(PortalInbox)
            .where(PortalInbox.kind == INBOX_MISSING)
            .order_by(PortalInbox.ma_ho_so)
        )
    )
