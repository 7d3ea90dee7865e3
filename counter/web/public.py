"""Public look-up page for citizens, reached from the slip's QR code (no sign-in).

Dossier codes are sequential, so a code alone shows only what its holder needs:
the status, the dates, what to bring and whom to call. The masked name and the
procedure need the slip's look-up key too (``?k=``, carried by the QR code and
printed in words). Never an ID number, phone or address. Look-ups are limited
per address, so neither codes nor keys can be tried in bulk.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
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

from counter.domain.codes import normalize_lookup_key
from counter.domain.errors import NotFound
from counter.services import lookup as lookup_service
from counter.services.office import get_office
from counter.web import PUBLIC_ENDPOINTS, client_address

bp = Blueprint("public", __name__, url_prefix="/tra-cuu")
PUBLIC_ENDPOINTS.update({"public.index", "public.lookup"})

#: Longest code or key read from the address; anything longer is cut (and will not match).
MAX_CODE = 64
MAX_KEY = 16
#: Addresses remembered by the rate limit before idle ones are forgotten.
MAX_ADDRESSES = 10_000


def lookup_url(code: str, key: str = "") -> str:
    """The address printed as the slip's QR code: the code, and the dossier's look-up key.

    The office profile's look-up address, else ``COUNTER_PUBLIC_URL``, else this server.
    """
    query = f"?k={quote(key, safe='')}" if key else ""
    base = get_office().public_url or (current_app.config.get("PUBLIC_URL") or "").strip()
    if base:
        return f"{base.rstrip('/')}/tra-cuu/{quote(code, safe='')}{query}"
    if has_request_context():
        return url_for("public.lookup", code=code, _external=True) + query
    host = current_app.config.get("HOST") or "127.0.0.1"
    port = current_app.config.get("PORT") or 8080
    return f"http://{host}:{port}/tra-cuu/{quote(code, safe='')}{query}"


class RateLimit:
    """At most ``limit`` hits per address in any ``window`` seconds.

    Kept in memory and shared by waitress's threads, hence the lock.
    """

    def __init__(self, window: float = 60.0) -> None:
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, address: str, limit: int, now: float | None = None) -> float:
        """Count a hit; 0 if allowed, else the seconds until the address may try again."""
        now = time.monotonic() if now is None else now
        start = now - self.window
        with self._lock:
            hits = self._hits.setdefault(address, deque())
            while hits and hits[0] <= start:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0] - start
            hits.append(now)
            if len(self._hits) > MAX_ADDRESSES:
                self._forget_idle(start)
            return 0.0

    def _forget_idle(self, start: float) -> None:
        for address in [a for a, h in self._hits.items() if not h or h[-1] <= start]:
            del self._hits[address]


def rate_limited(name: str, per_minute: int, template: str) -> Any:
    """None when this address may go on now, else the 429 answer: ``template`` told the
    ``seconds`` to wait, and Retry-After. ``name``: the app's limiter for this page."""
    limiter = current_app.extensions.setdefault(name, RateLimit())
    wait = limiter.wait(client_address(), per_minute)
    if not wait:
        return None
    seconds = max(1, math.ceil(wait))
    return render_template(template, seconds=seconds), 429, {"Retry-After": str(seconds)}


def _too_many() -> Any:
    """None when this address may look up now, else the 429 answer."""
    limit = int(current_app.config.get("LOOKUP_PER_MINUTE") or 30)
    return rate_limited("counter_lookup_limit", limit, "public/busy.html")


@bp.after_request
def _private(response: Any) -> Any:
    # The address may carry the key: a shared phone's browser must not keep the page.
    # (The app's Referrer-Policy, same-origin, already keeps it from other sites; no-referrer
    # would also drop it on this site, and CSRF over HTTPS needs it.)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index() -> Any:
    """A form to type the dossier code and the look-up key printed on the slip."""
    code = (request.args.get("ma") or "").strip()[:MAX_CODE]
    if not code:
        return render_template("public/index.html")
    refused = _too_many()
    if refused:
        return refused
    key = normalize_lookup_key(request.args.get("k") or "")[:MAX_KEY]
    target = url_for("public.lookup", code=code.upper(), **({"k": key} if key else {}))
    return redirect(target)


@bp.get("/<code>")
def lookup(code: str) -> Any:
    """The dossier's progress: status and dates; with the key, masked name and procedure too."""
    refused = _too_many()
    if refused:
        return refused
    try:
        info = lookup_service.public_status(
            code[:MAX_CODE], (request.args.get("k") or "")[:MAX_KEY]
        )
    except NotFound:
        return render_template("public/not_found.html", code=code[:MAX_CODE]), 404
    return render_template("public/lookup.html", info=info)
