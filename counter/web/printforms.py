"""Printable forms 01–07 as HTML with print CSS (issue 4)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("printforms", __name__, url_prefix="/in")
