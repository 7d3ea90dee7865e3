"""The public look-up cannot be walked by code: a per-dossier key, a rate limit.

Codes are sequential, so anyone can guess them. Without the key printed on the
slip (in its QR code and in words) the page says only what a citizen needs:
status, dates, what to bring. With the key it also shows the masked name and the
procedure. Look-ups are limited per address.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import zxingcpp
from flask import Flask

from counter.domain.codes import LOOKUP_KEY_ALPHABET, LOOKUP_KEY_LENGTH
from counter.extensions import db
from counter.models import Dossier, User
from counter.services import Actor, reception
from counter.services import catalog as catalog_service
from counter.services.reception import DocumentLine, ReceptionInput
from tests.web.test_public import awaiting_supplement

NOW = datetime(2025, 11, 28, 2, 0, tzinfo=UTC)  # Friday 09:00 in Vietnam
NAMES = ("Lò Văn Bình", "Quàng Thị Lả", "Cà Văn Nọi")
CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


def _actor(username: str) -> Actor:
    return Actor.for_user(db.session.scalar(db.select(User).where(User.username == username)))


def _receive(name: str, id_number: str) -> Dossier:
    procedure = catalog_service.get_by_code("2.000815")
    data = ReceptionInput(
        procedure_id=procedure.id,
        applicant_name=name,
        id_number=id_number,
        phone="0912 345 678",
        address="Bản Che Căn, xã Mường Phăng",
        documents=[DocumentLine(d.name, d.kind, d.count) for d in procedure.documents],
    )
    return reception.receive(_actor("tiepnhan"), data, now=NOW)


@pytest.fixture
def dossiers(app: Flask) -> list[Dossier]:
    return [_receive(name, f"0110900012{i:02d}") for i, name in enumerate(NAMES)]


def _page(client: Any, url: str) -> tuple[int, str]:
    resp = client.get(url)
    return resp.status_code, CSRF.sub(r"\1-\2", resp.get_data(as_text=True))


def _secrets(dossier: Dossier) -> list[str]:
    """What a stranger must not learn: the name, masked or not, and the procedure."""
    from counter.domain.applicant import mask_name

    return [dossier.applicant_name, mask_name(dossier.applicant_name), dossier.procedure.name]


def test_every_dossier_has_its_own_short_key_from_an_unambiguous_alphabet(
    dossiers: list[Dossier],
) -> None:
    keys = [d.lookup_key for d in dossiers]
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert len(key) == LOOKUP_KEY_LENGTH == 6
        assert set(key) <= set(LOOKUP_KEY_ALPHABET)
    assert not set("0O1I") & set(LOOKUP_KEY_ALPHABET)


def test_walking_50_sequential_codes_without_keys_reveals_no_name_or_procedure(
    app: Flask, client: Any, dossiers: list[Dossier]
) -> None:
    app.config["LOOKUP_PER_MINUTE"] = 1000  # this test walks; the limit has its own test
    prefix = dossiers[0].code.rsplit("-", 1)[0]
    every = list(db.session.scalars(db.select(Dossier)))
    secrets = [s for d in every for s in _secrets(d)]
    found = 0
    for seq in range(1, 51):
        status, html = _page(client, f"/tra-cuu/{prefix}-{seq:04d}")
        assert status in (200, 404)
        if status == 200:
            found += 1
            assert "Hẹn trả kết quả" in html  # the citizen still sees the due date
        for secret in secrets:
            assert secret not in html, (seq, secret)
    assert found == len(dossiers)


def test_a_wrong_key_gives_the_same_answer_as_no_key(client: Any, dossiers: list[Dossier]) -> None:
    dossier = dossiers[1]
    wrong = "".join(reversed(dossier.lookup_key))
    if wrong == dossier.lookup_key:
        wrong = "ABCDEF" if dossier.lookup_key != "ABCDEF" else "GHJKLM"
    without = _page(client, f"/tra-cuu/{dossier.code}")
    assert without[0] == 200
    for key in (wrong, "", "x" * 500, dossier.lookup_key[:5], "%00", dossier.lookup_key + "2"):
        assert _page(client, f"/tra-cuu/{dossier.code}?k={key}") == without, key


def test_the_key_shows_the_masked_name_and_the_procedure(
    client: Any, dossiers: list[Dossier]
) -> None:
    dossier = dossiers[0]
    for typed in (dossier.lookup_key, dossier.lookup_key.lower(), f" {dossier.lookup_key} "):
        status, html = _page(client, f"/tra-cuu/{dossier.code}?k={typed}")
        assert status == 200
        assert "Lò V** B***" in html
        assert "Chứng thực bản sao từ bản chính" in html
        assert "Lò Văn Bình" not in html and "011090001200" not in html


def test_the_look_up_form_takes_the_code_and_the_key(client: Any, dossiers: list[Dossier]) -> None:
    dossier = dossiers[0]
    html = client.get("/tra-cuu/").get_data(as_text=True)
    assert 'name="ma"' in html and 'name="k"' in html
    resp = client.get(
        "/tra-cuu/", query_string={"ma": dossier.code.lower(), "k": dossier.lookup_key.lower()}
    )
    assert resp.status_code == 302
    assert resp.location.endswith(f"/tra-cuu/{dossier.code}?k={dossier.lookup_key}")
    # Without the key, the status page offers the form for it.
    _status, html = _page(client, f"/tra-cuu/{dossier.code}")
    assert 'name="k"' in html and "Mã tra cứu" in html


def test_what_to_bring_shows_without_the_key_the_reason_only_with_it(
    client: Any, app: Flask
) -> None:
    received = awaiting_supplement(
        "Quàng Thị Lả", "011190001111", ["Bản sao Giấy khai sinh"], "Tờ khai chưa ký"
    )
    _, html = _page(client, f"/tra-cuu/{received.code}")
    assert "Bản sao Giấy khai sinh" in html and "0215 3826 999" in html
    assert "Tờ khai chưa ký" not in html and "Quàng T** L*" not in html
    _, html = _page(client, f"/tra-cuu/{received.code}?k={received.lookup_key}")
    assert "Tờ khai chưa ký" in html and "Quàng T** L*" in html


def test_look_ups_are_limited_per_address_with_a_vietnamese_429(
    client: Any, dossiers: list[Dossier]
) -> None:
    code = dossiers[0].code
    for _ in range(30):
        assert client.get(f"/tra-cuu/{code}").status_code == 200
    resp = client.get(f"/tra-cuu/{code}?k={dossiers[0].lookup_key}")
    assert resp.status_code == 429
    assert resp.headers.get("Retry-After")
    html = resp.get_data(as_text=True)
    assert "Bạn đã tra cứu quá nhiều lần" in html
    assert "Lò V** B***" not in html
    assert client.get("/tra-cuu/", query_string={"ma": code}).status_code == 429
    # Another address is not held back by the first one.
    other = client.get(f"/tra-cuu/{code}", environ_base={"REMOTE_ADDR": "192.168.1.77"})
    assert other.status_code == 200


def test_the_slip_page_qr_and_words_carry_the_key(
    app: Flask, login_as: Any, dossiers: list[Dossier]
) -> None:
    from tests.web.test_printforms import svg_to_image, text_of

    dossier = dossiers[0]
    page = login_as("tiepnhan").get(f"/in/ho-so/{dossier.id}/mau-01")
    body = page.get_data(as_text=True)
    svg = re.findall(r"<svg\b.*?</svg>", body, flags=re.S)[0]
    [qr] = zxingcpp.read_barcodes(svg_to_image(svg))
    assert qr.text.endswith(f"/tra-cuu/{dossier.code}?k={dossier.lookup_key}")
    assert f"Mã tra cứu: {dossier.lookup_key}" in text_of(page)
    # The QR leads to the full answer.
    path = qr.text.split("://", 1)[1].split("/", 1)[1]
    assert "Lò V** B***" in app.test_client().get("/" + path).get_data(as_text=True)


def test_the_limit_holds_across_threads_and_frees_after_a_minute() -> None:
    """Waitress serves from several threads: they share one count per address."""
    import threading

    from counter.web.public import RateLimit

    limit = RateLimit(window=60.0)
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(50):
            ok = limit.wait("10.0.0.9", 30, now=100.0) == 0
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 30 and len(allowed) == 400
    assert limit.wait("10.0.0.9", 30, now=130.0) == pytest.approx(30.0)  # wait for the oldest
    assert limit.wait("10.0.0.10", 30, now=130.0) == 0  # another address
    assert limit.wait("10.0.0.9", 30, now=160.5) == 0  # a minute later


def test_over_https_the_language_switch_works_from_the_look_up_page(
    app: Flask, dossiers: list[Dossier]
) -> None:
    """CSRF over HTTPS needs the Referer, so the page must let the browser send it here."""
    from tests.conftest import csrf_from

    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    url = f"https://motcua.local/tra-cuu/{dossiers[0].code}?k={dossiers[0].lookup_key}"
    page = client.get(url)
    # What a browser sends back under the page's policy ('no-referrer' would send none).
    policy = page.headers["Referrer-Policy"]
    assert policy in ("same-origin", "strict-origin", "strict-origin-when-cross-origin")
    resp = client.post(
        "/ngon-ngu/en",
        base_url="https://motcua.local",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "next": "/tra-cuu/"},
        headers={"Referer": url},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
