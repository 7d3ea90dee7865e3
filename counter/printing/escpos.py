"""Turn a rendered printout into an ESC/POS byte stream, built by python-escpos.

Raster (the default) prints correct Vietnamese on any ESC/POS printer. The job is
built on python-escpos's `Dummy` printer so the bytes can be stored, tested and
sent to any backend later, after the dossier's transaction has committed.
"""

from __future__ import annotations

import copy
import re
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from escpos.capabilities import CAPABILITIES
from escpos.printer import Dummy
from PIL import Image

from counter.domain.printed.blocks import (
    NBSP,
    Align,
    Block,
    KeyValueBlock,
    QRBlock,
    SeparatorBlock,
    Size,
    SpacerBlock,
    TextBlock,
)
from counter.printing.raster import WIDTH_80MM, check_width, nfc, render_block, to_1bit

#: GS v 0 strips are at most this tall: old firmware buffers 256 rows at most.
MAX_STRIP_HEIGHT = 255
#: Some cheap printers misprint (skip or repeat rows) a GS v 0 strip whose height is
#: a multiple of 48; no strip we send has such a height.
BAD_STRIP_MULTIPLE = 48
#: Font A is 12 dots wide: 32 columns on 58 mm, 48 on 80 mm.
FONT_A_DOTS = 12

#: The Vietnamese tone marks; CP1258 encodes them as combining characters.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    """What the job needs to know about the printer.

    `model` names a python-escpos capabilities profile; it matters only in text
    mode, where it gives the number of the CP1258 code page (52 on Epson, 27 or 94
    on many Chinese 58 mm printers).
    """

    width: int = WIDTH_80MM
    cut: bool = True
    text_mode: bool = False
    model: str = "default"

    def __post_init__(self) -> None:
        check_width(self.width)
        profiles = CAPABILITIES["profiles"]
        if self.model not in profiles:
            raise ValueError(f"unknown python-escpos printer profile: {self.model!r}")
        if self.text_mode and "CP1258" not in profiles[self.model]["codePages"].values():
            raise ValueError(f"printer profile {self.model!r} has no CP1258 code page")

    @property
    def columns(self) -> int:
        """Characters per line of font A, for text mode."""
        return self.width // FONT_A_DOTS


def strip_heights(total: int, max_height: int = MAX_STRIP_HEIGHT) -> list[int]:
    """Split `total` rows into GS v 0 strips ≤ max_height, none a multiple of 48.

    Full strips are safe (255 = 5·48 + 15); only the last can be bad. If so, move
    one row into it from the strip before (254 is safe too), or split a lone strip
    into two odd halves (24k ± 1 is odd, so never a multiple of 48).
    """
    if total <= 0:
        raise ValueError("an image has at least one row")
    if max_height < 3 or not (
        max_height % BAD_STRIP_MULTIPLE and (max_height - 1) % BAD_STRIP_MULTIPLE
    ):
        raise ValueError(
            f"max_height {max_height}: it and the one below must not be multiples of 48"
        )
    heights = [max_height] * (total // max_height)
    if rest := total % max_height:
        heights.append(rest)
    last = heights[-1]
    if last % BAD_STRIP_MULTIPLE:
        return heights
    if len(heights) > 1:
        heights[-2:] = [heights[-2] - 1, last + 1]
    else:
        heights[-1:] = [last // 2 + 1, last // 2 - 1]
    return heights


def _dummy(profile: PrinterProfile) -> Dummy:
    """A python-escpos Dummy that knows the paper width.

    Without a width in its profile, python-escpos's `image()` prints a warning to
    stdout on every call. The profile's data dict is shared by every printer of that
    model, so the change goes into a private copy.
    """
    printer = Dummy(profile=profile.model)
    data = copy.deepcopy(printer.profile.profile_data)
    data["media"]["width"]["pixels"] = profile.width
    printer.profile.profile_data = data
    return printer


def _write_image(printer: Dummy, image: Image.Image) -> None:
    """Send the picture as GS v 0 strips of safe heights, top to bottom, nothing between."""
    y = 0
    for height in strip_heights(image.height):
        strip = image.crop((0, y, image.width, y + height))
        printer.image(strip, impl="bitImageRaster", fragment_height=MAX_STRIP_HEIGHT + 1)
        y += height


def _finish(printer: Dummy, profile: PrinterProfile) -> bytes:
    """Feed past the tear bar, then cut partially (the slip stays on the roll if the cutter jams)."""
    if profile.cut:
        printer.cut(mode="PART")
    else:
        printer.print_and_feed(4)
    return printer.output


def image_job(image: Image.Image, profile: PrinterProfile) -> bytes:
    """A complete job: initialise, the picture, feed and cut."""
    if image.width != profile.width:
        raise ValueError(f"image is {image.width} dots wide, printer {profile.width}")
    printer = _dummy(profile)
    printer.hw("INIT")
    _write_image(printer, image.convert("1"))
    return _finish(printer, profile)


def to_cp1258(text: str) -> str:
    """Vietnamese in the form CP1258 can encode: base letter (ă, ê, ư…) + combining tone.

    CP1258 has no code for most toned letters ('ế', 'ự'); python-escpos would print
    '?' for them, so each is split into a base letter CP1258 has and a tone mark.
    """
    out: list[str] = []
    for ch in nfc(text).replace(NBSP, " "):
        try:
            ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = "".join(c for c in parts if c not in _TONE_MARKS)
            tones = "".join(c for c in parts if c in _TONE_MARKS)
            out.append(unicodedata.normalize("NFC", base) + tones)
        else:
            out.append(ch)
    return "".join(out)


#: C0 and C1 control characters and DEL, but not the newline our layout splits lines at.
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text as it may reach a printer in text mode: no ESC, GS, NUL or other control byte.

    A name typed with ESC p would kick the cash drawer, GS V would cut the roll: user
    data must never become a printer command. A tab becomes a space.
    """
    return _CONTROLS.sub("", text.replace("\t", " "))


