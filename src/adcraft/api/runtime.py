"""The running service: in-memory policies per campaign, decisions, event ingestion, auto-pause.

Policy state lives in memory, one `CampaignPolicy` per campaign, built once from the counters table
(contextual policies replay the campaign's decisions, whose contexts are stored) and then updated
incrementally: an impression is `update(arm, 0)`, a first click `add_reward(arm, 1)`. Every decision
reads the campaign's `version` inside its transaction; when another process (the dashboard, the CLI,
another replica) paused or added a creative, the version differs and the state is rebuilt. States
are also rebuilt after `policy_refresh_s` so replicas sharing PostgreSQL converge on each other's
clicks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from adcraft.api import services
from adcraft.api.jobs import GenerationRunner
from adcraft.api.settings import Settings
from adcraft.core import Brief
from adcraft.optimize import make_policy
from adcraft.optimize import stats as ab_stats
from adcraft.store import Database
from adcraft.store.ingest import EventIn, IngestResult, campaign_head, ingest_events, record_decision
from adcraft.store.models import Campaign, Creative, CreativeCounter, Decision, GenerationJob

log = logging.getLogger("adcraft.api")


@dataclass
class CampaignPolicy:
    campaign_id: int
    advertiser_id: int
    version: int
    status: str
    arms: tuple[int, ...]
    fields: dict[int, dict[str, list[str]]]  # of the active creatives, so a decision reads no row
    policy: Any
    built_at: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    last_auto_pause: float = 0.0


@dataclass(frozen=True)
class DecisionOut:
    decision_id: str
    campaign_id: int
    creative_id: int
    fields: dict[str, list[str]]
    propensity: float
    segment: str | None


def _segment_key(segment: str) -> str | None:
    return segment or None


def build_policy(session: Session, campaign: Campaign) -> CampaignPolicy:
    """A campaign's policy from the stored totals (or, for LinTS / LinUCB, its decisions)."""
    policy = make_policy(campaign.policy, **(campaign.policy_params or {}))
    fields = dict(session.execute(
        select(Creative.id, Creative.fields).where(Creative.campaign_id == campaign.id,
                                                   Creative.status == "active").order_by(Creative.id)).all())
    arms = tuple(fields)
    if hasattr(policy, "add_counts"):
        for row in session.scalars(select(CreativeCounter).where(CreativeCounter.campaign_id == campaign.id)):
            policy.add_counts(row.creative_id, row.impressions, row.clicks, segment=_segment_key(row.segment))
    else:
        query = (select(Decision.creative_id, Decision.segment, Decision.context, Decision.clicked)
                 .where(Decision.campaign_id == campaign.id).order_by(Decision.created_at))
        for creative_id, segment, context, clicked in session.execute(query):
            policy.update(creative_id, 1.0 if clicked else 0.0, segment=_segment_key(segment),
                          context=None if context is None else np.asarray(context))
    return CampaignPolicy(campaign.id, campaign.advertiser_id, campaign.version, campaign.status, arms,
                          fields, policy, time.monotonic())


