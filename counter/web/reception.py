"""Reception: the counter officer's main screen (issue 4)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reception", __name__, url_prefix="/tiep-nhan")
