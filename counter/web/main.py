"""The staff home page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from counter.services.office import get_office
from counter.web import staff_required

bp = Blueprint("main", __name__)


@bp.route("/")
@staff_required
def home() -> Any:
    """The landing page after sign-in: the office and what each role can open."""
    return render_template("main/home.html", office=get_office())
