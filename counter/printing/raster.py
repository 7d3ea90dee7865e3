"""Render layout blocks to a 1-bit picture the width of a thermal print head.

Cheap ESC/POS printers mangle Vietnamese code pages, so every printout is sent as
a picture drawn with the bundled Noto Sans: correct on any printer that prints
raster graphics.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from counter.domain.printed.blocks import (
    Align,
    Block,
    KeyValueBlock,
    QRBlock,
    SeparatorBlock,
    Size,
    SpacerBlock,
    TextBlock,
)
from counter.printing.qr import QUIET_ZONE, make_qr

#: Print-head widths in dots at 203 dpi: 58 mm and 80 mm rolls.
WIDTH_58MM = 384
WIDTH_80MM = 576

#: The same files serve the HTML forms through @font-face.
FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT_FILES = {False: "NotoSans-Regular.ttf", True: "NotoSans-Bold.ttf"}

#: White columns kept on each side: heads vary a little and the paper wanders.
MARGIN = 8
#: Grey level at or above which an anti-aliased pixel prints white.
THRESHOLD = 128

#: Tallest stacked marks and deepest descenders: a line box that holds these clips nothing.
_LINE_PROBE = "ẪẴỖỮỸẬỆỘỰỴÅ|gjpqyỵ"

_LAYOUT_ENGINE = ImageFont.Layout.RAQM if features.check_feature("raqm") else ImageFont.Layout.BASIC


@dataclass(frozen=True, slots=True)
class _Style:
    """Font sizes in dots for one paper width."""

    normal: int
    large: int
    xlarge: int

    def px(self, size: Size) -> int:
        return {Size.NORMAL: self.normal, Size.LARGE: self.large, Size.XLARGE: self.xlarge}[size]


def _style(width: int) -> _Style:
    """58 mm keeps ~30 characters a line; 80 mm ~42, still legible at arm's length.

    Large type on 58 mm holds 'ngày 28 tháng 12 năm 2026' in bold on one line.
    """
    return _Style(22, 26, 56) if width < 512 else _Style(26, 34, 72)


def check_width(width: int) -> None:
    """Raster rows are whole bytes, and a sane head is 48–104 mm wide."""
    if width % 8 or not 256 <= width <= 832:
        raise ValueError(f"width must be a multiple of 8 between 256 and 832 dots, not {width}")


@lru_cache(maxsize=32)
def load_font(px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Load the bundled Noto Sans once per size; RAQM shapes marks best when present."""
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[bold]), px, layout_engine=_LAYOUT_ENGINE)


@lru_cache(maxsize=32)
def _line_box(px: int, bold: bool) -> tuple[int, int]:
    """(baseline offset, line height) for a font: no Vietnamese glyph leaves the box."""
    _, top, _, bottom = load_font(px, bold).getbbox(_LINE_PROBE, anchor="ls")
    leading = max(2, px // 8)
    return leading // 2 - top, bottom - top + leading


def nfc(text: str) -> str:
    """Decomposed input (a + U+0301…) becomes the precomposed letters the font maps."""
    return unicodedata.normalize("NFC", text)


def _clusters(word: str) -> Iterator[str]:
    """Split into base letters with their combining marks, so a hard break never orphans a mark."""
    cluster = ""
    for ch in word:
        if cluster and not unicodedata.combining(ch):
            yield cluster
            cluster = ""
        cluster += ch
    if cluster:
        yield cluster


def _ink_right(font: ImageFont.FreeTypeFont, text: str) -> int:
    """Rightmost inked column: wrapping by advance width could let an overhang into the margin."""
    return int(font.getbbox(text, anchor="ls")[2]) if text else 0


def _break_word(font: ImageFont.FreeTypeFont, word: str, avail: int) -> list[str]:
    """Hard-break a word wider than the line (long codes, URLs) at letter boundaries."""
    pieces: list[str] = []
    current = ""
    for cluster in _clusters(word):
        if current and _ink_right(font, current + cluster) > avail:
            pieces.append(current)
            current = ""
        current += cluster
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, font: ImageFont.FreeTypeFont, avail: int) -> list[str]:
    """Greedy word wrap at ASCII spaces (no-break spaces bind); newlines kept; nothing cut off."""
    lines: list[str] = []
    for paragraph in nfc(text).split("\n"):
        current = ""
        for word in filter(None, paragraph.split(" ")):
            candidate = f"{current} {word}" if current else word
            if _ink_right(font, candidate) <= avail:
                current = candidate
                continue
            if current:
                lines.append(current)
            pieces = _break_word(font, word, avail)
            lines.extend(pieces[:-1])
            current = pieces[-1]
        lines.append(current)
    return lines


def _canvas(width: int, height: int) -> Image.Image:
    return Image.new("L", (width, max(1, height)), 255)


