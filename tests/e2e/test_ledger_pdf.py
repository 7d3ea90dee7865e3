"""The ledger (form 07) as a leader prints it from Chromium: A4 landscape, every text in its cell.

The PDF is read back with pypdf: each piece of text is placed by its text matrix and
measured with the bundled font the page uses; the column rules are the thin rectangles
Chromium draws for the table borders. A piece of text whose end passes the next rule
has run into the neighbouring column, which is what made the ledger unreadable.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import ImageFont
from pypdf import PageObject, PdfReader

from tests.e2e.conftest import LiveServer, log_in

pytestmark = pytest.mark.e2e

VN = ZoneInfo("Asia/Ho_Chi_Minh")
A4_LANDSCAPE = (842, 595)
FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
CODE_RE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4,}")

#: Cells whose content is wider than the cell, on screen (text boxes against the cell box).
OVERFLOWING_CELLS_JS = """
() => {
  const bad = [];
  for (const cell of document.querySelectorAll("table.ledger-table th, table.ledger-table td")) {
    const box = cell.getBoundingClientRect();
    if (cell.scrollWidth > cell.clientWidth + 1) { bad.push(cell.innerText); continue; }
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      const out = [...range.getClientRects()].some(
        (r) => r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5));
      if (out) { bad.push(node.textContent.trim()); break; }
    }
  }
  return bad;
}
"""


@dataclass(frozen=True)
class Piece:
    """A run of text on a PDF page: where it starts and ends (points), and its baseline."""

    text: str
    left: float
    right: float
    baseline: float


@dataclass(frozen=True)
class Rule:
    """A vertical table border: its x and the height it spans (points)."""

    x: float
    top: float
    bottom: float


_fonts: dict[str, ImageFont.FreeTypeFont] = {}


def _width(text: str, base_font: str, size: float) -> float:
    """The advance width of ``text`` in the bundled Noto Sans the PDF embeds (a subset of)."""
    name = "NotoSans-Bold.ttf" if "Bold" in base_font else "NotoSans-Regular.ttf"
    if name not in _fonts:
        _fonts[name] = ImageFont.truetype(str(FONTS / name), 1000)
    return _fonts[name].getlength(text) * size / 1000


def _times(a: list[float], b: list[float]) -> list[float]:
    """The product of two PDF matrices [a b c d e f]."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def layout_of(page: PageObject) -> tuple[list[Piece], list[Rule]]:
    """The text pieces and vertical rules of a page, in page points."""
    pieces: list[Piece] = []
    rules: list[Rule] = []

    def operand(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op != b"re":
            return
        x, y, w, h = (float(a) for a in args)
        if abs(w) <= 2 and abs(h) > 4:  # a border segment, not a background
            y1, y2 = cm[3] * y + cm[5], cm[3] * (y + h) + cm[5]
            rules.append(Rule(cm[0] * x + cm[4], min(y1, y2), max(y1, y2)))

    def text(run: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        shown = run.strip()
        if not shown or font is None:
            return
        m = _times(tm, cm)
        base = str(font.get("/BaseFont", ""))
        lead = run[: len(run) - len(run.lstrip())]
        left = m[4] + _width(lead, base, size) * m[0]
        pieces.append(Piece(shown, left, left + _width(shown, base, size) * m[0], m[5]))

    page.extract_text(visitor_operand_before=operand, visitor_text=text)
    return pieces, rules


def overflowing(page: PageObject) -> list[str]:
    """Pieces of table text that pass the right border of the column they start in."""
    pieces, rules = layout_of(page)
    out = []
    for piece in pieces:
        row = sorted(r.x for r in rules if r.top - 1 <= piece.baseline <= r.bottom + 1)
        left = [x for x in row if x <= piece.left + 0.5]
        right = [x for x in row if x > piece.left + 0.5]
        if left and right and piece.right > right[0] + 0.5:
            out.append(f"{piece.text!r} ends at {piece.right:.1f}, its column at {right[0]:.1f}")
    return out


def hyphen_parts(code: str) -> set[str]:
    """The lines a code may print as when it wraps: runs that start and end at hyphens."""
    cuts = [0] + [i + 1 for i, ch in enumerate(code) if ch == "-"] + [len(code)]
    return {code[i:j] for i in cuts for j in cuts if i < j}


def text_of(page: PageObject) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", page.extract_text() or ""))


def test_the_printed_ledger_is_landscape_and_every_text_stays_in_its_column(
    live_server: LiveServer, page: Any
) -> None:
    log_in(page, live_server, "lanhdao", "lanhdao123")
    today = datetime.now(VN).date()
    start = today - timedelta(days=45)  # every demo dossier, across a month's end
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(live_server(f"/in/so-theo-doi?from={start:%d/%m/%Y}&to={today:%d/%m/%Y}"))
    codes = [c.strip() for c in page.locator("table.ledger-table td.code").all_inner_texts()]
    assert len(codes) >= 12, "the demo fills more than a page"
    assert all(CODE_RE.fullmatch(c) for c in codes), codes

    # On screen, the sheet as the officer sees it before printing.
    assert page.evaluate(OVERFLOWING_CELLS_JS) == []

    reader = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    sizes = [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    ]
    assert len(sizes) >= 2 and set(sizes) == {A4_LANDSCAPE}, sizes
    problems = [f"page {i}: {p}" for i, pg in enumerate(reader.pages, 1) for p in overflowing(pg)]
    assert problems == []

    pages = [text_of(p) for p in reader.pages]
    whole = "".join(pages).replace(" ", "")
    assert all(code in whole for code in codes)  # a code that wraps keeps every character
    # Any wrong cut leaves a piece with a dot or a hyphen that is not a whole hyphen run.
    pieces = [p.text for pg in reader.pages for p in layout_of(pg)[0] if re.search(r"[.-]", p.text)]
    cut = [t for t in pieces for c in codes if t in c and t not in hyphen_parts(c)]
    assert cut == [], "a code may break only after a hyphen"
    for number, text in enumerate(pages, start=1):
        assert "Mã hồ sơ" in text and "Hẹn trả kết quả" in text  # the header on every page
        assert f"Trang {number}/{len(pages)}" in text
