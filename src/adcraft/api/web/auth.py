"""Dashboard sign-in: a signed, expiring session cookie and a CSRF token derived from it.

The cookie holds only the advertiser id and is signed with itsdangerous, so the server keeps no
session table; it is HttpOnly (scripts cannot read it) and SameSite=Lax (other sites cannot post
with it). Every POST form also carries a token that is an HMAC of the cookie, which a page on
another origin cannot know.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from adcraft.models.paths import adcraft_home

COOKIE = "adcraft_session"
DEFAULT_MAX_AGE_S = 8 * 3600
SECRET_ENV = "ADCRAFT_SESSION_SECRET"
MAX_AGE_ENV = "ADCRAFT_SESSION_MAX_AGE"


class SignInRequired(Exception):
    """No valid session: the page redirects to sign-in (saying so when the session expired)."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("sign in required")
        self.expired = expired


class CsrfFailed(Exception):
    """A POST form without the token of the current session."""


@dataclass(frozen=True)
class WebSession:
    advertiser_id: str
    key_prefix: str  # the public head of the API key signed in with: revoking the key ends the session
    cookie: str


def _settings_value(request: Request, *names: str) -> object | None:
    settings = getattr(request.app.state, "settings", None)
    for name in names:
        value = getattr(settings, name, None)
        if value:
            return value
    return None


def session_secret(request: Request) -> str:
    """Settings' secret, else $ADCRAFT_SESSION_SECRET, else one kept in ADCRAFT_HOME (mode 0600).

    The file fallback keeps sessions valid across restarts and across workers on one machine.
    """
    cached = getattr(request.app.state, "web_session_secret", None)
    if cached:
        return cached
    secret = _settings_value(request, "session_secret", "secret_key") or os.environ.get(SECRET_ENV)
    if not secret:
        secret = _secret_file(adcraft_home() / "session_secret")
    request.app.state.web_session_secret = str(secret)
    return str(secret)


def _secret_file(path: Path) -> str:
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


def max_age_s(request: Request) -> int:
    value = _settings_value(request, "session_max_age_s", "session_max_age") or os.environ.get(MAX_AGE_ENV)
    return int(value) if value else DEFAULT_MAX_AGE_S


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(session_secret(request), salt="adcraft.web.session")


def start_session(request: Request, response: Response, advertiser_id: object, key_prefix: str) -> None:
    cookie = _serializer(request).dumps({"a": str(advertiser_id), "k": key_prefix})
    response.set_cookie(
        COOKIE, cookie, max_age=max_age_s(request), httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path="/",
    )


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def read_session(request: Request) -> WebSession:
    """The signed-in advertiser, or SignInRequired (expired=True when the cookie was valid but old)."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise SignInRequired()
    try:
        data = _serializer(request).loads(cookie, max_age=max_age_s(request))
    except SignatureExpired:
        raise SignInRequired(expired=True) from None
    except BadSignature:
        raise SignInRequired() from None
    if not isinstance(data, dict) or "a" not in data or "k" not in data:
        raise SignInRequired()
    return WebSession(advertiser_id=str(data["a"]), key_prefix=str(data["k"]), cookie=cookie)


def csrf_token(request: Request, session: WebSession) -> str:
    key = session_secret(request).encode()
    return hmac.new(key, b"csrf:" + session.cookie.encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, session: WebSession, token: str | None) -> None:
    if not token or not hmac.compare_digest(token, csrf_token(request, session)):
        raise CsrfFailed()
