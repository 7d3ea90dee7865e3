"""Every HTML page carries the security headers and no inline script, for every role.

The pages are discovered from the URL map, so a page added later is checked
without anyone remembering to. The Content-Security-Policy forbids inline script
(``script-src 'self'``) and inline style, so the HTML must hold neither: scripts
come from static/js, data from data-* attributes or ``<script type="application/json">``
(which the browser does not run).
"""

from __future__ import annotations

import itertools
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from counter.domain import clock
from counter.extensions import db
from counter.models import (
    CalendarEntry,
    Printer,
    Procedure,
    QueueCounter,
    QueueService,
    QueueTicket,
    User,
)
from tests.web.test_printforms import _ended, _notice, make_dossier, vn

ROLES = (None, "tiepnhan", "chuyenvien", "lanhdao", "kiemnhiem", "admin")
#: Answers that are files or JSON, not pages.
NOT_HTML = {"static", "reception.attachment", "admin.backup_download"}


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline script, handlers, inline style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            elif name == "style":
                self.problems.append(f"<{tag} style=…>")
            elif name in ("href", "src", "action", "formaction") and (
                (value or "").strip().lower().startswith("javascript:")
            ):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "script":
            kind = (found.get("type") or "").strip().lower()
            if "src" not in found and kind != "application/json":
                self.problems.append("<script> without src")
        elif tag == "style":
            self.problems.append("<style> element")


def inline_problems(html: str) -> list[str]:
    """What in this page a CSP without 'unsafe-inline' would refuse to run or apply."""
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def header_problems(resp: Any) -> list[str]:
    """The security headers every HTML answer must carry, each with the right value."""
    problems = []
    csp = resp.headers.get("Content-Security-Policy", "")
    directives = {parts[0]: parts[1:] for parts in (d.split() for d in csp.split(";")) if parts}
    expected = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    for name, values in expected.items():
        if directives.get(name) != values:
            problems.append(f"CSP {name} {directives.get(name)}")
    if resp.headers.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options")
    if resp.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options")
    if resp.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer"):
        problems.append("Referrer-Policy")
    return problems


@pytest.fixture
def values(app: Flask) -> dict[str, list[str]]:
    """Real values for every path argument, so each page renders, in several states."""
    supplement = make_dossier(
        status="supplement_requested",
        events=[
            {
                "action": "request_supplement",
                "at": vn(2026, 11, 30, 9, 0),
                "note": "Giấy tờ hết hạn",
                "detail": {"items": ["Bản sao CCCD còn hạn"]},
            }
        ],
    )
    delayed = make_dossier(
        status="in_progress",
        delay_count=1,
        events=[
            {
                "action": "delay",
                "username": "lanhdao",
                "at": vn(2026, 12, 1, 14, 0),
                "note": "Chờ xác minh",
                "due_before": vn(2026, 12, 2, 10, 5),
                "due_after": vn(2026, 12, 7, 10, 5),
                "form_no": "04",
                "detail": {"reason": "Chờ xác minh"},
            }
        ],
    )
    dossiers = [
        make_dossier(),
        supplement,
        delayed,
        make_dossier(status="resolved", resolved_at=vn(2026, 12, 1, 16, 0)),
        _ended("withdraw", "withdrawn", "tiepnhan"),
        _ended("stop", "stopped", "lanhdao"),
        make_dossier(
            status="refused",
            events=[
                {
                    "action": "refuse",
                    "username": "tiepnhan",
                    "from_status": "submitted",
                    "at": vn(2026, 11, 27, 10, 0),
                    "detail": {"reason": "Thiếu chữ ký"},
                }
            ],
        ),
    ]
    printer = Printer(name="Quầy 1", uri="file:quay1.bin", width=576)
    db.session.add(printer)
    notice = _notice("incomplete", items=["Giấy xác nhận cư trú"], reason="Thiếu giấy tờ")
    queue_service = db.session.scalar(db.select(QueueService))
    ticket = QueueTicket(service=queue_service, day=clock.today(), seq=1, code="A001")
    db.session.add(ticket)
    db.session.commit()
    return {
        "dossier_id": [str(d.id) for d in dossiers],
        "event_id": [str(supplement.events[0].id)],
        "notice_id": [str(notice.id)],
        "printer_id": [str(printer.id)],
        "entry_id": [str(db.session.scalar(db.select(CalendarEntry.id)))],
        "year": ["2026"],
        "user_id": [str(db.session.scalar(db.select(User.id).where(User.username == "tiepnhan")))],
        "procedure_id": [str(db.session.scalar(db.select(Procedure.id)))],
        "attachment_id": ["1"],
        "name": ["x.db.gz", "moi_so"],  # a backup file, a voice clip
        "counter_id": [str(db.session.scalar(db.select(QueueCounter.id)))],
        "service_id": [str(queue_service.id)],
        "ticket_id": [str(ticket.id)],
        "code": [d.code for d in dossiers[:2]] + ["000.20.18.H18-261127-9999"],
        "_lookup": [f"/tra-cuu/{d.code}?k={d.lookup_key}" for d in dossiers[:2]],
        "_slip": [f"/in/ho-so/{dossiers[0].id}/mau-01?size={s}&print=1" for s in ("a4", "80mm")],
    }


