"""Fixtures: a real database per test (an SQLite file, or PostgreSQL when CI provides one).

Set ``COUNTER_TEST_DATABASE_URL`` to run the whole suite on PostgreSQL; the schema
is migrated once per session and every test starts from the same initialised rows.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

from counter import create_app
from counter.extensions import bind_migrations, db

PG_URL = os.environ.get("COUNTER_TEST_DATABASE_URL", "")
#: Run the suite as if it were another moment (ISO 8601 with its zone, e.g.
#: "2026-12-05T23:30+07:00"): the app's one clock starts there and runs on, so a
#: test that depends on the hour or the weekday it happens to run at shows itself.
CLOCK_SHIFT = os.environ.get("COUNTER_TEST_CLOCK_AT", "")
DEMO_PASSWORDS = {
    "admin": "admin",
    "tiepnhan": "tiepnhan123",
    "chuyenvien": "chuyenvien123",
    "lanhdao": "lanhdao123",
    "kiemnhiem": "kiemnhiem123",
}


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test body holds an app context of its own (for its db.session); Flask would
    otherwise reuse it for requests and share ``g`` and the session with the test.
    The test's pending work is committed first, and its identity map expired after,
    so each side sees the other's committed rows.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            db.session.commit()
        # A streamed response (the ledger's printout and spreadsheet) is read to its end in
        # the request's own context, as a server's thread reads it; read later, in the
        # test's context, Flask would push and pop the request's context in two.
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
            db.session.rollback()
        return response


def make_app(instance: Path, database_url: str, **extra: Any) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "BACKUP_DIR": str(instance / "backups"),
            **extra,
        }
    )
    bind_migrations(app)  # the migration tests call Flask-Migrate's upgrade and downgrade
    return _client_class(app)


def _client_class(app: Flask) -> Flask:
    app.test_client_class = IsolatedClient
    return app


def initialize_for_tests(demo: bool = True) -> None:
    """``init --demo`` without the demo's queue history: queue tests count their own
    tickets from zero (tests/services/test_demo_queue.py loads the history itself)."""
    from counter.services import setup

    loaders = setup.DEMO_LOADERS
    setup.DEMO_LOADERS = [s for s in loaders if not s.startswith("counter.services.demo_queue:")]
    try:
        setup.initialize(demo=demo)
    finally:
        setup.DEMO_LOADERS = loaders


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Migrate and initialise (with demo data) once; tests copy or replay the result.

    Without the demo's queue history (see :func:`initialize_for_tests`).
    """
    initialize = initialize_for_tests
    base = tmp_path_factory.mktemp("template")
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        app = make_app(base, PG_URL)
        with app.app_context():
            initialize(demo=True)
            snapshot = _snapshot()
            db.session.remove()
            db.engine.dispose()
        return {"url": PG_URL, "snapshot": snapshot}
    path = base / "template.db"
    app = make_app(base, f"sqlite:///{path}")
    with app.app_context():
        initialize(demo=True)
        db.session.remove()
        db.engine.dispose()
    return {"path": path}


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    out = {}
    for table in db.metadata.sorted_tables:
        out[table.name] = [dict(r._mapping) for r in db.session.execute(table.select())]
    return out


#: Tables the database's triggers fill from other tables' rows (migration 0022).
KEPT_BY_TRIGGERS = {"dossier_status_count"}


def _restore_pg(snapshot: dict[str, list[dict[str, Any]]]) -> None:
    tables = [t for t in db.metadata.sorted_tables]
    names = ", ".join(f'"{t.name}"' for t in tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for table in tables:
            if table.name in KEPT_BY_TRIGGERS:
                continue  # the dossiers' own inserts fill it again
            rows = snapshot.get(table.name)
            if rows:
                conn.execute(table.insert(), rows)
            if "id" in table.c and table.c.id.autoincrement and rows:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'(SELECT MAX(id) FROM "{table.name}"))'
                    )
                )


@pytest.fixture
def app(template_db: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    """The app on a fresh copy of the initialised database."""
    instance = tmp_path / "instance"
    instance.mkdir()
    if "path" in template_db:
        path = instance / "counter.db"
        shutil.copy(template_db["path"], path)
        application = make_app(instance, f"sqlite:///{path}")
    else:
        application = make_app(instance, template_db["url"])
        with application.app_context():
            _restore_pg(template_db["snapshot"])
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token a page's form carries."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Browser:
    """A test client that fills forms the way a browser does, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def submit(self, url: str, data: dict[str, Any], *, page: str | None = None, **kw: Any) -> Any:
        """GET ``page`` (default ``url``) for its token, then POST ``data`` to ``url``."""
        html = self.client.get(page or url).get_data(as_text=True)
        return self.client.post(url, data={"csrf_token": csrf_from(html), **data}, **kw)

    def login(self, username: str, password: str | None = None) -> Any:
        return self.submit(
            "/dang-nhap",
            {"username": username, "password": password or DEMO_PASSWORDS[username]},
        )


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    return Browser(client)


@pytest.fixture
def login_as(app: Flask) -> Any:
    """Factory: a signed-in Browser for a demo account (admin already past first login)."""

    def make(username: str) -> Browser:
        b = Browser(app.test_client())
        if username == "admin":
            from counter.models import User

            user = db.session.scalar(db.select(User).where(User.username == "admin"))
            user.must_change_password = False
            db.session.commit()
        resp = b.login(username)
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return b

    return make


def all_tables() -> list[str]:
    return inspect(db.engine).get_table_names()


@pytest.fixture(scope="session", autouse=True)
def _shifted_clock() -> Iterator[None]:
    """With COUNTER_TEST_CLOCK_AT set, the app's clock runs from that moment on."""
    if not CLOCK_SHIFT:
        yield
        return
    from datetime import UTC, datetime

    from counter.domain import clock

    start = datetime.fromisoformat(CLOCK_SHIFT)
    if start.tzinfo is None:
        raise pytest.UsageError("COUNTER_TEST_CLOCK_AT needs a zone, e.g. +07:00")
    offset = start - datetime.now(UTC)
    previous = clock._source
    clock._source = lambda: datetime.now(UTC) + offset
    try:
        yield
    finally:
        clock._source = previous
