"""The USB bundle: everything pending carried to the province on a stick, and its receipt back.

- :func:`build` maps what is pending (the sender's objects, in the sender's order:
  dossier states, then progress entries) into one sealed file
  (:mod:`counter.portal.bundle_format`) and records the bundle; nothing is marked
  sent. :func:`export_to` writes it under a temporary name, fsyncs and renames, so
  a stick pulled mid-write never holds a file that looks complete.
- :func:`apply_receipt` checks the portal's signed receipt and does what the
  sender does on the API's "0" (sent, the dossier held by the portal) or on a
  refusal (parked with the portal's message); a receipt applies once.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from counter import settings
from counter.domain import clock
from counter.domain.errors import CounterError, NotAllowed, ValidationError
from counter.domain.i18n import N_
from counter.extensions import db
from counter.models import Dossier, DossierEvent, Office
from counter.models.portal import (
    KIND_PROGRESS,
    KIND_STATE,
    PARKED,
    PENDING,
    OutboxItem,
    PortalDossier,
    SyncBundle,
)
from counter.portal import bundle_format as fmt
from counter.portal import mapping, sender
from counter.portal.client import Outcome
from counter.services import Actor, audit, transaction
from counter.services.files import fsync_dir

BUNDLE_SUFFIX = ".dbgoi"
RECEIPT_SUFFIX = ".bnhan"
RECEIPT_MAX_BYTES = 16 * 1024 * 1024
BUNDLES_SHOWN = 10
CHUNK = 8 * 1024  # written and flushed a piece at a time
#: Tests only: seconds to wait between chunks, so a kill lands mid-write.
SLOW_ENV = "COUNTER_TEST_BUNDLE_CHUNK_DELAY"

#: What a person reads when a receipt is refused (the portal's side words its own).
REFUSALS = {
    fmt.NOT_A_RECEIPT: N_(
        "Tệp này không phải biên nhận của cổng dịch vụ công (hãy chọn tệp biên nhận .bnhan "
        "cổng trả về sau khi nhập gói dữ liệu)."
    ),
    fmt.TRUNCATED: N_(
        "Tệp biên nhận không đầy đủ (có thể USB bị rút khi đang chép). Hãy chép lại tệp từ "
        "máy của tỉnh."
    ),
    fmt.ALTERED: N_("Tệp biên nhận đã bị thay đổi sau khi cổng ký; không dùng được tệp này."),
    fmt.WRONG_KEY: N_(
        "Chữ ký của biên nhận không khớp: tệp đã bị sửa, hoặc không phải cổng cấp cho đơn vị "
        "này (khóa đồng bộ của tỉnh và của máy khác nhau)."
    ),
}


def sync_key() -> str:
    """The office's sync key (``PORTAL_SYNC_KEY``; generated once into instance/)."""
    return str(settings.current().config["PORTAL_SYNC_KEY"])


@dataclass
class Built:
    """A sealed bundle's bytes and its record."""

    data: bytes
    bundle: SyncBundle
    file_name: str


def _pending_states() -> list[tuple[Dossier, list[int]]]:
    """Dossiers with a pending state and no parked one, as the sender would take them."""
    parked = aliased(OutboxItem)
    ids: dict[int, list[int]] = defaultdict(list)
    for item_id, dossier_id in db.session.execute(
        select(OutboxItem.id, OutboxItem.dossier_id)
        .where(
            OutboxItem.kind == KIND_STATE,
            OutboxItem.status == PENDING,
            ~exists().where(
                parked.dossier_id == OutboxItem.dossier_id,
                parked.kind == KIND_STATE,
                parked.status == PARKED,
            ),
        )
        .order_by(OutboxItem.id)
    ):
        ids[dossier_id].append(item_id)
    dossiers = db.session.scalars(
        select(Dossier)
        .where(Dossier.id.in_(list(ids)))
        .options(joinedload(Dossier.procedure), selectinload(Dossier.documents))
    ).all()
    return sorted(((d, ids[d.id]) for d in dossiers), key=lambda pair: min(pair[1]))