class Runtime:
    """One per process (the FastAPI app keeps it in `app.state.runtime`)."""

    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        self.settings = settings
        self.db = db or Database(settings.db_url)
        self.policies: dict[int, CampaignPolicy] = {}
        self._policies_lock = threading.Lock()
        self.generation = GenerationRunner(self.db, settings)
        self._maintenance = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adcraft-autopause")
        self._start_lock = threading.Lock()
        self.started = False

    def start(self) -> None:
        """Migrate the database and pick up queued generation jobs (once; retried while the DB is down)."""
        if self.started:
            return
        with self._start_lock:
            if self.started:
                return
            if self.settings.run_migrations:
                self.db.upgrade()
            self.generation.resume_pending()
            self.started = True

    def close(self) -> None:
        self.generation.shutdown()
        self._maintenance.shutdown(wait=False, cancel_futures=True)
        self.db.dispose()

    # --- campaigns -------------------------------------------------------------------------

    def create_campaign(self, advertiser_id: int, brief: Brief | dict[str, Any], *, name: str | None = None,
                        policy: str | None = None, policy_params: dict[str, Any] | None = None,
                        model: str | None = None,
                        auto_approve: bool = False) -> tuple[Campaign, GenerationJob]:
        """Store the campaign and start generating its creatives in the background."""
        with self.db.write() as session:
            campaign, job = services.create_campaign(
                session, advertiser_id, brief, name=name, policy=policy or self.settings.default_policy,
                model=model, policy_params=policy_params, auto_approve=auto_approve)
        self.generation.submit(job.id)
        return campaign, job

    def regenerate(self, advertiser_id: int, campaign_id: int, n: int = 4) -> GenerationJob:
        """New variants seeded from the current winners' copy, checked, then added to the rotation."""
        with self.db.write() as session:
            campaign = services.get_campaign(session, advertiser_id, campaign_id)
            seeds = services.winners_text(session, campaign_id)
            job = services.queue_job(session, campaign, kind="regenerate", n=n, seed_texts=seeds)
        self.generation.submit(job.id)
        return job

    # --- decisions -------------------------------------------------------------------------

    def _current_policy(self, session: Session, campaign_id: int, advertiser_id: int) -> CampaignPolicy:
        head = campaign_head(session, campaign_id)
        if head is None or head[0] != advertiser_id:
            raise services.NotFound(f"campaign {campaign_id} not found")
        state = self.policies.get(campaign_id)
        # Periodic refresh only for count-based policies (one query over the counters); contextual
        # ones replay every decision, so they rebuild only when the campaign's version changes.
        stale = state is None or (hasattr(state.policy, "add_counts")
                                  and time.monotonic() - state.built_at > self.settings.policy_refresh_s)
        if state is None or state.version != head[1] or stale:
            state = build_policy(session, session.get(Campaign, campaign_id))
            with self._policies_lock:
                self.policies[campaign_id] = state
        return state

    def decide(self, advertiser_id: int, campaign_id: int, *, segment: str | None = None,
               context: list[float] | None = None) -> DecisionOut:
        """Pick a creative, log the decision with its propensity and count the impression."""
        unit, finish = self._decision(advertiser_id, campaign_id, segment, context)
        return finish(self.db.run_write(unit))

    async def decide_async(self, advertiser_id: int, campaign_id: int, *, segment: str | None = None,
                           context: list[float] | None = None) -> DecisionOut:
        unit, finish = self._decision(advertiser_id, campaign_id, segment, context)
        return finish(await self.db.run_write_async(unit))

    def _decision(self, advertiser_id: int, campaign_id: int, segment: str | None,
                  context: list[float] | None) -> tuple[Callable, Callable]:
        """The transaction's work (no side effects but the session) and what follows its commit."""
        ctx = None if context is None else np.asarray(context, dtype=float)

        def unit(session: Session) -> tuple[CampaignPolicy, Any, str]:
            state = self._current_policy(session, campaign_id, advertiser_id)
            if state.status != "active":
                raise services.Conflict(f"campaign {campaign_id} is paused; resume it to serve decisions")
            if not state.arms:
                raise services.Conflict(
                    f"campaign {campaign_id} has no active creatives yet: wait for its generation job "
                    f"(GET /v1/campaigns/{campaign_id}/jobs), approve its pending creatives "
                    f"(POST /v1/creatives/{{id}}/approve) or resume a paused one")
            with state.lock:
                choice = state.policy.select(state.arms, segment=segment, context=ctx, rng=state.rng)
            decision_id = record_decision(
                session, advertiser_id=advertiser_id, campaign_id=campaign_id, creative_id=choice.arm,
                segment=segment or "", context=context, propensity=choice.propensity)
            return state, choice, decision_id

        def finish(result: tuple[CampaignPolicy, Any, str]) -> DecisionOut:
            state, choice, decision_id = result
            with state.lock:  # only after the commit: the policy never learns a rolled-back impression
                state.policy.update(choice.arm, 0.0, segment=segment, context=ctx)
            return DecisionOut(decision_id, campaign_id, int(choice.arm), state.fields[choice.arm],
                               float(choice.propensity), segment)

        return unit, finish

    # --- events ----------------------------------------------------------------------------

    def ingest(self, advertiser_id: int, events: list[EventIn]) -> IngestResult:
        """Store a batch (all or nothing); returns after the commit, then teaches the policies."""
        return self._learn(*self.db.run_write(self._ingest_unit(advertiser_id, events)))

    async def ingest_async(self, advertiser_id: int, events: list[EventIn]) -> IngestResult:
        return self._learn(*await self.db.run_write_async(self._ingest_unit(advertiser_id, events)))

    def _ingest_unit(self, advertiser_id: int, events: list[EventIn]) -> Callable:
        def unit(session: Session) -> tuple[IngestResult, dict[int, CampaignPolicy | None]]:
            result = ingest_events(session, advertiser_id, events)
            # The states as of this transaction: one rebuilt after it already counts its clicks
            # from the counters, so the rewards go to these objects, never to a newer one.
            return result, {c: self.policies.get(c) for c in result.campaigns}

        return unit

    def _learn(self, result: IngestResult, states: dict[int, CampaignPolicy | None]) -> IngestResult:
        for reward in result.rewards:
            state = states.get(reward.campaign_id)
            if state is None:
                continue
            ctx = None if reward.context is None else np.asarray(reward.context, dtype=float)
            with state.lock:
                state.policy.add_reward(reward.creative_id, 1.0, segment=_segment_key(reward.segment),
                                        context=ctx)
        for campaign_id in result.campaigns:
            self._schedule_auto_pause(campaign_id)
        return result

    # --- auto-pause ------------------------------------------------------------------------

    def _schedule_auto_pause(self, campaign_id: int) -> None:
        state = self.policies.get(campaign_id)
        if state is None or self.settings.auto_pause_min_impressions <= 0:
            return
        now = time.monotonic()
        if now - state.last_auto_pause < self.settings.auto_pause_interval_s:
            return
        state.last_auto_pause = now
        self._maintenance.submit(self._auto_pause_safely, campaign_id)

    def _auto_pause_safely(self, campaign_id: int) -> None:
        try:
            self.auto_pause(campaign_id)
        except Exception:  # a maintenance task must never take the service down
            log.exception("auto-pause of campaign %s failed", campaign_id)

    def auto_pause(self, campaign_id: int) -> list[int]:
        """Pause active creatives whose P(best) is under the threshold after the minimum impressions.

        The best creative is never paused, so a campaign always keeps at least one in rotation.
        """
        threshold = self.settings.auto_pause_threshold
        min_n = self.settings.auto_pause_min_impressions
        with self.db.write() as session:
            arms = list(session.scalars(select(Creative.id).where(
                Creative.campaign_id == campaign_id, Creative.status == "active").order_by(Creative.id)))
            if len(arms) < 2:
                return []
            totals = dict.fromkeys(arms, (0, 0))
            counters = select(CreativeCounter).where(CreativeCounter.campaign_id == campaign_id)
            for row in session.scalars(counters):
                if row.creative_id in totals:
                    n, k = totals[row.creative_id]
                    totals[row.creative_id] = (n + row.impressions, k + row.clicks)
            shown = np.array([totals[a][0] for a in arms], dtype=float)
            clicks = np.array([totals[a][1] for a in arms], dtype=float)
            p_best = ab_stats.prob_best(clicks, shown, draws=self.settings.prob_best_draws,
                                        rng=np.random.default_rng(campaign_id))
            best = int(np.argmax(p_best))
            losers = [(a, p) for i, (a, p) in enumerate(zip(arms, p_best, strict=True))
                      if i != best and shown[i] >= min_n and p < threshold]
            for arm, p in losers:
                session.execute(update(Creative).where(Creative.id == arm).values(
                    status="paused",
                    status_reason=f"auto-paused: P(best) = {p:.4f} < {threshold} after "
                                  f"{int(totals[arm][0])} impressions"))
            if losers:
                services.bump_version(session, campaign_id)
        return [a for a, _ in losers]
