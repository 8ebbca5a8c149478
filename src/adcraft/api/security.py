"""API keys, per-key token-bucket rate limits and the request body size limit."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from dataclasses import dataclass

from fastapi import Request

from adcraft.api.errors import ApiError
from adcraft.api.services import authenticate


class TokenBucket:
    """`rate` tokens per second, up to `burst`; one token per request. One bucket per key, in process."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, max(burst, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> float:
        """0 when allowed, else the seconds until a token is free."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


@dataclass
class _CachedKey:
    advertiser_id: int | None
    expires: float


class KeyCache:
    """Key hash -> advertiser id for `ttl` seconds, so a request does not pay a lookup each time.

    A revoked key keeps working for at most `ttl` seconds in a process that has just seen it.
    """

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._cache: dict[str, _CachedKey] = {}
        self._lock = threading.Lock()

    def cached(self, raw_key: str) -> tuple[bool, int | None]:
        hit = self._cache.get(hashlib.sha256(raw_key.encode()).hexdigest())
        if hit is not None and hit.expires > time.monotonic():
            return True, hit.advertiser_id
        return False, None

    def lookup(self, runtime, raw_key: str) -> int | None:  # noqa: ANN001 - Runtime
        found, advertiser_id = self.cached(raw_key)
        if found:
            return advertiser_id
        digest = hashlib.sha256(raw_key.encode()).hexdigest()
        now = time.monotonic()
        with runtime.db.read() as session:
            advertiser = authenticate(session, raw_key)
        advertiser_id = advertiser.id if advertiser else None
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = _CachedKey(advertiser_id, now + self.ttl)
        return advertiser_id


def raw_key_from(request: Request, header: str) -> str | None:
    key = request.headers.get(header)
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def current_advertiser(request: Request) -> int:
    """FastAPI dependency: the advertiser id of the request's API key (401 / 429 otherwise).

    Async, so the common case (a started service, a cached key) costs no thread hop; database work
    goes to a worker thread.
    """
    state = request.app.state
    settings = state.settings
    raw = raw_key_from(request, settings.api_key_header)
    if not raw:
        raise ApiError(401, "unauthorized", f"missing API key: send '{settings.api_key_header}: <key>' or "
                       "'Authorization: Bearer <key>' (create one with `adcraft keys create`)",
                       headers={"WWW-Authenticate": "Bearer"})
    if not state.runtime.started:  # a DB that was down at startup gets migrated here
        await asyncio.to_thread(state.runtime.start)
    found, advertiser_id = state.key_cache.cached(raw)
    if not found:
        advertiser_id = await asyncio.to_thread(state.key_cache.lookup, state.runtime, raw)
    if advertiser_id is None:
        raise ApiError(401, "unauthorized", "unknown or revoked API key",
                       headers={"WWW-Authenticate": "Bearer"})
    wait = state.rate_limiter.allow(raw)
    if wait:
        raise ApiError(429, "rate_limited", f"too many requests for this key; retry in {wait:.2f} s",
                       headers={"Retry-After": str(max(1, round(wait)))})
    return advertiser_id


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: 413 for a body over `max_bytes`, by Content-Length or as it streams in."""

    def __init__(self, app, max_bytes: int) -> None:  # noqa: ANN001 - ASGI app
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        started = False

        async def limited_receive():  # noqa: ANN202
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message) -> None:  # noqa: ANN001
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send) -> None:  # noqa: ANN001
        message = f"request body over {self.max_bytes} bytes; send smaller batches"
        body = json.dumps({"error": "too_large", "message": message}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
