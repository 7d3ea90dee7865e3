"""Every route of the app, fuzzed: no input gives an HTTP 500 (issue 9).

The routes come from ``app.url_map`` (every method), so a new page, form or JSON
endpoint is fuzzed without anyone remembering to. For each route hypothesis
draws who asks (nobody, or a demo account holding a role the view accepts), the
path (ids and actions seen on the app's own pages, huge and negative numbers,
odd text), query arguments, and for a POST a body: the form's real field names
(read from the pages whose forms post there: inputs, selects, textareas) with
wild values, extra fields and random files; or random JSON, with the keys the
view reads; or raw bytes. Any answer of 500 or more fails.

The fuzzed app runs with CSRF off (``WTF_CSRF_ENABLED=False``) so that random
data reaches the views; ``test_every_post_route_refuses_a_request_without_csrf``
checks on the normal app that CSRF guards every POST route all the same.

``COUNTER_FUZZ_EXAMPLES`` sets the examples per route (default 20, the same ones
each run); set it for a deeper, random run:
``COUNTER_FUZZ_EXAMPLES=200 python -m pytest tests/web/test_fuzz.py``.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.security import generate_password_hash
from werkzeug.test import stream_encode_multipart

from counter import create_app
from counter.extensions import db
from counter.models import Printer, User
from tests.conftest import DEMO_PASSWORDS

EXAMPLES = int(os.environ.get("COUNTER_FUZZ_EXAMPLES") or 20)
#: A deeper run asked for by hand explores at random; the suite replays the same examples.
RANDOM = bool(os.environ.get("COUNTER_FUZZ_EXAMPLES"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=not RANDOM,
    suppress_health_check=list(HealthCheck),
)

#: The demo accounts and the roles each holds.
DEMO_ROLES = {
    "admin": {"admin"},
    "tiepnhan": {"reception"},
    "chuyenvien": {"specialist"},
    "lanhdao": {"leader"},
    "kiemnhiem": {"reception", "specialist"},
}
#: The fuzz's own address, so its wrong passwords never make the test's sign-ins wait.
FUZZ_ADDRESS = "192.0.2.7"

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "99999999999999999999",
    str(2**31),
    str(2**63),
    "9" * 5000,
    "٣",
    "１２",
    "0x10",
    "9999-12-31",
    "0001-01-01",
    "31/02/2026",
    "01/01/1899",
    "25:99",
    "\x00",
    "a\x00b",
    "\x1b[0m\x07",
    "a\r\nb: c",
    "/\\evil.example",
    "//evil.example",
    "<script>alert(1)</script>",
    "%",
    "_",
    "\\",
    "' OR 1=1 --",
    "😀",
    "x" * 5001,
    " ".join(["an"] * 1000),
    "null",
    "[]",
    "{}",
    "true",
    "|||||",
    "011090001234|040512345|Lò Văn Bình|05091990|Nam|Điện Biên|01072021",
]
NUMBER_TEXT = st.integers(min_value=-(10**30), max_value=10**30).map(str)
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), NUMBER_TEXT)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False),
    TEXT,
)
JSON_ANY = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
FILE_NAMES = [
    "a.pdf",
    "a.png",
    "a.jpg",
    "a.csv",
    "a.xlsx",
    "a.json",
    "a.xls",
    "",
    "../../x",
    "x" * 300,
]
FILE_HEADS = [
    b"",
    b"%PDF-1.4\n",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\xef\xbb\xbf",
]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "text/plain",
]
#: Query arguments some page reads; each route also gets those its own links and forms use.
COMMON_ARGS = ["page", "q", "k", "next", "thu_tuc", "from", "to", "nam", "size", "print", "limit"]
_PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _routes() -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) of every route; the app is built without any I/O."""
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "x", "TESTING": True})
        rules = list(app.url_map.iter_rules())
    return sorted(
        (rule.rule, method, rule.endpoint)
        for rule in rules
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    )


ROUTES = _routes()


# -- what the app's own pages show: paths, forms, query arguments ------------------


@dataclass
class FormShape:
    """The fields a form posts: name → kind (input type, textarea, select), options, values."""

    kinds: dict[str, str] = field(default_factory=dict)
    options: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


