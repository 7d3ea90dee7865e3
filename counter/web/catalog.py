"""The procedure catalog: list, edit, import (issue 4)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/thu-tuc")