def _pending_progress(left_out: set[int]) -> list[OutboxItem]:
    """Pending progress entries with nothing parked before them, in the sender's order."""
    earlier = aliased(OutboxItem)
    items = db.session.scalars(
        select(OutboxItem)
        .where(
            OutboxItem.kind == KIND_PROGRESS,
            OutboxItem.status == PENDING,
            ~exists().where(
                earlier.dossier_id == OutboxItem.dossier_id,
                earlier.id < OutboxItem.id,
                earlier.status == PARKED,
            ),
            or_(
                exists().where(PortalDossier.dossier_id == OutboxItem.dossier_id),
                exists().where(
                    and_(
                        earlier.dossier_id == OutboxItem.dossier_id,
                        earlier.kind == KIND_STATE,
                        earlier.status == PENDING,
                    )
                ),
            ),
        )
        .order_by(OutboxItem.dossier_id, OutboxItem.id)
        .options(
            joinedload(OutboxItem.event).joinedload(DossierEvent.user),
            joinedload(OutboxItem.event).joinedload(DossierEvent.dossier),
        )
    ).all()
    return [i for i in items if i.dossier_id not in left_out]


def build(actor: Actor) -> Built:
    """Seal everything pending into one bundle and record it; nothing is marked sent."""
    if not actor.has_role("leader"):
        raise NotAllowed(N_("Chỉ lãnh đạo hoặc quản trị viên được xuất gói dữ liệu."))
    portal = sender.portal_settings()
    office = db.session.scalar(select(Office).limit(1))
    lines: list[dict[str, Any]] = []
    items: list[list[Any]] = []
    held = set(db.session.scalars(select(PortalDossier.dossier_id)))
    left_out: set[int] = set()
    for dossier, ids in _pending_states():
        try:
            obj = mapping.dossier_object(dossier)
        except (ValueError, KeyError, AttributeError):
            left_out.add(dossier.id)  # the sender parks it with the reason on its next run
            continue
        updating = "True" if dossier.id in held else "False"
        lines.append({"service": mapping.SERVICE_DOSSIER, "isUpdating": updating, "data": obj})
        items.append([mapping.SERVICE_DOSSIER, obj["MaHoSo"], ids, obj["TrangThaiHoSo"]])
    for item in _pending_progress(left_out):
        if item.event is None or not item.progress_key:
            continue
        entry = mapping.progress_entry(item.event, item.progress_key)
        lines.append({"service": mapping.SERVICE_PROGRESS, "isUpdating": "True", "data": entry})
        items.append([mapping.SERVICE_PROGRESS, item.progress_key, [item.id], entry["MaHoSo"]])
    if not lines:
        raise ValidationError(N_("Không có mục nào đang chờ gửi; không cần xuất gói dữ liệu."))
    all_ids = [i for _, _, ids, _ in items for i in ids]
    now = clock.now()
    bundle_id = uuid.uuid4().hex
    manifest = {
        "kind": "bundle",
        "bundle_id": bundle_id,
        "office": office.name if office else "",
        "madonvi": portal.agency,
        "first_outbox_id": min(all_ids),
        "last_outbox_id": max(all_ids),
        "count": len(lines),
        "created_at": mapping.portal_time(now),
        "mapping_version": mapping.MAPPING_VERSION,
    }
    data = fmt.seal(fmt.BUNDLE_MAGIC, manifest, fmt.pack_lines(lines), sync_key())
    with transaction():
        record = SyncBundle(
            bundle_id=bundle_id,
            created_at=now,
            created_by=actor.username,
            agency=portal.agency,
            count=len(lines),
            first_item_id=min(all_ids),
            last_item_id=max(all_ids),
            sha256=fmt.unseal(data, fmt.BUNDLE_MAGIC, sync_key()).manifest["sha256"],
            items=items,
        )
        db.session.add(record)
        audit.record(actor, "bundle_exported", bundle_id, f"{len(lines)} mục")
    stamp = clock.local_naive(now).strftime("%Y%m%d-%H%M")
    name = f"dongbo-{portal.agency or 'donvi'}-{stamp}-{bundle_id[:8]}{BUNDLE_SUFFIX}"
    return Built(data, record, name)


