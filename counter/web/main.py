"""The staff home page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from counter.services.dossiers import worklist_counts
from counter.services.office import get_office
from counter.web import actor, staff_required
from counter.web.dossiers import TAB_LABELS

bp = Blueprint("main", __name__)


@bp.route("/")
@staff_required
def home() -> Any:
    """The landing page after sign-in: what is due, and the way to each task."""
    return render_template(
        "main/home.html",
        office=get_office(),
        counts=worklist_counts(actor()),
        tab_labels=TAB_LABELS,
    )
