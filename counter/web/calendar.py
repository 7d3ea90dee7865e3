"""Admin calendar: days off and working Saturdays (issue 3)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/quan-tri/lich-nghi")
