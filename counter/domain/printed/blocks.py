"""The thermal roll's layout blocks: what the raster and text renderers draw.

A roll layout (``slip_blocks``, ``supplement_blocks``, ``ticket_blocks``) is a list of
these blocks, so it can be tested without a printer, a font or a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NBSP = "\u00a0"


class Align(StrEnum):
    """Horizontal alignment of a text block."""

    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class Size(StrEnum):
    """Type size; the renderer maps each to a font size for the paper width."""

    NORMAL = "normal"
    LARGE = "large"
    XLARGE = "xlarge"


@dataclass(frozen=True, slots=True)
class TextBlock:
    """A paragraph, wrapped by words to the paper width."""

    text: str
    align: Align = Align.LEFT
    size: Size = Size.NORMAL
    bold: bool = False


@dataclass(frozen=True, slots=True)
class SeparatorBlock:
    """A horizontal rule between sections."""

    dashed: bool = False


@dataclass(frozen=True, slots=True)
class KeyValueBlock:
    """'Label: value' on one line when it fits, else the value wrapped under the label."""

    key: str
    value: str
    bold_value: bool = False


@dataclass(frozen=True, slots=True)
class QRBlock:
    """A QR code, centred, with its quiet zone."""

    data: str


@dataclass(frozen=True, slots=True)
class SpacerBlock:
    """Vertical white space, in normal text lines."""

    lines: float = 1.0


Block = TextBlock | SeparatorBlock | KeyValueBlock | QRBlock | SpacerBlock


def keep_together(text: str) -> str:
    """Bind words with no-break spaces so a printout never wraps inside them ('ngày 27/11/2026')."""
    return text.replace(" ", NBSP)


def break_after_commas(text: str) -> str:
    """Bind each comma-separated part, so a line breaks only after a comma."""
    return ", ".join(keep_together(part) for part in text.split(", "))
