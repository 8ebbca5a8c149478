"""The JSON API under /v1: thin routes that parse, call `services` / `Runtime`, and format."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import text

from adcraft.api import services
from adcraft.api.errors import ApiError
from adcraft.api.routes_review import router as review_router
from adcraft.api.runtime import Runtime
from adcraft.api.schemas import (
    CampaignChange,
    CampaignCreate,
    DecideRequest,
    DecideResponse,
    EventBatch,
    EventsResponse,
    Regenerate,
)
from adcraft.api.security import current_advertiser
from adcraft.store.ingest import EventIn

router = APIRouter(prefix="/v1")
router.include_router(review_router)
CreativeStatus = Literal["pending", "active", "paused", "rejected", "blocked"]
health_router = APIRouter()
Advertiser = Annotated[int, Depends(current_advertiser)]


async def runtime_of(request: Request) -> Runtime:  # async: a sync dependency costs a thread hop
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


@health_router.get("/health", tags=["health"])
def health(runtime: RuntimeDep) -> dict[str, str]:
    """Liveness and database reachability (503 when the database is down)."""
    runtime.start()
    with runtime.db.read() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "database": runtime.db.engine.dialect.name}


@router.post("/campaigns", status_code=202, tags=["campaigns"])
def create_campaign(body: CampaignCreate, advertiser_id: Advertiser, runtime: RuntimeDep) -> dict[str, Any]:
    """Store the campaign and start generating its creatives; poll the job until `done`."""
    campaign, job = runtime.create_campaign(
        advertiser_id, body.brief, name=body.name, policy=body.policy, policy_params=body.policy_params,
        auto_approve=body.auto_approve,
    )
    return {"campaign": services.campaign_dict(campaign), "job": services.job_dict(job)}


@router.get("/campaigns", tags=["campaigns"])
def list_campaigns(advertiser_id: Advertiser, runtime: RuntimeDep) -> list[dict[str, Any]]:
    with runtime.db.read() as session:
        return [services.campaign_dict(c) for c in services.list_campaigns(session, advertiser_id)]


@router.get("/campaigns/{campaign_id}", tags=["campaigns"])
def get_campaign(campaign_id: int, advertiser_id: Advertiser, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.db.read() as session:
        campaign = services.get_campaign(session, advertiser_id, campaign_id)
        creatives = services.list_creatives(session, advertiser_id, campaign_id)
        return {
            **services.campaign_dict(campaign),
            "creatives": [services.creative_dict(c) for c in creatives],
        }


@router.patch("/campaigns/{campaign_id}", tags=["campaigns"])
def change_campaign(
    campaign_id: int, body: CampaignChange, advertiser_id: Advertiser, runtime: RuntimeDep
) -> dict[str, Any]:
    """Pause or resume the whole campaign (`status`); turn auto-approval of new creatives on or off
    (`auto_approve`)."""
    with runtime.db.write() as session:
        campaign = services.get_campaign(session, advertiser_id, campaign_id)
        if body.auto_approve is not None:
            campaign.auto_approve = body.auto_approve
        if body.status is not None:
            campaign = services.set_campaign_status(session, advertiser_id, campaign_id, body.status)
        session.flush()
        return services.campaign_dict(campaign)


@router.get("/campaigns/{campaign_id}/creatives", tags=["creatives"])
def list_creatives(
    campaign_id: int, advertiser_id: Advertiser, runtime: RuntimeDep,
    status: Annotated[CreativeStatus | None, Query(description="only creatives in this status")] = None,
) -> list[dict[str, Any]]:
    """The campaign's creatives with their findings, origin and review state (`?status=pending`: the
    review queue)."""
    with runtime.db.read() as session:
        return [services.creative_dict(c)
                for c in services.list_creatives(session, advertiser_id, campaign_id, status=status)]


@router.post("/creatives/{creative_id}/pause", tags=["creatives"])
def pause_creative(creative_id: int, advertiser_id: Advertiser, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.db.write() as session:
        return services.creative_dict(
            services.set_creative_status(session, advertiser_id, creative_id, "paused")
        )


@router.post("/creatives/{creative_id}/resume", tags=["creatives"])
def resume_creative(creative_id: int, advertiser_id: Advertiser, runtime: RuntimeDep) -> dict[str, Any]:
    with runtime.db.write() as session:
        return services.creative_dict(
            services.set_creative_status(session, advertiser_id, creative_id, "active")
        )


@router.get("/campaigns/{campaign_id}/jobs", tags=["jobs"])
def list_jobs(campaign_id: int, advertiser_id: Advertiser, runtime: RuntimeDep) -> list[dict[str, Any]]:
    with runtime.db.read() as session:
        return [services.job_dict(j) for j in services.list_jobs(session, advertiser_id, campaign_id)]


@router.get("/jobs/{job_id}", tags=["jobs"])
def get_job(job_id: int, advertiser_id: Advertiser, runtime: RuntimeDep) -> dict[str, Any]:
    """A generation job: queued, running, done (with counts) or failed (with the reason)."""
    with runtime.db.read() as session:
        return services.job_dict(services.get_job(session, advertiser_id, job_id))


@router.post("/campaigns/{campaign_id}/regenerate", status_code=202, tags=["jobs"])
def regenerate(
    campaign_id: int, advertiser_id: Advertiser, runtime: RuntimeDep, body: Regenerate | None = None
) -> dict[str, Any]:
    """Write new variants seeded from the current winners' copy; checked ones join the rotation."""
    job = runtime.regenerate(advertiser_id, campaign_id, n=(body or Regenerate()).n)
    return services.job_dict(job)