class PageParser(HTMLParser):
    """Links and forms of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, str, FormShape]] = []  # (action, method, shape)
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append((a.get("action", ""), a.get("method", "get").lower(), FormShape()))
        elif not self.forms or not a.get("name"):
            return
        elif tag in ("input", "textarea", "select", "button"):
            shape = self.forms[-1][2]
            name = a["name"]
            kind = a.get("type", "text").lower() if tag in ("input", "button") else tag
            shape.kinds.setdefault(name, kind)
            if a.get("value"):
                shape.options[name].add(a["value"])
            self.select = name if tag == "select" else None
        elif tag == "option" and self.select:
            self.forms[-1][2].options[self.select].add(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None


@dataclass
class World:
    """Paths, forms and arguments seen on the app's pages, by (endpoint, method)."""

    paths: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    forms: dict[str, FormShape] = field(default_factory=dict)
    args: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    segments: set[str] = field(default_factory=set)

    def add_form(self, endpoint: str, shape: FormShape) -> None:
        known = self.forms.setdefault(endpoint, FormShape())
        for name, kind in shape.kinds.items():
            known.kinds.setdefault(name, kind)
            known.options[name] |= shape.options.get(name, set())


_WORLD: World | None = None


def _match(app: Flask, url: str, method: str) -> tuple[str, str] | None:
    """(endpoint, path) of a same-site URL, or None."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method=method)
    except (HTTPException, RequestRedirect):
        return None
    return endpoint, parts.path


#: Where each account's crawl starts: the admin passes every role check and sees every
#: page; the others add the dossier actions of their roles, and nobody the public pages.
CRAWL_STARTS = {
    "admin": ["/tiep-nhan/?q=a", "/ho-so/?tab=all", "/ho-so/tim?q=a"],
    "tiepnhan": ["/ho-so/?tab=all"],
    "chuyenvien": ["/ho-so/?tab=all"],
    "lanhdao": ["/ho-so/?tab=all"],
    "": ["/dang-nhap", "/tra-cuu/"],
}


#: Pages each account's crawl opens at most. The admin opens every page without
#: arguments first, then the links found, a link to a kind of page not opened yet
#: before more of the kinds already seen: the pages' many links (the reports' months,
#: the ledger's) would otherwise push the catalog's edit form past the limit, on
#: some days and not others.
CRAWL_PAGES = 100


def _crawl(app: Flask, clients: Clients) -> World:
    """Open the pages each account reaches, a few of each kind, and note what they hold."""
    world = World()
    every_page = [rule for rule, method, _e in ROUTES if method == "GET" and "<" not in rule]
    for username, starts in CRAWL_STARTS.items():
        client = clients.get(username) if username else clients.anonymous()
        if client is None:
            continue
        queue = starts + (every_page if username == "admin" else [])
        again: list[str] = []  # links to kinds of page already opened or queued
        queued: set[str] = set()  # the endpoints of the links in ``queue``
        seen: set[str] = set()
        per_endpoint: dict[str, int] = defaultdict(int)
        while (queue or again) and len(seen) < CRAWL_PAGES:
            url = queue.pop(0) if queue else again.pop(0)
            found = _match(app, url, "GET")
            if found is None or url in seen:
                continue
            endpoint, path = found
            if per_endpoint[endpoint] >= 4:
                continue
            seen.add(url)
            per_endpoint[endpoint] += 1
            resp = client.get(url)
            if resp.mimetype != "text/html" or resp.status_code != 200:
                continue
            parser = PageParser()
            parser.feed(resp.get_data(as_text=True))
            for link in parser.links:
                hit = _match(app, link, "GET")
                if hit:
                    world.paths[(hit[0], "GET")].add(hit[1])
                    world.args[hit[0]].update(k for k, _v in parse_qsl(urlsplit(link).query))
                    if username == "admin" or hit[0] == "dossiers.show":
                        fresh = per_endpoint[hit[0]] == 0 and hit[0] not in queued
                        (queue if fresh else again).append(link)
                        queued.add(hit[0])
            for action, method, shape in parser.forms:
                verb = "POST" if method == "post" else "GET"
                hit = _match(app, action or path, verb)
                if hit is None:
                    continue
                world.paths[(hit[0], verb)].add(hit[1])
                if verb == "POST":
                    world.add_form(hit[0], shape)
                else:
                    world.args[hit[0]].update(shape.kinds)
    for paths in world.paths.values():
        for path in paths:
            world.segments.update(s for s in path.split("/") if s and not s.isdigit())
    return world


def _json_keys(app: Flask, endpoint: str) -> list[str]:
    """The keys a JSON view reads (``payload.get("qr")``), from its source."""
    view = app.view_functions[endpoint]
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return []
    return sorted(set(re.findall(r"payload(?:\.get\(|\[)[\"'](\w+)", source)))


# -- who asks --------------------------------------------------------------------


class Clients:
    """A signed-in test client per demo account, signed in again when a fuzzed request ends it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.signed_in: dict[str, FlaskClient] = {}

    def anonymous(self) -> FlaskClient:
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = FUZZ_ADDRESS
        return client

    def get(self, username: str) -> FlaskClient | None:
        if username in self.signed_in:
            return self.signed_in[username]
        client = self.app.test_client()
        resp = client.post(
            "/dang-nhap", data={"username": username, "password": DEMO_PASSWORDS[username]}
        )
        if resp.status_code != 302 or "/doi-mat-khau" in resp.headers.get("Location", ""):
            return None
        self.signed_in[username] = client
        return client

    def after(self, username: str, resp: Any) -> None:
        """Forget a session the request ended (sign-out, password or account changes)."""
        location = resp.headers.get("Location", "") if resp.status_code in (301, 302, 303) else ""
        if "/dang-nhap" in location or "/doi-mat-khau" in location:
            self.signed_in.pop(username, None)


