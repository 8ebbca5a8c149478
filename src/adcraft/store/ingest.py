"""The hot write paths: log a decision (the impression) and ingest a batch of events, each in the
caller's transaction, with the per-(creative, segment) counters updated in that same transaction.

Idempotency rests on the unique constraint (advertiser_id, event_id) and `INSERT ... ON CONFLICT
DO NOTHING RETURNING id` (SQLite >= 3.35 and PostgreSQL): a retried event inserts nothing, returns
no id, and so touches no counter. Clicks are rewards in {0, 1}: only the first click of a decision
counts (`decisions.clicked` flips once, guarded by the UPDATE's WHERE), later ones are stored.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adcraft.store.models import CreativeCounter, Decision, Event


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


def _insert(session: Session, table):  # noqa: ANN001, ANN202 - dialect-specific Insert
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def record_decision(session: Session, *, advertiser_id: int, campaign_id: int, creative_id: int,
                    segment: str, context: list[float] | None, propensity: float) -> str:
    """Insert the decision and count its impression; returns the decision id."""
    decision_id = uuid.uuid4().hex
    session.execute(_insert(session, Decision).values(
        id=decision_id, advertiser_id=advertiser_id, campaign_id=campaign_id, creative_id=creative_id,
        segment=segment, context=context, propensity=propensity))
    counter = _insert(session, CreativeCounter).values(
        creative_id=creative_id, segment=segment, campaign_id=campaign_id, impressions=1)
    session.execute(counter.on_conflict_do_update(
        index_elements=["creative_id", "segment"],
        set_={"impressions": CreativeCounter.impressions + 1}))
    return decision_id


def ingest_events(session: Session, advertiser_id: int, events: list[EventIn]) -> IngestResult:
    """Store the batch; every decision must belong to `advertiser_id`, else nothing is stored."""
    wanted = sorted({e.decision_id for e in events})
    decisions = {
        row.id: row
        for row in session.execute(
            select(Decision.id, Decision.campaign_id, Decision.creative_id, Decision.segment,
                   Decision.context)
            .where(Decision.id.in_(wanted), Decision.advertiser_id == advertiser_id)
        )
    }
    missing = [d for d in wanted if d not in decisions]
    if missing:
        raise UnknownDecisions(missing)

    result = IngestResult()
    clicks: Counter[tuple[int, str]] = Counter()
    conversions: Counter[tuple[int, str]] = Counter()
    values: Counter[tuple[int, str]] = Counter()
    # Sorted, so two transactions racing on overlapping batches take row locks in the same order
    # (PostgreSQL would otherwise be free to deadlock them).
    for event in sorted(events, key=lambda e: e.event_id):
        stmt = (
            _insert(session, Event)
            .values(advertiser_id=advertiser_id, event_id=event.event_id, decision_id=event.decision_id,
                    type=event.type, value=event.value)
            .on_conflict_do_nothing(index_elements=["advertiser_id", "event_id"])
            .returning(Event.id)
        )
        if session.execute(stmt).scalar_one_or_none() is None:
            result.duplicates.append(event.event_id)
            continue
        result.accepted.append(event.event_id)
        decision = decisions[event.decision_id]
        key = (decision.creative_id, decision.segment)
        result.campaigns.add(decision.campaign_id)
        if event.type == "click":
            first = session.execute(
                update(Decision).where(Decision.id == event.decision_id, Decision.clicked.is_(False))
                .values(clicked=True)
            ).rowcount
            if first:
                clicks[key] += 1
                result.rewards.append(Reward(decision.campaign_id, decision.creative_id,
                                             decision.segment, decision.context))
        else:
            conversions[key] += 1
            values[key] += event.value
    for creative_id, segment in clicks.keys() | conversions.keys():
        key = (creative_id, segment)
        session.execute(
            update(CreativeCounter)
            .where(CreativeCounter.creative_id == creative_id, CreativeCounter.segment == segment)
            .values(clicks=CreativeCounter.clicks + clicks[key],
                    conversions=CreativeCounter.conversions + conversions[key],
                    value=CreativeCounter.value + values[key])
        )
    return result