@router.post("/campaigns/{campaign_id}/decide", tags=["serving"])
async def decide(
    campaign_id: int, advertiser_id: Advertiser, runtime: RuntimeDep, body: DecideRequest | None = None
) -> DecideResponse:
    """The creative to show now; the impression is logged with the policy's propensity."""
    body = body or DecideRequest()
    out = await runtime.decide_async(advertiser_id, campaign_id, segment=body.segment, context=body.context)
    return DecideResponse(
        decision_id=out.decision_id,
        campaign_id=out.campaign_id,
        creative_id=out.creative_id,
        fields=out.fields,
        propensity=out.propensity,
        segment=out.segment,
    )


@router.post("/events", tags=["serving"])
async def post_events(
    body: EventBatch, request: Request, advertiser_id: Advertiser, runtime: RuntimeDep
) -> EventsResponse:
    """Clicks and conversions by decision id. Answers after the commit; a retried batch (same
    `event_id`s) is reported in `duplicates` and counted once. Any unknown decision id: 404, nothing
    stored."""
    limit = request.app.state.settings.max_batch_events
    if len(body.events) > limit:
        raise ApiError(
            413, "batch_too_large", f"{len(body.events)} events in one batch; send at most {limit}"
        )
    result = await runtime.ingest_async(
        advertiser_id,
        [
            EventIn(event_id=e.event_id, decision_id=e.decision_id, type=e.type, value=e.value)
            for e in body.events
        ],
    )
    return EventsResponse(accepted=len(result.accepted), duplicates=result.duplicates)


@router.get("/campaigns/{campaign_id}/stats", tags=["results"])
def stats(campaign_id: int, advertiser_id: Advertiser, runtime: RuntimeDep) -> dict[str, Any]:
    """Per creative and per segment: impressions, clicks, CTR with its 95% Wilson interval,
    conversions, value and the posterior probability of being the best."""
    with runtime.db.read() as session:
        return services.campaign_stats(
            session, advertiser_id, campaign_id, draws=runtime.settings.prob_best_draws
        )


@router.get("/campaigns/{campaign_id}/ab", tags=["results"])
def ab_report(
    campaign_id: int,
    advertiser_id: Advertiser,
    runtime: RuntimeDep,
    a: Annotated[int, Query(description="creative id A")],
    b: Annotated[int, Query(description="creative id B")],
    mde: Annotated[float, Query(gt=0, lt=1, description="minimum detectable effect (CTR points)")] = 0.01,
    alpha: Annotated[float, Query(gt=0, lt=1)] = 0.05,
    power: Annotated[float, Query(gt=0, lt=1)] = 0.8,
) -> dict[str, Any]:
    """Two-proportion z test and an always-valid sequential test (safe to peek) between A and B."""
    with runtime.db.read() as session:
        return services.ab_report(
            session, advertiser_id, campaign_id, a, b, mde=mde, alpha=alpha, power=power
        )


@router.post("/campaigns/{campaign_id}/auto-pause", tags=["results"])
def auto_pause(campaign_id: int, advertiser_id: Advertiser, runtime: RuntimeDep) -> dict[str, Any]:
    """Run the auto-pause rule now (it also runs on its own as events arrive)."""
    with runtime.db.read() as session:
        services.get_campaign(session, advertiser_id, campaign_id)
    return {"paused": runtime.auto_pause(campaign_id)}
