"""Flask's signed session cookie, signed again only when it changed or has aged.

Flask re-signs a permanent session's cookie on every request
(``SESSION_REFRESH_EACH_REQUEST``) so that it lasts ``PERMANENT_SESSION_LIFETIME``
from the last request. Signing it was a sixth of the CPU of the counter's busiest
button, for nothing: the sign-in itself lives on the server (``user_session``: logout,
locking and the idle limit end it there, whatever cookie a browser holds). Here the
cookie is signed again when the session changed, or once it is older than
:data:`REFRESH_AFTER`: a cookie in use still lasts the lifetime (less at most
:data:`REFRESH_AFTER`) from the last request.
"""

from __future__ import annotations

import functools
import hmac
from datetime import datetime, timedelta
from typing import Any

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes

from counter.domain import clock

#: How old a cookie in use may get before a request signs it again.
REFRESH_AFTER = timedelta(minutes=5)


@functools.lru_cache(maxsize=16)
def _derived_key(secret_key: bytes, salt: bytes, digest_method: Any) -> bytes:
    mac = hmac.new(secret_key, digestmod=digest_method)
    mac.update(salt)
    return mac.digest()


class _KeptKeySigner(TimestampSigner):
    """itsdangerous' signer, deriving each secret key's signing key once per process (it
    derives it again for every cookie read or written: an HMAC each time, same result)."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The signing key of ``secret_key`` (default: the current one), as itsdangerous derives it."""
        if self.key_derivation != "hmac":
            return super().derive_key(secret_key)
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        return _derived_key(key, self.salt, self.digest_method)


class SignedSession(SecureCookieSession):
    """The session, with when its cookie was signed (None: no cookie, or a bad one)."""

    signed_at: datetime | None = None


class SessionCookie(SecureCookieSessionInterface):
    """:class:`SecureCookieSessionInterface` that re-signs an unchanged cookie only once
    it is :data:`REFRESH_AFTER` old (the lifetime check on reading is Flask's own)."""

    session_class = SignedSession

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Any) -> URLSafeTimedSerializer | None:
        """Flask's serializer (the secret key, then its fallbacks), built once per set of keys."""
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = URLSafeTimedSerializer(
                list(keys),  # type: ignore[arg-type]
                salt=self.salt,
                serializer=self.serializer,
                signer=_KeptKeySigner,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            )
            self._serializers[keys] = serializer
        return serializer

    def open_session(self, app: Any, request: Any) -> SignedSession | None:
        """The cookie's session and when it was signed; an empty one if absent, bad or expired."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:  # SignatureExpired too: past the lifetime, signed out
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Any, session: Any) -> bool:
        """Changed, or permanent and signed :data:`REFRESH_AFTER` ago or more."""
        if session.modified:
            return True
        if not session.permanent:
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or clock.now() - signed_at >= REFRESH_AFTER
