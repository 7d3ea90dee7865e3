"""Short-lived values kept on the server, named by a random token.

A search for a citizen ID number or a phone number must be reachable by a GET
address (so Back and reload work) while the number stays out of every address,
access log, browser history and the session cookie (which is signed, not
encrypted). The page's address carries a token; the text stays in this process's
memory, for its owner only. The counter runs one server process (waitress); a
token lost to a restart just asks the officer to search again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

from flask import Flask, current_app


class Stash:
    """A bounded, expiring map token → (owner, value); safe across waitress threads."""

    def __init__(self, ttl_seconds: float = 8 * 3600, size: int = 2000) -> None:
        self.ttl = ttl_seconds
        self.size = size
        self._items: OrderedDict[str, tuple[int, str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, owner: int, value: str) -> str:
        """Keep ``value`` for ``owner``; returns the token to put in an address."""
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._items[token] = (owner, value, time.monotonic() + self.ttl)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return token

    def get(self, owner: int, token: str) -> str | None:
        """The value behind ``token`` if it is its owner's and not expired, else None."""
        with self._lock:
            item = self._items.get(token)
            if item is None:
                return None
            item_owner, value, expires = item
            if expires < time.monotonic():
                del self._items[token]
                return None
            self._items.move_to_end(token)
        return value if item_owner == owner else None


def stash(app: Flask | None = None) -> Stash:
    """The app's stash (one per app, created on first use)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    with _CREATE_LOCK:
        return app.extensions.setdefault("counter_stash", Stash())  # type: ignore[no-any-return]


_CREATE_LOCK = threading.Lock()
