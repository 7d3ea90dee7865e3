"""Browser tests: the real app served on a free local port, driven by headless Chromium.

The server runs in a background thread on its own SQLite file, initialised with
the demo data, exactly as ``run.py`` would leave a fresh install.

Pages run under the app's Content-Security-Policy, and a test fails when any page
reports a violation. Give ``wait_for_function`` a function (``"() => …"``): a bare
expression is evaluated with ``eval``, which the policy forbids.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from counter import create_app
from counter.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    app: Flask
    url: str

    def __call__(self, path: str) -> str:
        return self.url + path


@contextmanager
def serve_demo(instance: Path) -> Iterator[LiveServer]:
    """The app on 127.0.0.1 and a free port, with a fresh demo database in ``instance``
    (without the demo's queue history: the browser tests take their own tickets)."""
    from tests.conftest import initialize_for_tests as initialize

    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance / 'counter.db'}",
            "SECRET_KEY": "e2e-secret",
            "BACKUP_DIR": str(instance / "backups"),
        }
    )
    with app.app_context():
        initialize(demo=True)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on 127.0.0.1 and a free port, with a fresh demo database."""
    with serve_demo(tmp_path_factory.mktemp("live")) as server:
        yield server


#: Content-Security-Policy violations any page reported during the running test.
CSP_VIOLATIONS: list[str] = []
#: Browser contexts opened by the running test, whose pages are asked for late reports.
_CONTEXTS: list[Any] = []
#: Run in every page before its own scripts (injected by the browser, so the CSP allows it).
_CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.effectiveDirective + " blocked " +
                (e.blockedURI || "inline") + " in " + e.documentURI +
                (e.sourceFile ? " (" + e.sourceFile + ":" + e.lineNumber + ")" : ""));
});
"""


def _watch(context: Any) -> Any:
    """Report every CSP violation of the context's pages to CSP_VIOLATIONS."""
    context.add_init_script(_CSP_WATCH)

    def on_console(message: Any) -> None:
        text = message.text
        if text.startswith("CSP violation") or "Content Security Policy" in text:
            CSP_VIOLATIONS.append(text)

    context.on("console", on_console)
    _CONTEXTS.append(context)
    return context


class WatchedBrowser:
    """The Chromium browser, every context of which reports CSP violations."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        """A context as Playwright makes it, watched."""
        return _watch(self._browser.new_context(**options))

    def new_page(self, **options: Any) -> Any:
        """A page in a context of its own, watched."""
        context = self.new_context(**options)
        return context.new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


def settle() -> None:
    """Let every open page deliver the console messages still on their way."""
    for context in _CONTEXTS:
        for open_page in context.pages:
            try:
                open_page.evaluate("0")  # a round trip: pending events are dispatched first
            except Exception:  # a closed or crashed page has nothing more to say
                continue


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """A browser test fails when any of its pages broke the Content-Security-Policy."""
    CSP_VIOLATIONS.clear()
    _CONTEXTS.clear()
    try:
        result = yield
    finally:
        settle()
    if CSP_VIOLATIONS:
        found = "\n".join(dict.fromkeys(CSP_VIOLATIONS))
        CSP_VIOLATIONS.clear()
        pytest.fail(f"the browser reported Content-Security-Policy violations:\n{found}")
    return result


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Headless Chromium from the system (never a downloaded build), watched for CSP breaks."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed: browser tests need the system Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield WatchedBrowser(browser)
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies) and page."""
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def log_in(page: Any, server: LiveServer, username: str, password: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(server("/dang-nhap"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/dang-nhap" not in page.url, page.content()[:500]