def _printable_block(block: Block) -> Block:
    """The block with its text fields made printable (the one door of text mode)."""
    match block:
        case TextBlock():
            return replace(block, text=printable(block.text))
        case KeyValueBlock():
            return replace(block, key=printable(block.key), value=printable(block.value))
    return block


def _wrap_columns(text: str, columns: int) -> list[str]:
    """Wrap at ASCII spaces (textwrap leaves no-break spaces alone), then print them as spaces."""
    lines: list[str] = []
    for paragraph in nfc(text).split("\n"):
        wrapped = textwrap.wrap(paragraph, columns, break_on_hyphens=False) or [""]
        lines += [line.replace(NBSP, " ") for line in wrapped]
    return lines


def text_job(blocks: Sequence[Block], profile: PrinterProfile) -> bytes:
    """Text-mode job in code page CP1258 (QR codes still go as raster).

    Off by default: many printers list CP1258 but print its combining tone marks
    as separate characters, or not at all. Use only after a test print proves the
    printer handles it; it is faster on slow serial links.
    """
    printer = _dummy(profile)
    printer.hw("INIT")
    printer.charcode("CP1258")
    cols = profile.columns
    for block in map(_printable_block, blocks):
        match block:
            case TextBlock():
                wide = block.size is Size.XLARGE
                printer.set(
                    align=block.align.value,
                    bold=block.bold,
                    normal_textsize=block.size is Size.NORMAL,
                    double_height=block.size is not Size.NORMAL,
                    double_width=wide,
                )
                for line in _wrap_columns(block.text, cols // 2 if wide else cols):
                    printer.textln(to_cp1258(line))
            case KeyValueBlock():
                printer.set(align=Align.LEFT.value, bold=False, normal_textsize=True)
                label, value = nfc(f"{block.key}:"), nfc(block.value)
                if len(label) + 1 + len(value) <= cols and "\n" not in value:
                    printer.textln(to_cp1258(label + value.rjust(cols - len(label))))
                else:
                    printer.textln(to_cp1258(label))
                    for line in _wrap_columns(value, cols - 2):
                        printer.textln(to_cp1258("  " + line))
            case SeparatorBlock():
                printer.set(align=Align.LEFT.value, bold=False, normal_textsize=True)
                printer.textln(("-" if block.dashed else "=") * cols)
            case QRBlock():
                printer.set(align=Align.LEFT.value)
                _write_image(printer, to_1bit(render_block(block, profile.width)))
            case SpacerBlock():
                printer.ln(max(1, round(block.lines)))
    printer.set(align=Align.LEFT.value, bold=False, normal_textsize=True)
    return _finish(printer, profile)
