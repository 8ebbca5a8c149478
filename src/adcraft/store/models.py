"""The tables: advertisers and their keys, campaigns, creatives, decisions, events, counters, jobs.

`CreativeCounter` holds running totals per (creative, segment), updated in the same transaction as
the decision or event that changes them, so policy state and stats never rescan the event table.
Segment "" stands for "no segment" (a primary key column cannot be NULL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

CAMPAIGN_STATUSES = ("active", "paused")
# pending: waiting for review, never served; active / paused: approved; rejected: refused in review;
# blocked: failed a compliance gate (databases from before the review step).
CREATIVE_STATUSES = ("pending", "active", "paused", "rejected", "blocked")
CREATIVE_ORIGINS = ("generated", "regenerated", "manual")
EVENT_TYPES = ("click", "conversion")
JOB_STATUSES = ("queued", "running", "done", "failed")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both dialects (SQLite hands back naive ones otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


class Advertiser(Base):
    __tablename__ = "advertisers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiKey(Base):
    """Only the SHA-256 of a key is stored; `prefix` (its public head) finds the row to compare."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(ForeignKey("advertisers.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(ForeignKey("advertisers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    brief: Mapped[dict[str, Any]] = mapped_column(JSON)
    platform: Mapped[str] = mapped_column(String(40))
    policy: Mapped[str] = mapped_column(String(40))
    policy_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. n_features of LinTS
    status: Mapped[str] = mapped_column(String(16), default="active")
    model: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # New creatives that pass every gate go live at once instead of waiting for review.
    auto_approve: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Bumped whenever the set of active creatives changes, so every process serving decisions
    # (API replicas, the dashboard, the CLI) notices and rebuilds its in-memory policy.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Creative(Base):
    __tablename__ = "creatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    fields: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # model id, prompt version, job id, seed texts
    generation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(16), default="generated", server_default="generated")
    # the text as written before a reviewer edited it (None: never edited)
    original_fields: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Decision(Base):
    """One creative shown once: the impression, with the policy's propensity for off-policy use."""

    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex, handed to the client
    advertiser_id: Mapped[int] = mapped_column(ForeignKey("advertisers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    creative_id: Mapped[int] = mapped_column(ForeignKey("creatives.id", ondelete="CASCADE"))
    segment: Mapped[str] = mapped_column(String(100), default="")
    context: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    propensity: Mapped[float] = mapped_column(Float)
    clicked: Mapped[bool] = mapped_column(Boolean, default=False)  # a reward is binary: one click counts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("advertiser_id", "event_id", name="uq_events_advertiser_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(ForeignKey("advertisers.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(100))  # the client's id; a retry reuses it
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CreativeCounter(Base):
    __tablename__ = "creative_counters"

    creative_id: Mapped[int] = mapped_column(
        ForeignKey("creatives.id", ondelete="CASCADE"), primary_key=True
    )
    segment: Mapped[str] = mapped_column(String(100), primary_key=True, default="")
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    conversions: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[float] = mapped_column(Float, default=0.0)


class GenerationJob(Base):
    __tablename__ = "generation_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # create / regenerate
    status: Mapped[str] = mapped_column(String(16), default="queued")
    n_requested: Mapped[int] = mapped_column(Integer, default=0)
    n_produced: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # creatives stored
    n_active: Mapped[int] = mapped_column(Integer, default=0)  # of those, auto-approved: serving now
    n_pending: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # waiting for review
    n_blocked: Mapped[int] = mapped_column(Integer, default=0)  # of those, failing a gate
    n_dropped: Mapped[int] = mapped_column(Integer, default=0)
    # why candidates were dropped: [{"reason": kind, "count": n, "example": one full reason}]
    dropped_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    seed_texts: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
