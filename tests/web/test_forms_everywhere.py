"""Every form of the app, walked as a careless user would: limits shown, answers in Vietnamese.

The walker opens each staff page as a role that may use it, finds every POST
form on it, and sends it twice: with every field empty, then with every text far
too long, every choice unknown and every date impossible. Each answer must be
free of WTForms' English messages and of raw codes, and every text box must
show its limit (maxlength) before anything is typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask

from counter.domain.clock import now as utcnow
from counter.domain.lifecycle import Status
from counter.extensions import db
from counter.models import Printer
from counter.web.forms import WTFORMS_VI, CounterForm
from tests.conftest import Browser, csrf_from
from tests.services.test_lifecycle_service import make_dossier

#: Flask-WTF's CSRF messages, which do not go through WTForms' translations.
CSRF_ENGLISH = (
    "The CSRF token is missing.",
    "The CSRF token has expired.",
    "The CSRF tokens do not match.",
    "The CSRF token is invalid.",
    "The CSRF session token is missing.",
)
ENGLISH = {
    *(max(re.split(r"%\(\w+\)\w|\{\w+\}", m), key=len).strip() for m in WTFORMS_VI),
    *CSRF_ENGLISH,
}
#: Codes that are the program's, not the user's words.
RAW_CODES = re.compile(
    r"\b(original_or_copy|working_days|working_hours|calendar_days|same_day|full_online|"
    r"partial_online|supplement_requested|awaiting_payment|in_progress|"
    r"field_code|limit_unit|national_code|procedure_id|applicant_name)\b"
)
TEXT_TYPES = {"text", "search", "email", "tel", "password", "url", ""}
#: Form actions the walker must not press (they sign out, delete, restore, switch language).
SKIP_ACTIONS = re.compile(r"/dang-xuat|/ngon-ngu|/xoa|/sao-luu|/huy$|/khoi-phuc|/in-thu|/in-nhiet/")


@dataclass
class FormSpec:
    action: str
    method: str
    fields: list[dict[str, str]] = field(default_factory=list)
    selects: dict[str, list[str]] = field(default_factory=dict)


class Forms(HTMLParser):
    """The forms of a page: action, method, inputs, textareas and selects with their options."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[FormSpec] = []
        self.current: FormSpec | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = FormSpec(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag in ("input", "textarea"):
            self.current.fields.append({"tag": tag, **a})
        elif tag == "select":
            self.select = a.get("name", "")
            self.current.selects[self.select] = []
        elif tag == "option" and self.select is not None:
            self.current.selects[self.select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def forms_of(html: str) -> list[FormSpec]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def is_text(f: dict[str, str]) -> bool:
    return f["tag"] == "textarea" or (
        f["tag"] == "input" and f.get("type", "").lower() in TEXT_TYPES and "readonly" not in f
    )


def filled(spec: FormSpec, html: str, how: str) -> dict[str, Any]:
    """The form's data: the CSRF token, then every field ``empty`` or ``wild``."""
    data: dict[str, Any] = {"csrf_token": csrf_from(html)}
    for f in spec.fields:
        name, kind = f.get("name", ""), f.get("type", "").lower()
        if not name or name == "csrf_token":
            continue
        if kind in ("hidden", "submit", "button", "file"):
            if kind == "hidden" and name.endswith("version"):
                data[name] = f.get("value", "")
            continue
        if kind in ("checkbox", "radio"):
            if how == "wild":
                data[name] = "zzz"
            continue
        if how == "empty":
            data[name] = ""
        elif kind in ("date", "time", "datetime-local"):
            data[name] = "31/02/1990" if kind == "date" else "25:99"
        elif kind == "number":
            data[name] = "abc"
        else:
            data[name] = "x" * 5001
    for name in spec.selects:
        data[name] = "" if how == "empty" else "zzz-unknown"
    return data


def page_text(html: str) -> str:
    """What a person reads: tags, scripts and attribute values left out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def not_vietnamese(html: str, where: str) -> list[str]:
    """What on this page is not for a Vietnamese reader: English defaults, raw codes."""
    text = page_text(html)
    found = [f"{where}: English {m!r}" for m in sorted(ENGLISH) if m in text]
    found += [f"{where}: raw code {m.group(0)!r}" for m in RAW_CODES.finditer(text)]
    return found


@pytest.fixture
def pages(app: Flask) -> dict[str, list[str]]:
    """Pages with forms, by the role that uses them."""
    dossier = make_dossier(Status.RECEIVED, received_at=utcnow() - timedelta(hours=2))
    working = make_dossier(Status.IN_PROGRESS, received_at=utcnow() - timedelta(hours=3))
    resolved = make_dossier(Status.RESOLVED, received_at=utcnow() - timedelta(hours=4))
    printer = Printer(name="Quầy 1", uri="file:/dev/null", width=576)
    db.session.add(printer)
    db.session.commit()
    from counter.models import CalendarEntry, Procedure, User

    user_id = db.session.scalar(db.select(User.id).where(User.username == "tiepnhan"))
    procedure_id = db.session.scalar(db.select(Procedure.id).order_by(Procedure.id))
    entry_id = db.session.scalar(db.select(CalendarEntry.id).order_by(CalendarEntry.id))
    return {
        "admin": [
            "/doi-mat-khau",
            "/quan-tri/tai-khoan/moi",
            f"/quan-tri/tai-khoan/{user_id}",
            "/quan-tri/don-vi",
            "/in-nhiet/may-in",
            f"/in-nhiet/may-in/{printer.id}",
            "/quan-tri/lich-nghi/them",
            f"/quan-tri/lich-nghi/muc/{entry_id}",
            "/quan-tri/lich-nghi/nhap",
            "/thu-tuc/moi",
            f"/thu-tuc/{procedure_id}/sua",
            "/thu-tuc/nhap",
        ],
        "tiepnhan": [
            "/tiep-nhan/",
            f"/tiep-nhan/?thu_tuc={procedure_id}",
            "/ho-so/",
            "/ho-so/tim",
            "/thu-tuc",
            "/in/so-theo-doi",
            "/tra-cuu/",
            f"/ho-so/{dossier.id}",
            f"/ho-so/{resolved.id}",
        ],
        "chuyenvien": [f"/ho-so/{working.id}"],
        "lanhdao": [f"/ho-so/{working.id}"],
    }


def test_every_form_answers_in_vietnamese_and_shows_its_limits(
    login_as: Any, pages: dict[str, list[str]]
) -> None:
    walked, problems = 0, []
    for username, urls in pages.items():
        browser: Browser = login_as(username)
        for url in urls:
            resp = browser.get(url)
            assert resp.status_code == 200, f"{username} {url}: {resp.status_code}"
            html = resp.get_data(as_text=True)
            problems += not_vietnamese(html, url)
            for spec in forms_of(html):
                target = spec.action or url
                unlimited = [
                    f.get("name") for f in spec.fields if is_text(f) and not f.get("maxlength")
                ]
                if unlimited:
                    problems.append(f"{url} → {target}: no maxlength on {unlimited}")
                if spec.method != "post" or SKIP_ACTIONS.search(target):
                    continue
                for how in ("empty", "wild"):
                    answer = browser.client.post(
                        target, data=filled(spec, html, how), follow_redirects=True
                    )
                    where = f"{username} {url} → {target} ({how})"
                    if answer.status_code >= 500:
                        problems.append(f"{where}: HTTP {answer.status_code}")
                    problems += not_vietnamese(answer.get_data(as_text=True), where)
                    walked += 1
    assert not problems, "\n".join(sorted(set(problems)))
    assert walked >= 40


def test_every_form_class_of_the_app_is_a_counter_form() -> None:
    """A new FlaskForm that forgot the base would answer in English: catch it here."""
    from flask_wtf import FlaskForm

    import counter.web  # noqa: F401 (registers every blueprint's forms)

    def subclasses(cls: type) -> set[type]:
        return {cls, *(s for c in cls.__subclasses__() for s in subclasses(c))}

    ours = {c for c in subclasses(FlaskForm) if c.__module__.startswith("counter.")}
    assert ours, "no form found"
    wrong = sorted(c.__qualname__ for c in ours if not issubclass(c, CounterForm))
    assert wrong == []
