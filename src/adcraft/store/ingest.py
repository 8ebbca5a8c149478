"""The hot write paths: log a decision (the impression) and ingest a batch of events, each in the
caller's transaction, with the per-(creative, segment) counters updated in that same transaction.

Idempotency rests on the unique constraint (advertiser_id, event_id) and `INSERT ... ON CONFLICT
DO NOTHING RETURNING id` (SQLite >= 3.35 and PostgreSQL): a retried event inserts nothing, returns
no id, and so touches no counter. Clicks are rewards in {0, 1}: only the first click of a decision
counts (`decisions.clicked` flips once, guarded by the UPDATE's WHERE), later ones are stored.

These statements run on the DBAPI cursor of the session's connection, in SQL both dialects accept:
SQLAlchemy's statement layer costs 10-30x a SQLite statement, and this path runs on every request.
The tables they touch are defined (and migrated) in models.py like every other.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class EventIn:
    event_id: str
    decision_id: str
    type: str  # click / conversion
    value: float = 0.0


@dataclass(frozen=True)
class Reward:
    """A first click: what the policy learns from (which arm, in which segment and context)."""

    campaign_id: int
    creative_id: int
    segment: str
    context: list[float] | None


@dataclass
class IngestResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rewards: list[Reward] = field(default_factory=list)
    campaigns: set[int] = field(default_factory=set)


class UnknownDecisions(LookupError):
    def __init__(self, decision_ids: list[str]) -> None:
        super().__init__(f"unknown decision ids: {', '.join(decision_ids[:10])}")
        self.decision_ids = decision_ids


class _Sql:
    """Runs `:name`-style SQL on the session's DBAPI connection, in the driver's own paramstyle."""

    _pg_cache: dict[str, str] = {}

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self.postgres = connection.dialect.name == "postgresql"
        self.raw = connection.connection.driver_connection

    def __call__(self, sql: str, params: dict[str, Any] | None = None):  # noqa: ANN204 - DBAPI cursor
        if self.postgres:
            sql = self._pg_cache.get(sql) or self._pg_cache.setdefault(
                sql, re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql))
        cursor = self.raw.cursor()
        cursor.execute(sql, params or {})
        return cursor

    def now(self) -> Any:
        """created_at as each dialect stores it (SQLAlchemy keeps SQLite datetimes as naive UTC text)."""
        now = datetime.now(UTC)
        return now if self.postgres else now.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def json(self, name: str) -> str:
        return f"CAST(:{name} AS JSON)" if self.postgres else f":{name}"


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def campaign_head(session: Session, campaign_id: int) -> tuple[int, int, str] | None:
    """(advertiser_id, version, status) of a campaign, or None."""
    row = _Sql(session)("SELECT advertiser_id, version, status FROM campaigns WHERE id = :id",
                        {"id": campaign_id}).fetchone()
    return None if row is None else (int(row[0]), int(row[1]), str(row[2]))


def record_decision(session: Session, *, advertiser_id: int, campaign_id: int, creative_id: int,
                    segment: str, context: list[float] | None, propensity: float) -> str:
    """Insert the decision and count its impression; returns the decision id."""
    sql = _Sql(session)
    decision_id = uuid.uuid4().hex
    sql("INSERT INTO decisions (id, advertiser_id, campaign_id, creative_id, segment, context, propensity, "
        f"clicked, created_at) VALUES (:id, :adv, :campaign, :creative, :segment, {sql.json('context')}, "
        ":propensity, :clicked, :now)",
        {"id": decision_id, "adv": advertiser_id, "campaign": campaign_id, "creative": creative_id,
         "segment": segment, "context": None if context is None else json.dumps(context),
         "propensity": float(propensity), "clicked": False, "now": sql.now()})
    sql("INSERT INTO creative_counters (creative_id, segment, campaign_id, impressions, clicks, conversions, "
        "value) VALUES (:creative, :segment, :campaign, 1, 0, 0, 0.0) ON CONFLICT (creative_id, segment) "
        "DO UPDATE SET impressions = creative_counters.impressions + 1",
        {"creative": creative_id, "segment": segment, "campaign": campaign_id})
    return decision_id


def ingest_events(session: Session, advertiser_id: int, events: list[EventIn]) -> IngestResult:
    """Store the batch; every decision must belong to `advertiser_id`, else nothing is stored."""
    sql = _Sql(session)
    wanted = sorted({e.decision_id for e in events})
    params: dict[str, Any] = {f"d{i}": d for i, d in enumerate(wanted)}
    params["adv"] = advertiser_id
    placeholders = ", ".join(f":d{i}" for i in range(len(wanted)))
    rows = sql("SELECT id, campaign_id, creative_id, segment, context FROM decisions "
               f"WHERE advertiser_id = :adv AND id IN ({placeholders})", params).fetchall()
    decisions = {row[0]: row for row in rows}
    missing = [d for d in wanted if d not in decisions]
    if missing:
        raise UnknownDecisions(missing)

    result = IngestResult()
    clicks: Counter[tuple[int, str]] = Counter()
    conversions: Counter[tuple[int, str]] = Counter()
    values: Counter[tuple[int, str]] = Counter()
    now = sql.now()
    # Sorted, so two transactions racing on overlapping batches take row locks in the same order
    # (PostgreSQL would otherwise be free to deadlock them).
    for event in sorted(events, key=lambda e: e.event_id):
        inserted = sql(
            "INSERT INTO events (advertiser_id, event_id, decision_id, type, value, created_at) "
            "VALUES (:adv, :event_id, :decision_id, :type, :value, :now) "
            "ON CONFLICT (advertiser_id, event_id) DO NOTHING RETURNING id",
            {"adv": advertiser_id, "event_id": event.event_id, "decision_id": event.decision_id,
             "type": event.type, "value": float(event.value), "now": now}).fetchone()
        if inserted is None:
            result.duplicates.append(event.event_id)
            continue
        result.accepted.append(event.event_id)
        _, campaign_id, creative_id, segment, context = decisions[event.decision_id]
        key = (creative_id, segment)
        result.campaigns.add(campaign_id)
        if event.type == "click":
            first = sql("UPDATE decisions SET clicked = :yes WHERE id = :id AND clicked = :no",
                        {"yes": True, "no": False, "id": event.decision_id}).rowcount
            if first:
                clicks[key] += 1
                result.rewards.append(Reward(campaign_id, creative_id, segment, _loads(context)))
        else:
            conversions[key] += 1
            values[key] += event.value
    for creative_id, segment in sorted(clicks.keys() | conversions.keys()):
        key = (creative_id, segment)
        sql("UPDATE creative_counters SET clicks = clicks + :k, conversions = conversions + :c, "
            "value = value + :v WHERE creative_id = :creative AND segment = :segment",
            {"k": clicks[key], "c": conversions[key], "v": float(values[key]), "creative": creative_id,
             "segment": segment})
    return result
