"""counter — phần mềm Bộ phận Một cửa cấp xã (one-stop counter for a commune centre)."""

from __future__ import annotations

import atexit
import gc
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.ctx import RequestContext
from sqlalchemy import event
from sqlalchemy.engine import Engine

from counter.config import load_config
from counter.extensions import babel, csrf, db, login_manager, migrations_group
from counter.settings import init_settings

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def _at_exit() -> None:
    """Close the database connections, then skip Python's last garbage collections.

    Those collections walk every object the libraries made (tens of thousands, SQLAlchemy's
    most): a quarter of a second at the end of every command, to free memory the system
    takes back anyway (issue 15: ``flask --help`` in 0.5 s). Frozen objects are skipped.
    The pooled connections sit in reference cycles, which only those collections closed:
    they are closed here first, so SQLite writes its -wal file back into counter.db as the
    last connection closes. ``finally`` and ``with`` blocks ran before; atexit callbacks
    registered earlier (logging's) run after.
    """
    for engines in list(getattr(db, "_app_engines", {}).values()):
        for engine in engines.values():
            engine.dispose()
    gc.freeze()


atexit.register(_at_exit)


def _after_web(name: str) -> Any:
    """An attribute Flask sets in its constructor, read after the web layer is registered."""
    private = f"_{name}"

    def read(app: CounterApp) -> Any:
        app.load_web()
        return getattr(app, private)

    def write(app: CounterApp, value: Any) -> None:
        setattr(app, private, value)

    return property(read, write)


class CounterApp(Flask):
    """The app, whose web layer (pages, their hooks and services) is registered on first use.

    Listing the commands (``flask --app counter --help``) needs none of it, and importing
    every page and the services behind them is most of a start. Whatever can serve or build a
    page registers it first, once, under a lock: a request (:meth:`__call__`,
    :meth:`request_context`), reading the URL map (``url_for`` outside a request too) or the
    views, and every command's work (:func:`counter.cli.web_first`). ``run.py`` registers
    it before it serves, so a broken page module stops the start, not the first request.
    """

    _web_lock = threading.RLock()
    _web_pending: Callable[[Flask], None] | None = None
    _web_loading = False
    _web_failed: BaseException | None = None

    def defer_web(self, register: Callable[[Flask], None]) -> None:
        """Have ``register(self)`` run before the app first serves or builds a page."""
        self._web_pending = register

    def load_web(self) -> None:
        """Register the web layer now, if it is still waiting (a no-op afterwards)."""
        if self._web_pending is None:
            return
        with self._web_lock:  # a second thread waits here until the first is done
            register = self._web_pending
            if register is None or self._web_loading:  # done, or this thread is doing it
                return
            if self._web_failed is not None:  # half registered: never again, say why
                raise self._web_failed
            self._web_loading = True
            try:
                register(self)
                self._web_pending = None
            except BaseException as err:
                self._web_failed = err
                raise
            finally:
                self._web_loading = False

    url_map = _after_web("url_map")
    view_functions = _after_web("view_functions")

    def request_context(self, environ: Any) -> RequestContext:
        self.load_web()
        return super().request_context(environ)

    def __call__(self, environ: Any, start_response: Any) -> Any:
        self.load_web()  # before wsgi_app is read: the web layer wraps it
        return super().__call__(environ, start_response)


def create_app(test_config: dict[str, Any] | None = None) -> CounterApp:
    """Build the app: config, extensions and commands now, the pages on first use
    (:class:`CounterApp`). No database work here."""
    app = CounterApp(
        __name__,
        instance_path=str(
            Path((test_config or {}).get("INSTANCE_PATH") or PROJECT_DIR / "instance").resolve()
        ),
        instance_relative_config=True,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
    )
    load_config(app, test_config)
    init_settings(app)

    db.init_app(app)
    app.cli.add_command(migrations_group)  # Flask-Migrate bound on first use: bind_migrations
    csrf.init_app(app)
    login_manager.init_app(app)
    from counter.web.i18n import init_i18n

    init_i18n(app, babel)

    from counter.web import register_web

    app.defer_web(register_web)

    from counter.cli import register_cli

    register_cli(app)
    return app


#: How many pages PostgreSQL asks the disk for ahead of reading them, in a bitmap scan (a
#: search reads each match's row): its default, 1, reads them one after another. Measured
#: at a million dossiers, caches empty, a common name's 5,265 matches: 395 ms at 1, 124-144
#: at 16 to 256.
PG_IO_CONCURRENCY = 32


@event.listens_for(Engine, "connect")
def _session_settings(dbapi_conn: Any, _record: Any) -> None:
    """SQLite: WAL for readers beside the writer; FULL sync so a printed slip never outlives
    its row. PostgreSQL: rows read ahead (:data:`PG_IO_CONCURRENCY`) where the server can
    (not on a system without ``posix_fadvise``, such as Windows: it refuses the setting)."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()
    elif type(dbapi_conn).__module__.startswith("psycopg"):
        try:
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET effective_io_concurrency = {PG_IO_CONCURRENCY}")
        except Exception as err:  # refused: the server's own setting stays
            dbapi_conn.rollback()
            logging.getLogger(__name__).warning(
                "PostgreSQL: effective_io_concurrency = %s refused (%s)", PG_IO_CONCURRENCY, err
            )
        else:
            dbapi_conn.commit()
