"""Public look-up page for citizens, reached from the slip's QR code (no sign-in).

Shows the procedure, the status, the received and due dates, whether the result
is ready, and the applicant's name masked: never an ID number, phone or
address, so guessing codes tells a visitor nothing personal.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    current_app,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)

from counter.domain.errors import NotFound
from counter.services import reception
from counter.services.office import get_office
from counter.web import PUBLIC_ENDPOINTS

bp = Blueprint("public", __name__, url_prefix="/tra-cuu")
PUBLIC_ENDPOINTS.update({"public.index", "public.lookup"})


def lookup_url(code: str) -> str:
    """The address printed as the slip's QR code.

    The office profile's look-up address, else ``COUNTER_PUBLIC_URL``, else this server.
    """
    base = get_office().public_url or (current_app.config.get("PUBLIC_URL") or "").strip()
    if base:
        return f"{base.rstrip('/')}/tra-cuu/{quote(code, safe='')}"
    if has_request_context():
        return url_for("public.lookup", code=code, _external=True)
    host = current_app.config.get("HOST") or "127.0.0.1"
    port = current_app.config.get("PORT") or 8080
    return f"http://{host}:{port}/tra-cuu/{quote(code, safe='')}"


@bp.get("/")
def index() -> Any:
    """A form to type the dossier code printed on the slip."""
    code = (request.args.get("ma") or "").strip()
    if code:
        return redirect(url_for("public.lookup", code=code.upper()))
    return render_template("public/index.html")


@bp.get("/<code>")
def lookup(code: str) -> Any:
    """The dossier's progress: procedure, status, dates, masked name."""
    try:
        info = reception.public_status(code)
    except NotFound:
        return render_template("public/not_found.html", code=code[:64]), 404
    return render_template("public/lookup.html", info=info)
