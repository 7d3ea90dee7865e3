"""Bringing a database up to date: schema, reference data, optional demo data."""

from __future__ import annotations

import importlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import inspect

from counter import settings
from counter.extensions import db, upgrade
from counter.models import User
from counter.services import Actor, audit, scans, transaction
from counter.services.accounts import end_sessions, hash_password
from counter.services.office import DEFAULT_OFFICE, ensure_office, get_office

log = logging.getLogger(__name__)

DEMO_OFFICE = {
    "name": "Trung tâm Phục vụ hành chính công xã Mường Phăng",
    "governing_body": "UBND xã Mường Phăng",
    "agency_id": "000.20.18.H18",
    "place_name": "Mường Phăng",
    "address": "Bản Phăng, xã Mường Phăng, tỉnh Điện Biên",
    "phone": "0215 3826 888",
}
#: username, full name, title, roles, password, must change at first login.
#: ``kiemnhiem`` holds two roles, as at many communes: the civil-status officer also
#: sits at the counter and resolves a same-day chứng thực himself.
DEMO_USERS: tuple[tuple[str, str, str, tuple[str, ...], str, bool], ...] = (
    ("admin", "Quản trị hệ thống", "Quản trị viên", ("admin",), "admin", True),
    ("tiepnhan", "Lò Thị Hoa", "Công chức tiếp nhận", ("reception",), "tiepnhan123", False),
    (
        "chuyenvien",
        "Quàng Văn Minh",
        "Công chức Tư pháp - Hộ tịch",
        ("specialist",),
        "chuyenvien123",
        False,
    ),
    ("lanhdao", "Nguyễn Văn Thắng", "Phó Chủ tịch UBND xã", ("leader",), "lanhdao123", False),
    (
        "kiemnhiem",
        "Lường Văn Tâm",
        "Công chức Tư pháp - Hộ tịch, kiêm tiếp nhận",
        ("reception", "specialist"),
        "kiemnhiem123",
        False,
    ),
)

#: Loaders of built-in reference data, run by every init, as "module:function".
#: Each is idempotent and returns a note for the console, or None.
REFERENCE_LOADERS: list[str] = ["counter.services.calendar:load_builtin_schedule"]
#: Loaders of demo data, run by init --demo, in order (each idempotent).
DEMO_LOADERS: list[str] = [
    "counter.services.catalog:load_demo_catalog",
    "counter.services.queue:load_demo_queue",
    "counter.services.demo_queue:load_demo_queue_history",
    "counter.services.demo:load_demo_dossiers",  # needs the catalog: keep it last
]


def _call(spec: str) -> str | None:
    module, _, name = spec.partition(":")
    loader: Callable[[], str | None] = getattr(importlib.import_module(module), name)
    return loader()


@dataclass
class InitReport:
    created_schema: bool = False
    admin_password: str | None = None
    notes: list[str] = field(default_factory=list)


def database_is_new() -> bool:
    """True when the database has no schema of ours yet."""
    return "alembic_version" not in inspect(db.engine).get_table_names()


def initialize(demo: bool = False) -> InitReport:
    """Upgrade the schema, load reference data and, if asked, demo data. Idempotent."""
    report = InitReport(created_schema=database_is_new())
    upgrade()
    with transaction():
        ensure_office(**(DEMO_OFFICE if demo else {}))
        has_users = db.session.scalar(db.select(db.func.count(User.id))) or 0
        if not has_users and not demo:
            report.admin_password = secrets.token_urlsafe(9)
            db.session.add(
                User(
                    username="admin",
                    full_name="Quản trị hệ thống",
                    title="Quản trị viên",
                    roles={"admin"},
                    password_hash=hash_password(report.admin_password),
                    must_change_password=True,
                )
            )
        if report.created_schema:
            audit.record(Actor.system("init"), "init", "", "demo" if demo else "")
    for spec in REFERENCE_LOADERS:
        note = _call(spec)
        if note:
            report.notes.append(note)
    if demo:
        report.notes.extend(load_demo())
    note = _collect_orphan_scans()
    if note:
        report.notes.append(note)
    return report


def _collect_orphan_scans() -> str | None:
    """Remove scans a crash left without a row (run at start; see counter.services.scans)."""
    try:
        count, size = scans.collect_orphans(settings.current().upload_dir)
    except OSError as err:  # a start is never refused for this; the next one tries again
        log.warning("cannot clean the scans folder: %s", err)
        return None
    if not count:
        return None
    return f"removed {count} file(s) left by an interrupted reception ({size} bytes)"


def load_demo() -> list[str]:
    """Demo office profile, demo accounts and demo records; adds only what is missing."""
    notes = []
    with transaction():
        office = get_office()
        if office.agency_id == DEFAULT_OFFICE["agency_id"]:
            for key, value in DEMO_OFFICE.items():
                setattr(office, key, value)
        for username, full_name, title, roles, password, must_change in DEMO_USERS:
            if db.session.scalar(db.select(User.id).where(User.username == username)):
                continue
            db.session.add(
                User(
                    username=username,
                    full_name=full_name,
                    title=title,
                    roles=roles,
                    password_hash=hash_password(password),
                    must_change_password=must_change,
                )
            )
            notes.append(f"demo user {username}")
    for spec in DEMO_LOADERS:
        note = _call(spec)
        if note:
            notes.append(note)
    return notes


def set_password(username: str, password: str | None = None) -> str:
    """Give an account a temporary password from the command line (lost admin password)."""
    from counter.domain.errors import NotFound
    from counter.domain.i18n import N_

    user = db.session.scalar(db.select(User).where(User.username == username.lower()))
    if user is None:
        raise NotFound(N_("Không có tài khoản %(username)s."), username=username)
    password = password or secrets.token_urlsafe(9)
    with transaction():
        user.password_hash = hash_password(password)
        user.must_change_password = True
        user.active = True
        user.session_version += 1
        end_sessions(user.id, "password_reset")
        audit.record(Actor.system("cli"), "password_reset", user.username)
    return password
