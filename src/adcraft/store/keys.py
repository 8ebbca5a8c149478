"""API keys: `adk_<prefix>_<secret>`, 256 random bits; only the SHA-256 of the whole key is stored.

A plain (unsalted, fast) hash is the right tool here: the key is high-entropy random data, so
there is nothing to brute-force, and the lookup must stay cheap enough for every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from adcraft.core import InputError
from adcraft.store.models import Advertiser, ApiKey, utcnow

KEY_PREFIX = "adk_"


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def split_key(raw_key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    if not raw_key.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = raw_key[len(KEY_PREFIX):].partition("_")
    if not sep or not prefix or len(secret) < 20:
        return None
    return prefix


def key_head(prefix: str) -> str:
    """The public head `adk_<prefix>` of a key: what `adcraft keys list` shows and `revoke` accepts."""
    return f"{KEY_PREFIX}{prefix}"


def _advertiser_named(session: Session, name: str) -> Advertiser | None:
    return session.scalar(select(Advertiser).where(Advertiser.name == name.strip()))


def get_or_create_advertiser(session: Session, name: str) -> Advertiser:
    name = name.strip()
    if not name:
        raise InputError("--advertiser must not be empty; give the advertiser's name")
    advertiser = _advertiser_named(session, name)
    if advertiser is None:
        advertiser = Advertiser(name=name)
        session.add(advertiser)
        session.flush()
    return advertiser


def create_api_key(session: Session, advertiser_name: str) -> tuple[Advertiser, str]:
    """A new key for the advertiser (created if new). The raw key is returned once, never stored."""
    advertiser = get_or_create_advertiser(session, advertiser_name)
    prefix = secrets.token_hex(6)
    raw_key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(advertiser_id=advertiser.id, prefix=prefix, key_hash=hash_key(raw_key)))
    session.flush()
    return advertiser, raw_key


def advertiser_for_key(session: Session, raw_key: str) -> Advertiser | None:
    """The advertiser owning this key, or None for an unknown, malformed or revoked key."""
    prefix = split_key(raw_key)
    if prefix is None:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None)))
    if row is None or not hmac.compare_digest(row.key_hash, hash_key(raw_key)):
        return None
    return session.get(Advertiser, row.advertiser_id)


def list_api_keys(session: Session, advertiser_name: str) -> list[ApiKey]:
    """The advertiser's keys, oldest first, revoked ones included (their secrets are not stored)."""
    advertiser = _advertiser_named(session, advertiser_name)
    if advertiser is None:
        raise InputError(f"no advertiser named {advertiser_name!r}; check the name, or create it "
                         "with `adcraft keys create --advertiser NAME`")
    query = select(ApiKey).where(ApiKey.advertiser_id == advertiser.id).order_by(ApiKey.id)
    return list(session.scalars(query))


def revoke_api_key(session: Session, key_or_prefix: str) -> ApiKey:
    """Revoke a key given whole or by its public head `adk_<prefix>` (as `adcraft keys list` shows it).

    The row stays, with `revoked_at` set, so the key can never be accepted or reissued again.
    """
    text = key_or_prefix.strip()
    whole_key_prefix = split_key(text)
    prefix = whole_key_prefix or (text[len(KEY_PREFIX):] if text.startswith(KEY_PREFIX) else text)
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    if row is None or (whole_key_prefix and not hmac.compare_digest(row.key_hash, hash_key(text))):
        raise InputError(f"no API key {key_or_prefix!r}; give a key or its head adk_<prefix> "
                         "from `adcraft keys list --advertiser NAME`")
    if row.revoked_at is not None:
        when = f"{row.revoked_at:%Y-%m-%d %H:%M}"
        raise InputError(f"API key {key_head(row.prefix)} was already revoked at {when} UTC; nothing to do")
    row.revoked_at = utcnow()
    session.flush()
    return row
