"""Public look-up page for citizens, reached from the slip's QR code (issue 4)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/tra-cuu")
