"""Screens speak Vietnamese words, never the program's codes (original_or_copy, …)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from counter.models import Procedure
from tests.web.test_reception_pages import certify, form_data, mine  # noqa: F401 (fixture)


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_a_document_kind_reads_as_words_on_the_dossier_page(
    login_as: Any,
    certify: Procedure,  # noqa: F811
) -> None:
    officer = login_as("tiepnhan")
    data = form_data(certify, **{"documents-0-kind": "original_or_copy"})
    assert officer.submit("/tiep-nhan/", data).status_code == 302
    [dossier] = mine()
    assert dossier.documents[0].kind == "original_or_copy"
    text = _text(officer.get(f"/ho-so/{dossier.id}").get_data(as_text=True))
    assert "bản chính hoặc bản sao" in text
    assert "original_or_copy" not in text
