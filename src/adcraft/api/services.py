"""Campaign business logic shared by the JSON API and the dashboard; routes in both stay thin.

Every function takes a SQLAlchemy `Session` and the id of the signed-in advertiser, and scopes
each query to that advertiser: another advertiser's campaign, creative or job raises `NotFound`,
exactly like an id that does not exist (so ids leak nothing). Functions that write only flush;
the caller commits (`Database.write()` does). Work that needs the running service (background
generation, the in-memory policies) lives in `adcraft.api.runtime.Runtime`, which calls these.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from adcraft.core import Brief, InputError
from adcraft.optimize import make_policy
from adcraft.optimize import stats as ab_stats
from adcraft.store import keys
from adcraft.store.models import (
    Advertiser,
    Campaign,
    Creative,
    CreativeCounter,
    Decision,
    Event,
    GenerationJob,
)

SERVABLE = ("active", "paused")  # approved creatives: in rotation, or paused out of it


class NotFound(InputError):
    """An id that does not exist or belongs to another advertiser (the API answers 404)."""


class Conflict(InputError):
    """A request the current state forbids, e.g. activating a blocked creative (the API answers 409)."""


def authenticate(session: Session, raw_key: str) -> Advertiser | None:
    """The advertiser owning an API key, or None (unknown, malformed or revoked key)."""
    return keys.advertiser_for_key(session, raw_key.strip())


def get_advertiser(session: Session, advertiser_id: int) -> Advertiser:
    advertiser = session.get(Advertiser, int(advertiser_id))
    if advertiser is None:
        raise NotFound(f"advertiser {advertiser_id} not found")
    return advertiser


# --- campaigns, creatives, jobs ---------------------------------------------------------------

def create_campaign(session: Session, advertiser_id: int, brief: Brief | dict[str, Any], *,
                    name: str | None = None, policy: str = "thompson", model: str | None = None,
                    policy_params: dict[str, Any] | None = None,
                    auto_approve: bool = False) -> tuple[Campaign, GenerationJob]:
    """A campaign and its queued first generation job (`Runtime.create_campaign` also starts it).

    Its creatives wait for review unless `auto_approve`: then those passing every gate serve at once.
    """
    if not isinstance(brief, Brief):
        brief = Brief.model_validate(brief)
    make_policy(policy, **(policy_params or {}))  # InputError now, not at the first decision
    campaign = Campaign(
        advertiser_id=advertiser_id, name=(name or brief.product)[:200], brief=brief.model_dump(mode="json"),
        platform=brief.platform, policy=policy, policy_params=dict(policy_params or {}), status="active",
        model=model, version=0, auto_approve=bool(auto_approve),
    )
    session.add(campaign)
    session.flush()
    job = queue_job(session, campaign, kind="create", n=brief.n_variants)
    return campaign, job


def queue_job(session: Session, campaign: Campaign, *, kind: str, n: int,
              seed_texts: list[str] | None = None) -> GenerationJob:
    job = GenerationJob(campaign_id=campaign.id, kind=kind, status="queued", n_requested=n,
                        seed_texts=list(seed_texts or []), error="")
    session.add(job)
    session.flush()
    return job


def list_campaigns(session: Session, advertiser_id: int) -> list[Campaign]:
    query = select(Campaign).where(Campaign.advertiser_id == advertiser_id).order_by(Campaign.id.desc())
    return list(session.scalars(query))


def get_campaign(session: Session, advertiser_id: int, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.advertiser_id != advertiser_id:
        raise NotFound(f"campaign {campaign_id} not found")
    return campaign


def list_creatives(session: Session, advertiser_id: int, campaign_id: int,
                   status: str | None = None) -> list[Creative]:
    get_campaign(session, advertiser_id, campaign_id)
    query = select(Creative).where(Creative.campaign_id == campaign_id)
    if status is not None:
        query = query.where(Creative.status == status)
    return list(session.scalars(query.order_by(Creative.id)))


def get_creative(session: Session, advertiser_id: int, creative_id: int) -> Creative:
    creative = session.get(Creative, creative_id)
    if creative is None:
        raise NotFound(f"creative {creative_id} not found")
    campaign = session.get(Campaign, creative.campaign_id)
    if campaign is None or campaign.advertiser_id != advertiser_id:
        raise NotFound(f"creative {creative_id} not found")
    return creative


def list_jobs(session: Session, advertiser_id: int, campaign_id: int) -> list[GenerationJob]:
    get_campaign(session, advertiser_id, campaign_id)
    query = select(GenerationJob).where(GenerationJob.campaign_id == campaign_id).order_by(GenerationJob.id)
    return list(session.scalars(query))


def get_job(session: Session, advertiser_id: int, job_id: int) -> GenerationJob:
    job = session.get(GenerationJob, job_id)
    if job is None:
        raise NotFound(f"generation job {job_id} not found")
    get_campaign(session, advertiser_id, job.campaign_id)  # NotFound for another advertiser's job
    return job


def bump_version(session: Session, campaign_id: int) -> None:
    """Tell every process serving this campaign that its set of active creatives changed."""
    session.execute(update(Campaign).where(Campaign.id == campaign_id).values(version=Campaign.version + 1))


def set_creative_status(session: Session, advertiser_id: int, creative_id: int, status: str,
                        reason: str = "") -> Creative:
    """Pause or resume an approved creative. A blocked creative stays blocked (its findings say why);
    a pending one is approved first (`review.approve`), a rejected one never serves."""
    if status not in ("active", "paused"):
        raise InputError(f"status {status!r}: a creative can be set to 'active' or 'paused'")
    creative = get_creative(session, advertiser_id, creative_id)
    verb = "resumed" if status == "active" else "paused"
    if creative.status == "blocked":
        raise Conflict(f"creative {creative_id} is blocked by compliance findings and cannot be {verb}")
    if creative.status == "pending":
        raise Conflict(f"creative {creative_id} is pending review and cannot be {verb}: approve or "
                       "reject it first")
    if creative.status == "rejected":
        raise Conflict(f"creative {creative_id} was rejected in review and cannot be {verb}")
    if creative.status != status:
        creative.status = status
        creative.status_reason = reason or ("resumed" if status == "active" else "paused by the advertiser")
        bump_version(session, creative.campaign_id)
        session.flush()
    return creative


def set_campaign_status(session: Session, advertiser_id: int, campaign_id: int, status: str) -> Campaign:
    if status not in ("active", "paused"):
        raise InputError(f"status {status!r}: a campaign can be set to 'active' or 'paused'")
    campaign = get_campaign(session, advertiser_id, campaign_id)
    campaign.status = status
    campaign.version += 1
    session.flush()
    return campaign


# --- statistics ------------------------------------------------------------------------------

def _counter_rows(session: Session, campaign_id: int) -> list[CreativeCounter]:
    return list(session.scalars(select(CreativeCounter).where(CreativeCounter.campaign_id == campaign_id)))


def _cells(creatives: list[Creative], totals: dict[int, list[float]], draws: int,
           rng: np.random.Generator) -> list[dict[str, Any]]:
    """One row per creative: counts, CTR + 95% Wilson interval, P(best) among the approved ones."""
    candidates = [c for c in creatives if c.status in SERVABLE]
    p_best: dict[int, float] = {}
    if candidates:
        clicks = np.array([totals[c.id][1] for c in candidates])
        shown = np.array([totals[c.id][0] for c in candidates])
        probs = ab_stats.prob_best(clicks, shown, draws=draws, rng=rng)
        p_best = {c.id: float(p) for c, p in zip(candidates, probs, strict=True)}
    rows = []
    for c in creatives:
        n, k, conv, value = totals[c.id]
        low, high = ab_stats.wilson_interval(int(k), int(n))
        rows.append({
            "creative_id": c.id, "status": c.status, "impressions": int(n), "clicks": int(k),
            "ctr": k / n if n else 0.0, "ctr_low": float(low), "ctr_high": float(high),
            "conversions": int(conv), "value": float(value), "prob_best": p_best.get(c.id),
        })
    return rows


def campaign_stats(session: Session, advertiser_id: int, campaign_id: int, *, draws: int = 4000,
                   seed: int = 0) -> dict[str, Any]:
    """Per creative and per (segment, creative): impressions, clicks, CTR with its 95% Wilson
    interval, conversions, value and the posterior probability of being the best (Beta(1, 1) prior)."""
    campaign = get_campaign(session, advertiser_id, campaign_id)
    creatives = list_creatives(session, advertiser_id, campaign_id)
    rng = np.random.default_rng(seed)
    totals: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    by_segment: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0.0]))
    for row in _counter_rows(session, campaign_id):
        for table in (totals, by_segment[row.segment]):
            cell = table[row.creative_id]
            cell[0] += row.impressions
            cell[1] += row.clicks
            cell[2] += row.conversions
            cell[3] += row.value
    segments = [
        {"segment": seg, "creatives": _cells(creatives, cells, draws, rng)}
        for seg, cells in sorted(by_segment.items()) if seg
    ]
    return {
        "campaign_id": campaign.id, "status": campaign.status, "policy": campaign.policy,
        "impressions": int(sum(t[0] for t in totals.values())),
        "clicks": int(sum(t[1] for t in totals.values())),
        "creatives": _cells(creatives, totals, draws, rng), "segments": segments,
    }


def creative_totals(session: Session, advertiser_id: int, creative_id: int) -> tuple[int, int]:
    """(impressions, clicks) of a creative over all segments."""
    get_creative(session, advertiser_id, creative_id)
    row = session.execute(
        select(func.coalesce(func.sum(CreativeCounter.impressions), 0),
               func.coalesce(func.sum(CreativeCounter.clicks), 0))
        .where(CreativeCounter.creative_id == creative_id)
    ).one()
    return int(row[0]), int(row[1])


def ab_report(session: Session, advertiser_id: int, campaign_id: int, creative_a: int, creative_b: int,
              **options: Any) -> dict[str, Any]:
    """A/B report between two creatives of the campaign (options go to `optimize.stats.ab_report`:
    alpha, power / minimum detectable effect, sequential test settings)."""
    get_campaign(session, advertiser_id, campaign_id)
    if creative_a == creative_b:
        raise InputError("the A/B report needs two different creatives: a and b are the same id")
    counts = {}
    for creative_id in (creative_a, creative_b):
        creative = get_creative(session, advertiser_id, creative_id)
        if creative.campaign_id != campaign_id:
            raise NotFound(f"creative {creative_id} not found in campaign {campaign_id}")
        counts[creative_id] = creative_totals(session, advertiser_id, creative_id)
    (n_a, k_a), (n_b, k_b) = counts[creative_a], counts[creative_b]
    report = ab_stats.ab_report(k_a, n_a, k_b, n_b, **options)
    body = report if isinstance(report, dict) else _as_dict(report)
    return {"campaign_id": campaign_id, "a": {"creative_id": creative_a, "impressions": n_a, "clicks": k_a},
            "b": {"creative_id": creative_b, "impressions": n_b, "clicks": k_b}, "report": body}


def _as_dict(report: Any) -> dict[str, Any]:
    if hasattr(report, "to_dict"):
        return report.to_dict()
    from dataclasses import asdict, is_dataclass

    if is_dataclass(report):
        return asdict(report)
    return dict(report)


def winners_text(session: Session, campaign_id: int, k: int = 3) -> list[str]:
    """Copy of the campaign's best approved creatives by CTR (ties: more impressions first); never the
    text of a creative that is pending review or was rejected."""
    rows = session.execute(
        select(Creative, func.coalesce(func.sum(CreativeCounter.impressions), 0),
               func.coalesce(func.sum(CreativeCounter.clicks), 0))
        .outerjoin(CreativeCounter, CreativeCounter.creative_id == Creative.id)
        .where(Creative.campaign_id == campaign_id, Creative.status.in_(SERVABLE))
        .group_by(Creative.id)
    ).all()
    ranked = sorted(rows, key=lambda r: ((r[2] + 1) / (r[1] + 2), r[1]), reverse=True)  # Laplace CTR
    return ["\n".join(v for values in r[0].fields.values() for v in values) for r in ranked[:k]]


def timeseries(session: Session, advertiser_id: int, campaign_id: int, *, bucket_seconds: int = 3600,
               ) -> dict[str, Any]:
    """Impressions and clicks per creative per time bucket, for the dashboard's charts.

    Scans this campaign's decisions and clicks once: fine for a page view, never on the hot path.
    """
    get_campaign(session, advertiser_id, campaign_id)
    if bucket_seconds <= 0:
        raise InputError("bucket_seconds must be positive")
    series: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))

    def bucket(ts: datetime) -> int:
        return int(ts.timestamp()) // bucket_seconds * bucket_seconds

    for creative_id, created in session.execute(
        select(Decision.creative_id, Decision.created_at).where(Decision.campaign_id == campaign_id)
    ):
        series[bucket(created)][creative_id][0] += 1
    for creative_id, created in session.execute(
        select(Decision.creative_id, Event.created_at).join(Event, Event.decision_id == Decision.id)
        .where(Decision.campaign_id == campaign_id, Event.type == "click")
    ):
        series[bucket(created)][creative_id][1] += 1
    return {
        "bucket_seconds": bucket_seconds,
        "buckets": [
            {"start": start, "creatives": {str(cid): {"impressions": v[0], "clicks": v[1]}
                                           for cid, v in sorted(cells.items())}}
            for start, cells in sorted(series.items())
        ],
    }


# --- serialisation (shared by the JSON API and the CLI) ----------------------------------------

def campaign_dict(campaign: Campaign) -> dict[str, Any]:
    return {"id": campaign.id, "name": campaign.name, "platform": campaign.platform,
            "policy": campaign.policy, "policy_params": campaign.policy_params, "status": campaign.status,
            "model": campaign.model, "auto_approve": bool(campaign.auto_approve),
            "brief": campaign.brief, "created_at": campaign.created_at.isoformat()}


def creative_dict(creative: Creative) -> dict[str, Any]:
    return {"id": creative.id, "campaign_id": creative.campaign_id, "fields": creative.fields,
            "status": creative.status, "status_reason": creative.status_reason,
            "origin": creative.origin, "edited": creative.original_fields is not None,
            "original_fields": creative.original_fields,
            "findings": creative.findings, "generation": creative.generation,
            "reviewed_at": creative.reviewed_at.isoformat() if creative.reviewed_at else None,
            "created_at": creative.created_at.isoformat()}


def job_dict(job: GenerationJob) -> dict[str, Any]:
    return {"id": job.id, "campaign_id": job.campaign_id, "kind": job.kind, "status": job.status,
            "n_requested": job.n_requested, "n_produced": job.n_produced, "n_active": job.n_active,
            "n_pending": job.n_pending, "n_blocked": job.n_blocked, "n_dropped": job.n_dropped,
            "dropped_reasons": job.dropped_reasons or [], "error": job.error or None,
            "shortfall": _shortfall(job),
            "created_at": job.created_at.isoformat(),
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


def _shortfall(job: GenerationJob) -> str | None:
    """A finished job's note when it produced fewer creatives than requested (a failed one has `error`)."""
    if job.status != "done":
        return None
    from adcraft.api.review import shortfall_note

    return shortfall_note(job.n_requested, job.n_produced, job.dropped_reasons or [])
