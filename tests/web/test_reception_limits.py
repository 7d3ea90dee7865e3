"""Limits at the counter are visible and nothing typed is ever silently cut."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from counter.models import CounterNotice, Dossier, DossierDocument, Procedure
from counter.models.types import column_length
from tests.conftest import Browser
from tests.web.test_reception_pages import (  # noqa: F401 (fixture)
    certify,
    dossier_count,
    form_data,
    mine,
    notices,
)

TEXT_TYPES = {"text", "search", "email", "tel", "password", "url", ""}


class Inputs(HTMLParser):
    """Every text input and textarea of one form (by id), with its attributes."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif self.inside and (
            (tag == "input" and a.get("type", "") in TEXT_TYPES) or tag == "textarea"
        ):
            self.fields[a.get("name", "?")] = a

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def text_fields(html: str, form_id: str) -> dict[str, dict[str, str]]:
    parser = Inputs(form_id)
    parser.feed(html)
    return parser.fields


@pytest.fixture
def officer(login_as: Any) -> Browser:
    return login_as("tiepnhan")


def test_every_text_field_of_the_reception_form_shows_its_limit(
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    html = officer.get(f"/tiep-nhan/?thu_tuc={certify.id}").get_data(as_text=True)
    fields = text_fields(html, "reception-form")
    assert len(fields) >= 15
    missing = sorted(name for name, a in fields.items() if not a.get("maxlength"))
    assert missing == []
    # The same numbers as the database columns: one source of truth.
    for name, column in {
        "applicant_name": Dossier.applicant_name,
        "address": Dossier.address,
        "email": Dossier.email,
        "phone": Dossier.phone,
        "id_number": Dossier.id_number,
        "filer_name": Dossier.filer_name,
        "filer_address": Dossier.filer_address,
        "notes": Dossier.notes,
        "reason": CounterNotice.reason,
        f"documents-{len(certify.documents)}-name": DossierDocument.name,  # an "other" line
    }.items():
        assert fields[name]["maxlength"] == str(column_length(column)), name


@pytest.mark.parametrize(
    ("field", "column"),
    [
        ("applicant_name", Dossier.applicant_name),
        ("address", Dossier.address),
        ("notes", Dossier.notes),
        (f"documents-{2}-name", DossierDocument.name),
    ],
)
def test_too_long_text_is_refused_with_a_vietnamese_message_not_cut(
    officer: Browser,
    certify: Procedure,  # noqa: F811
    field: str,
    column: Any,
) -> None:
    limit = column_length(column)
    data = form_data(certify)
    if field.startswith("documents-"):
        field = f"documents-{len(certify.documents)}-name"
        data[field.replace("-name", "-received")] = "y"
    data[field] = "a" * (limit + 1)
    resp = officer.submit("/tiep-nhan/", data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert f"tối đa {limit} ký tự" in html.lower()
    assert f"{limit + 1} ký tự" in html  # says how long it is now
    assert "a" * (limit + 1) in html  # what was typed is kept, whole
    assert dossier_count() == 0


def test_text_at_the_limit_is_saved_whole(officer: Browser, certify: Procedure) -> None:  # noqa: F811
    name = "Lò Văn Bình " + "x" * (column_length(Dossier.applicant_name) - 12)
    notes = "ghi chú " * (column_length(Dossier.notes) // 8)
    notes = notes.strip()
    resp = officer.submit("/tiep-nhan/", form_data(certify, applicant_name=name, notes=notes))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    [dossier] = mine()
    assert dossier.applicant_name == name and dossier.notes == notes


def test_a_long_refusal_reason_is_refused_not_cut(officer: Browser, certify: Procedure) -> None:  # noqa: F811
    limit = column_length(CounterNotice.reason)
    data = form_data(certify, action="refuse", reason="x" * (limit + 1))
    resp = officer.submit("/tiep-nhan/", data)
    assert resp.status_code == 422
    assert f"tối đa {limit} ký tự" in resp.get_data(as_text=True).lower()
    assert notices() == []


@pytest.mark.parametrize("typed", ["31/02/1990", "29/02/2023", "00/01/1990", "15/13/1990"])
def test_a_date_of_birth_that_does_not_exist_says_so(
    officer: Browser,
    certify: Procedure,  # noqa: F811
    typed: str,
) -> None:
    resp = officer.submit("/tiep-nhan/", form_data(certify, date_of_birth=typed))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert f"Ngày sinh {typed} không có trên lịch" in html
    assert dossier_count() == 0


def test_a_date_of_birth_in_a_wrong_shape_shows_the_expected_shape(
    officer: Browser,
    certify: Procedure,  # noqa: F811
) -> None:
    resp = officer.submit("/tiep-nhan/", form_data(certify, date_of_birth="1990"))
    assert resp.status_code == 422
    assert re.search(r"ngày/tháng/năm, ví dụ 05/09/1990", resp.get_data(as_text=True))
