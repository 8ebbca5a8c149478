"""Every setting of the service, read from the environment in this one place.

| variable | default | meaning |
|---|---|---|
| ADCRAFT_DB | SQLite file `ADCRAFT_HOME/adcraft.db` | SQLAlchemy URL or SQLite path |
| ADCRAFT_MODEL | packaged default | model spec for generation (HF id, folder, adapter run dir) |
| ADCRAFT_ENDPOINT | none | OpenAI-compatible endpoint for generation instead of a local model |
| ADCRAFT_API_KEY_HEADER | X-API-Key | header carrying the key (`Authorization: Bearer` works too) |
| ADCRAFT_RATE_LIMIT | 2000 | requests per second per key (token bucket refill rate) |
| ADCRAFT_RATE_BURST | 4000 | bucket size |
| ADCRAFT_MAX_BODY_BYTES | 1048576 | larger request bodies get 413 |
| ADCRAFT_MAX_BATCH_EVENTS | 1000 | larger event batches get 413 |
| ADCRAFT_CORS_ORIGINS | none | comma-separated origins; CORS is off when empty |
| ADCRAFT_AUTO_PAUSE_THRESHOLD | 0.01 | pause a creative whose P(best) is under this ... |
| ADCRAFT_AUTO_PAUSE_MIN_IMPRESSIONS | 1000 | ... once it has at least this many impressions (0 = never) |
| ADCRAFT_POLICY | thompson | default policy of new campaigns |
| ADCRAFT_SQLITE_SYNCHRONOUS | FULL | NORMAL trades power-cut durability of acked events for latency |
| ADCRAFT_GEN_MAX_NEW_TOKENS | from the platform | cap on tokens per generated creative |
| ADCRAFT_POLICY_REFRESH_S | 60 | rebuild in-memory policies from the counters this often (replicas) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from adcraft.core import InputError


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default).strip() or default


def _number(name: str, default: float, kind: type = float) -> float:
    raw = _env(name, str(default))
    try:
        value = kind(raw)
    except ValueError:
        raise InputError(f"environment variable {name}={raw!r} is not a number; unset it or fix it") from None
    if value < 0:
        raise InputError(f"environment variable {name}={raw!r} must not be negative")
    return value


@dataclass(frozen=True)
class Settings:
    db_url: str | None = None
    model: str | None = None
    endpoint: str | None = None
    api_key_header: str = "X-API-Key"
    rate_limit_per_s: float = 2000.0
    rate_burst: float = 4000.0
    max_body_bytes: int = 1 << 20
    max_batch_events: int = 1000
    cors_origins: tuple[str, ...] = ()
    auto_pause_threshold: float = 0.01
    auto_pause_min_impressions: int = 1000
    default_policy: str = "thompson"
    auto_pause_interval_s: float = 2.0
    policy_refresh_s: float = 60.0
    prob_best_draws: int = 4000
    run_migrations: bool = True
    generation_workers: int = 1
    generation_max_new_tokens: int | None = None  # None: estimated from the platform's limits

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        origins = tuple(o.strip() for o in os.environ.get("ADCRAFT_CORS_ORIGINS", "").split(",") if o.strip())
        settings = cls(
            db_url=os.environ.get("ADCRAFT_DB") or None,
            model=os.environ.get("ADCRAFT_MODEL") or None,
            endpoint=os.environ.get("ADCRAFT_ENDPOINT") or None,
            api_key_header=_env("ADCRAFT_API_KEY_HEADER", "X-API-Key"),
            rate_limit_per_s=_number("ADCRAFT_RATE_LIMIT", 2000.0),
            rate_burst=_number("ADCRAFT_RATE_BURST", 4000.0),
            max_body_bytes=int(_number("ADCRAFT_MAX_BODY_BYTES", 1 << 20, int)),
            max_batch_events=int(_number("ADCRAFT_MAX_BATCH_EVENTS", 1000, int)),
            cors_origins=origins,
            auto_pause_threshold=_number("ADCRAFT_AUTO_PAUSE_THRESHOLD", 0.01),
            auto_pause_min_impressions=int(_number("ADCRAFT_AUTO_PAUSE_MIN_IMPRESSIONS", 1000, int)),
            default_policy=_env("ADCRAFT_POLICY", "thompson"),
            policy_refresh_s=_number("ADCRAFT_POLICY_REFRESH_S", 60.0),
            generation_max_new_tokens=int(_number("ADCRAFT_GEN_MAX_NEW_TOKENS", 0, int)) or None,
        )
        known = {f.name for f in fields(cls)}
        return replace(settings, **{k: v for k, v in overrides.items() if k in known and v is not None})
