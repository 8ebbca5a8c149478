"""adcraft.store: persistence with SQLAlchemy 2 (SQLite WAL by default, PostgreSQL for shared use)."""

from adcraft.store.db import Database, default_db_url, make_engine, resolve_db_url, upgrade
from adcraft.store.keys import advertiser_for_key, create_api_key, hash_key, list_api_keys, revoke_api_key
from adcraft.store.models import (
    Advertiser,
    ApiKey,
    Base,
    Campaign,
    Creative,
    CreativeCounter,
    Decision,
    Event,
    GenerationJob,
)

__all__ = [
    "Advertiser",
    "ApiKey",
    "Base",
    "Campaign",
    "Creative",
    "CreativeCounter",
    "Database",
    "Decision",
    "Event",
    "GenerationJob",
    "advertiser_for_key",
    "create_api_key",
    "list_api_keys",
    "revoke_api_key",
    "default_db_url",
    "hash_key",
    "make_engine",
    "resolve_db_url",
    "upgrade",
]