def _text_lines(
    lines: Sequence[str],
    font: ImageFont.FreeTypeFont,
    baseline: int,
    height: int,
    width: int,
    align: Align,
    indent: int = 0,
) -> Image.Image:
    """Draw already-wrapped lines, one line box each."""
    img = _canvas(width, height * len(lines))
    draw = ImageDraw.Draw(img)
    left, right = MARGIN + indent, width - MARGIN
    for i, line in enumerate(lines):
        if align is Align.LEFT:
            x = left
        else:
            spare = right - left - _ink_right(font, line)
            x = left + (spare if align is Align.RIGHT else spare // 2)
        draw.text((x, i * height + baseline), line, font=font, fill=0, anchor="ls")
    return img


def _render_text(block: TextBlock, width: int, style: _Style) -> Image.Image:
    px = style.px(block.size)
    font = load_font(px, block.bold)
    baseline, height = _line_box(px, block.bold)
    lines = wrap(block.text, font, width - 2 * MARGIN)
    return _text_lines(lines, font, baseline, height, width, block.align)


def _render_key_value(block: KeyValueBlock, width: int, style: _Style) -> Image.Image:
    """Label left and value right on one line if both fit; else the value indented below."""
    key_font = load_font(style.normal)
    value_font = load_font(style.normal, block.bold_value)
    baseline, height = _line_box(style.normal, True)
    avail = width - 2 * MARGIN
    label = nfc(f"{block.key}:")
    value = nfc(block.value).strip()
    gap = style.normal // 2
    if "\n" not in value and (
        _ink_right(key_font, label) + gap + _ink_right(value_font, value) <= avail
    ):
        img = _text_lines([label], key_font, baseline, height, width, Align.LEFT)
        draw = ImageDraw.Draw(img)
        x = width - MARGIN - _ink_right(value_font, value)
        draw.text((x, baseline), value, font=value_font, fill=0, anchor="ls")
        return img
    indent = style.normal
    label_img = _text_lines(
        wrap(label, key_font, avail), key_font, baseline, height, width, Align.LEFT
    )
    value_img = _text_lines(
        wrap(value, value_font, avail - indent),
        value_font,
        baseline,
        height,
        width,
        Align.LEFT,
        indent,
    )
    return stack([label_img, value_img])


def _render_separator(block: SeparatorBlock, width: int, style: _Style) -> Image.Image:
    pad = style.normal // 3
    img = _canvas(width, 2 * pad + 2)
    draw = ImageDraw.Draw(img)
    dash, gap = (8, 5) if block.dashed else (width, 0)
    for x in range(MARGIN, width - MARGIN, dash + gap):
        draw.rectangle((x, pad, min(x + dash, width - MARGIN) - 1, pad + 1), fill=0)
    return img


def qr_image(data: str, width: int) -> Image.Image:
    """The QR at the largest integer scale that fits (≤ ~37 mm), quiet zone included."""
    qr = make_qr(data)
    modules = qr.symbol_size(scale=1, border=QUIET_ZONE)[0]
    target = min(width - 2 * MARGIN, 296 if width < 512 else 320)
    scale = target // modules
    if scale < 2:
        raise ValueError(f"QR data too long to scan at {width} dots: {len(data)} characters")
    small = Image.new("L", (modules, modules), 255)
    small.putdata([0 if dark else 255 for row in qr.matrix_iter(border=QUIET_ZONE) for dark in row])
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def _render_qr(block: QRBlock, width: int, style: _Style) -> Image.Image:
    code = qr_image(block.data, width)
    img = _canvas(width, code.height)
    img.paste(code, ((width - code.width) // 2, 0))
    return img


def _render_spacer(block: SpacerBlock, width: int, style: _Style) -> Image.Image:
    return _canvas(width, round(block.lines * _line_box(style.normal, False)[1]))


def render_block(block: Block, width: int) -> Image.Image:
    """One block as a greyscale strip the full paper width."""
    style = _style(width)
    match block:
        case TextBlock():
            return _render_text(block, width, style)
        case KeyValueBlock():
            return _render_key_value(block, width, style)
        case SeparatorBlock():
            return _render_separator(block, width, style)
        case QRBlock():
            return _render_qr(block, width, style)
        case SpacerBlock():
            return _render_spacer(block, width, style)
    raise TypeError(f"not a layout block: {block!r}")


def stack(images: Sequence[Image.Image]) -> Image.Image:
    """Stack strips of the same width top to bottom."""
    width = max(im.width for im in images)
    out = Image.new(images[0].mode, (width, sum(im.height for im in images)), 255)
    y = 0
    for im in images:
        out.paste(im, (0, y))
        y += im.height
    return out


def to_1bit(image: Image.Image) -> Image.Image:
    """Plain threshold, no dithering: dithered glyph edges print fuzzy on a thermal head."""
    return image.convert("L").point(lambda v: 255 if v >= THRESHOLD else 0, mode="1")


def render_blocks(blocks: Sequence[Block], width: int) -> Image.Image:
    """The whole printout as a mode '1' image `width` dots wide (0 = black)."""
    check_width(width)
    if not blocks:
        raise ValueError("nothing to print")
    return to_1bit(stack([render_block(b, width) for b in blocks]))


def ruler_image(width: int) -> Image.Image:
    """Ticks every mm (8 dots) edge to edge: shows whether the head prints its full width."""
    check_width(width)
    font = load_font(16)
    img = _canvas(width, 48)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width - 1, 1), fill=0)
    for x in range(0, width, 8):
        mm = x // 8
        tick = 22 if mm % 10 == 0 else 14 if mm % 5 == 0 else 8
        draw.rectangle((x, 2, x + 1, 2 + tick), fill=0)
        if mm % 10 == 0 and 0 < x < width - 24:
            draw.text((x + 3, 44), str(mm), font=font, fill=0, anchor="ls")
    draw.rectangle((width - 2, 0, width - 1, 47), fill=0)
    draw.rectangle((0, 0, 1, 47), fill=0)
    return to_1bit(img)