def write_durably(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` by a temporary name, fsynced, then renamed (and the folder fsynced)."""
    tmp = path.with_name(f".{path.name}.tmp")
    delay = float(os.environ.get(SLOW_ENV) or 0)
    with open(tmp, "wb") as out:
        for start in range(0, len(data), CHUNK):
            if delay and start:
                out.flush()
                time.sleep(delay)
            out.write(data[start : start + CHUNK])
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def export_to(actor: Actor, path: Path) -> Built:
    """Build a bundle and write it at ``path`` (a folder: a file named for the office and time)."""
    built = build(actor)
    target = path / built.file_name if path.is_dir() else path
    try:
        write_durably(built.data, target)
    except OSError as err:
        raise ValidationError(
            N_("Không ghi được tệp %(path)s: %(reason)s"), path=str(target), reason=err.strerror
        ) from None
    built.file_name = str(target)
    return built


class ReceiptRefused(CounterError):
    """The receipt file cannot be trusted or does not belong to a bundle of ours."""


@dataclass
class Applied:
    """What a receipt did (or that it had been applied before)."""

    bundle_id: str
    accepted: int = 0
    rejected: int = 0
    already: bool = False


def recent() -> list[SyncBundle]:
    """The latest bundles exported, newest first (for the sync page)."""
    return list(
        db.session.scalars(select(SyncBundle).order_by(SyncBundle.id.desc()).limit(BUNDLES_SHOWN))
    )


def _read_receipt(data: bytes) -> dict[str, Any]:
    if len(data) > RECEIPT_MAX_BYTES:
        raise ReceiptRefused(REFUSALS[fmt.NOT_A_RECEIPT])
    try:
        sealed = fmt.unseal(data, fmt.RECEIPT_MAGIC, sync_key())
    except fmt.SealError as err:
        raise ReceiptRefused(REFUSALS.get(err.code, REFUSALS[fmt.ALTERED])) from None
    if sealed.manifest.get("kind") != "receipt":
        raise ReceiptRefused(REFUSALS[fmt.NOT_A_RECEIPT])
    return sealed.manifest


def apply_receipt(actor: Actor, data: bytes) -> Applied:
    """Mark what the portal accepted as sent and park what it refused; a receipt applies once."""
    if not actor.has_role("leader"):
        raise NotAllowed(N_("Chỉ lãnh đạo hoặc quản trị viên được nạp biên nhận."))
    receipt = _read_receipt(data)
    results = receipt.get("results")
    with transaction():
        record = db.session.scalar(
            select(SyncBundle)
            .where(SyncBundle.bundle_id == str(receipt.get("bundle_id")))
            .with_for_update()
        )
        if record is None or not isinstance(results, list):
            raise ReceiptRefused(N_("Biên nhận này không ứng với gói dữ liệu nào xuất từ máy này."))
        if record.receipt_at is not None:
            return Applied(record.bundle_id, record.accepted, record.rejected, already=True)
        said: dict[tuple[str, str], tuple[str, str]] = {}
        for result in results:
            if isinstance(result, dict):
                said[(str(result.get("service")), str(result.get("key")))] = (
                    str(result.get("error_code")),
                    str(result.get("message") or ""),
                )
        now = clock.now()
        applied = Applied(record.bundle_id)
        refused_states: set[str] = set()
        for service in (mapping.SERVICE_DOSSIER, mapping.SERVICE_PROGRESS):
            batch = sender.Batch(service, True, [], {})
            outcome = Outcome()
            for line_service, key, ids, extra in record.items:
                if line_service != service:
                    continue
                batch.ids[key] = ids
                batch.items.append({"MaHoSo": key, "TrangThaiHoSo": extra})
                code, message = said.get((service, key), ("", ""))
                if code == "0":
                    outcome.delivered.add(key)
                elif service == mapping.SERVICE_DOSSIER and code:
                    outcome.rejected[key] = (code, message)
                    refused_states.add(key)
                elif code and extra not in refused_states:
                    outcome.rejected[key] = (code, message)
                # No result, or an entry whose dossier was refused (the sender would have
                # held it back): it stays pending, behind its parked state.
            if service == mapping.SERVICE_DOSSIER:
                _requeue_if_superseded(batch, outcome.delivered)
            sender.apply_outcome(batch, outcome, now, pending_only=True)
            applied.accepted += len(outcome.delivered)
            applied.rejected += len(outcome.rejected)
        record.receipt_at = now
        record.accepted, record.rejected = applied.accepted, applied.rejected
        audit.record(
            actor,
            "bundle_receipt",
            record.bundle_id,
            f"{applied.accepted} nhận, {applied.rejected} từ chối",
        )
    return applied


def _requeue_if_superseded(batch: sender.Batch, delivered: set[str]) -> None:
    """A newer state the API delivered may have been overwritten by the bundle's older one.

    The portal upserts whatever arrives last; when it imported the bundle after
    the API sent a newer state, it now holds the older one. The dossier's present
    state is queued once more (an upsert of what it already holds does no harm).
    """
    for key in delivered:
        ids = batch.ids[key]
        row = db.session.scalar(
            select(PortalDossier)
            .join(OutboxItem, OutboxItem.dossier_id == PortalDossier.dossier_id)
            .where(OutboxItem.id == ids[0])
        )
        if row is not None and row.last_item_id > max(ids):
            db.session.add(OutboxItem(kind=KIND_STATE, dossier_id=row.dossier_id))
