"""Dossiers: worklist, search, dossier page, lifecycle actions (issue 4)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dossiers", __name__, url_prefix="/ho-so")