def get_urls(app: Flask, values: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(endpoint, URL) for every GET rule, each path argument filled with every sample."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_HTML:
            continue
        names = sorted(rule.arguments)
        for combo in itertools.product(*(values[n] for n in names)):
            url = rule.rule
            for name, value in zip(names, combo, strict=True):
                url = url.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
            urls.append((rule.endpoint, url))
    urls += [("public.lookup", u) for u in values["_lookup"]]
    urls += [("printforms.form01", u) for u in values["_slip"]]
    urls += [
        ("dossiers.search", "/ho-so/tim?q=L%C3%B2"),
        ("dossiers.index", "/ho-so/?tab=overdue"),
        ("reception.index", f"/tiep-nhan/?thu_tuc={values['procedure_id'][0]}"),
        ("printforms.ledger", "/in/so-theo-doi?from=01/11/2026&to=31/12/2026"),
        ("404", "/khong-co-trang-nay"),
    ]
    return urls


def test_every_html_page_has_the_headers_and_no_inline_script(
    app: Flask, login_as: Any, values: dict[str, list[str]]
) -> None:
    app.config["LOOKUP_PER_MINUTE"] = 10_000  # every role opens the public pages
    urls = get_urls(app, values)
    problems: list[str] = []
    checked: dict[str | None, int] = {}
    reached: set[str] = set()
    for role in ROLES:
        client = login_as(role).client if role else app.test_client()
        for endpoint, url in urls:
            resp = client.get(url)
            assert resp.status_code < 500, f"{role} {url} → {resp.status_code}"
            if resp.status_code < 400:
                reached.add(endpoint)
            if resp.mimetype != "text/html":
                continue
            where = f"{role or 'anonymous'} {url} ({resp.status_code})"
            problems += [f"{where}: {p}" for p in header_problems(resp)]
            problems += [f"{where}: {p}" for p in inline_problems(resp.get_data(as_text=True))]
            checked[role] = checked.get(role, 0) + 1
    assert problems == []
    assert all(n >= len(urls) // 2 for n in checked.values()), checked
    # Each page was answered for real to some role, not only as an error page.
    assert {e for e, _url in urls} - {"404"} - reached == set()


def test_the_busy_page_and_the_login_page_have_them_too(app: Flask, client: Any) -> None:
    app.config["LOOKUP_PER_MINUTE"] = 1
    client.get("/tra-cuu/000.20.18.H18-261127-9999")
    busy = client.get("/tra-cuu/000.20.18.H18-261127-9999")
    assert busy.status_code == 429
    login = client.get("/dang-nhap")
    for resp in (busy, login):
        assert header_problems(resp) == []
        assert inline_problems(resp.get_data(as_text=True)) == []


def test_the_checker_sees_what_it_must(client: Any) -> None:
    """The finder above flags each thing a strict policy blocks, and passes the rest."""
    page = (
        '<script src="/static/js/app.js" defer></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
        '<form data-confirm="Xóa?"><button>x</button></form>'
    )
    assert inline_problems(page) == []
    for bad in (
        "<script>alert(1)</script>",
        '<form onsubmit="return confirm(1)"></form>',
        '<a href="javascript:history.back()">x</a>',
        '<p style="color:red">x</p>',
        "<style>p{}</style>",
        '<button ONCLICK="x()">x</button>',
    ):
        assert inline_problems(bad), bad


def test_no_template_or_static_file_holds_inline_code() -> None:
    """A page the walk above cannot reach (a rare error branch) is covered by the source."""
    root = Path(__file__).resolve().parents[2]
    problems = []
    for path in sorted((root / "templates").rglob("*.html")):
        found = inline_problems(path.read_text(encoding="utf-8"))
        problems += [f"{path.relative_to(root)}: {p}" for p in found]
    assert problems == []