def _quick_passwords(app: Flask) -> None:
    """Demo accounts as they start: active, past first sign-in, passwords cheap to check."""
    with app.app_context():
        for user in db.session.scalars(db.select(User).where(User.username.in_(DEMO_ROLES))):
            user.password_hash = generate_password_hash(
                DEMO_PASSWORDS[user.username], method="pbkdf2:sha256:1"
            )
            user.must_change_password = False
            user.active = True
        db.session.commit()


def _askers(app: Flask, endpoint: str) -> list[str]:
    """Who may open the view (admins pass every role check), and nobody."""
    roles = getattr(app.view_functions[endpoint], "roles", None)
    if roles is None:
        return ["", *DEMO_ROLES]
    return ["", *(u for u, held in DEMO_ROLES.items() if "admin" in held or held & set(roles))]


# -- what is sent ----------------------------------------------------------------


def _path(rule: str, known: set[str], segments: set[str], data: Any) -> str:
    if known and data.draw(st.booleans(), label="known path"):
        return data.draw(st.sampled_from(sorted(known)), label="path")

    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "default", match.group(2)
        if converter == "int":
            value = data.draw(
                st.one_of(
                    st.integers(min_value=0, max_value=60).map(str),
                    st.integers(min_value=-(10**25), max_value=10**25).map(str),
                    st.sampled_from(["0", str(2**31), str(2**63 - 1), str(2**63), "9" * 30, "٣"]),
                ),
                label=name,
            )
        else:
            value = data.draw(
                st.one_of(st.sampled_from(sorted(segments) or ["x"]), TEXT.filter(bool)),
                label=name,
            )
        return quote(value, safe="/" if converter == "path" else "")

    return _PLACEHOLDER.sub(fill, rule)


def _form_value(kind: str, options: set[str], data: Any) -> Any:
    choices = sorted(options)
    if kind == "file":
        head = data.draw(st.sampled_from(FILE_HEADS), label="file head")
        body = data.draw(st.binary(max_size=200), label="file body")
        name = data.draw(st.sampled_from(FILE_NAMES), label="file name")
        return (io.BytesIO(head + body), name)
    if choices:
        return data.draw(st.one_of(st.sampled_from(choices), TEXT), label=kind)
    return data.draw(TEXT, label=kind)


