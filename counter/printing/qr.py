"""The QR code of a printout, made one way for the roll and the sheet alike."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import segno

#: White modules around the code, as the QR standard asks.
QUIET_ZONE = 4


def make_qr(data: str) -> segno.QRCode:
    """The QR code carrying ``data``: error correction M, never a micro QR (phones misread them)."""
    import segno  # at the first code made, not at every start of the program

    return segno.make(data, error="m", micro=False)


def qr_svg(data: str) -> str:
    """The QR code as an inline SVG element (no XML declaration), scaled by CSS."""
    return str(
        make_qr(data).svg_inline(
            scale=4, border=QUIET_ZONE, dark="#000", light="#fff", omitsize=True
        )
    )


def qr_png(data: str, scale: int = 6) -> bytes:
    """The same QR code as PNG bytes (for tests and previews)."""
    buffer = io.BytesIO()
    make_qr(data).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()