def _body(endpoint: str, world: World, json_keys: list[str], data: Any) -> dict[str, Any]:
    """Keyword arguments for the client: a form, JSON, or raw bytes."""
    how = data.draw(st.sampled_from(["form", "form", "form", "json", "raw"]), label="body")
    if how == "json":
        if json_keys and data.draw(st.booleans(), label="object with its keys"):
            payload: Any = {
                key: data.draw(JSON_ANY, label=key)
                for key in json_keys
                if data.draw(st.booleans(), label=f"send {key}")
            }
        else:
            payload = data.draw(JSON_ANY, label="json")
        return {"json": payload}
    if how == "raw":
        return {
            "data": data.draw(st.binary(max_size=300), label="raw"),
            "content_type": data.draw(st.sampled_from(CONTENT_TYPES), label="content type"),
        }
    shape = world.forms.get(endpoint, FormShape())
    form: dict[str, Any] = {}
    for name, kind in sorted(shape.kinds.items()):
        if kind in ("submit", "button") and not shape.options.get(name):
            continue
        if data.draw(st.integers(min_value=0, max_value=4), label=f"send {name}"):
            form[name] = _form_value(kind, shape.options.get(name, set()), data)
    extra = data.draw(st.dictionaries(st.text(max_size=12), TEXT, max_size=3), label="extra")
    for name, value in extra.items():
        form.setdefault(name, value)
    if not any(isinstance(v, tuple) for v in form.values()):
        return {"data": form}
    # Encoded here, in memory: the test client would spool it to a file it never closes.
    values = MultiDict(
        (k, FileStorage(v[0], filename=v[1]) if isinstance(v, tuple) else v)
        for k, v in form.items()
    )
    stream, _length, boundary = stream_encode_multipart(values, use_tempfile=False)
    return {"data": stream.read(), "content_type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.parametrize(
    ("rule", "method", "endpoint"), ROUTES, ids=[f"{m} {r}" for r, m, _e in ROUTES]
)
def test_no_input_gives_a_500(
    app: Flask, rule: str, method: str, endpoint: str, tmp_path: Any, monkeypatch: Any
) -> None:
    global _WORLD
    monkeypatch.chdir(tmp_path)  # a printer address saved by the fuzz as file:x writes here
    app.config["WTF_CSRF_ENABLED"] = False
    db.session.add(Printer(name="Quầy fuzz", uri="file:fuzz-printer.bin", width=576))
    db.session.commit()
    _quick_passwords(app)
    clients = Clients(app)
    if _WORLD is None:
        _WORLD = _crawl(app, clients)
    world = _WORLD
    askers = _askers(app, endpoint)
    known = world.paths.get((endpoint, method), set())
    args = sorted({*COMMON_ARGS, *world.args.get(endpoint, set())})
    json_keys = _json_keys(app, endpoint) if method == "POST" else []

    @FUZZ_SETTINGS
    @given(st.data())
    def fuzz(data: Any) -> None:
        username = data.draw(st.sampled_from(askers), label="who")
        client = clients.get(username) if username else None
        client = client or clients.anonymous()
        path = _path(rule, known, world.segments, data)
        query = data.draw(st.dictionaries(st.sampled_from(args), TEXT, max_size=3), label="query")
        kwargs = _body(endpoint, world, json_keys, data) if method != "GET" else {}
        note(f"{username or 'anonymous'} {method} {path} ?{query} {kwargs!r:.2000}")
        resp = client.open(path, method=method, query_string=query, **kwargs)
        assert resp.status_code < 500, resp.get_data(as_text=True)[:2000]
        resp.close()
        if username:
            clients.after(username, resp)

    fuzz()


def test_the_fuzz_reaches_the_forms_it_should() -> None:
    """A guard on the guard: the crawl found the forms, so the fuzz posts their real fields."""
    if _WORLD is None:
        pytest.skip("runs after the fuzz (same module)")
    posted = set(_WORLD.forms)
    for endpoint in (
        "reception.submit",
        "dossiers.act",
        "dossiers.search",
        "catalog.edit",
        "catalog.import_upload",
        "calendar.import_file",
        "admin.office",
        "admin.user_new",
        "printing.printers",
        "auth.login",
    ):
        assert endpoint in posted, endpoint
    assert "applicant_name" in _WORLD.forms["reception.submit"].kinds
    assert len(posted) >= 20


def test_every_post_route_refuses_a_request_without_csrf(client: FlaskClient) -> None:
    """The fuzz turns CSRF off; here, on the app as it runs, every POST route still needs it."""
    posts = [rule for rule, method, _e in ROUTES if method == "POST"]
    assert len(posts) >= 30
    for rule in posts:
        path = _PLACEHOLDER.sub(lambda m: "1" if m.group(1) == "int" else "receive", rule)
        for kwargs in ({"data": {"x": "1"}}, {"json": {"qr": "1", "procedure_id": 1}}):
            resp = client.post(path, **kwargs)
            assert resp.status_code == 400, f"{path} {kwargs}: {resp.status_code}"
            text = resp.get_data(as_text=True)
            assert "Phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ" in text, path
