"""Campaign pages: the list, the new-campaign form, creatives in previews with pause / resume, the brief,
and the generation job's progress (JSON for the page's polling script)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from adcraft.api import services
from adcraft.api.web import forms
from adcraft.api.web.previews import creative_views
from adcraft.api.web.routing import WebRoute, platform_name, read_session, redirect, signed_in, write_session
from adcraft.core.types import MAX_VARIANTS

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FINISHED = ("done", "failed")


def campaign_summary(campaign: Any, creatives: list[Any] | None = None) -> dict[str, Any]:
    brief = campaign.brief or {}
    summary = {
        "id": campaign.id, "name": campaign.name, "platform": campaign.platform,
        "platform_name": platform_name(campaign.platform), "language": brief.get("language", ""),
        "status": campaign.status, "policy": campaign.policy, "product": brief.get("product", ""),
        "brand": brief.get("brand", ""), "brief": brief, "model": campaign.model or "default",
        "created": campaign.created_at.strftime("%Y-%m-%d %H:%M"),
    }
    if creatives is not None:
        summary["n_total"] = len(creatives)
        summary["n_active"] = sum(1 for c in creatives if c.status == "active")
    return summary


def job_view(job: Any | None) -> dict[str, Any] | None:
    """What the progress box says about a generation job."""
    if job is None:
        return None
    action = "Regenerating from the winners" if job.kind == "regenerate" else "Writing"
    messages = {
        "queued": f"Queued: {job.n_requested} variants will be written shortly.",
        "running": f"{action} {job.n_requested} variants with the model; this takes seconds to minutes.",
        "done": (f"Generated: {job.n_active} active, {job.n_blocked} blocked by compliance, "
                 f"{job.n_dropped} dropped (too long, duplicate or unparseable)."),
        "failed": f"Generation failed: {job.error or 'unknown error'}",
    }
    return {"id": job.id, "status": job.status, "kind": job.kind, "finished": job.status in FINISHED,
            "message": messages.get(job.status, job.status), "progress": 1 if job.status == "done" else None}


@router.get("/campaigns")
def campaign_list(request: Request) -> Response:
    page = signed_in(request)
    with read_session(request) as db:
        rows = []
        for campaign in services.list_campaigns(db, page.advertiser_id):
            creatives = services.list_creatives(db, page.advertiser_id, campaign.id)
            rows.append(campaign_summary(campaign, creatives))
    return page.render("campaigns.html", campaigns=rows, nav="campaigns")


def _form_page(page: Any, form: forms.CampaignForm, errors: dict[str, str], status: int = 200) -> Response:
    return page.render("new_campaign.html", status_code=status, form=form, errors=errors, nav="new",
                       platforms=forms.platform_options(), languages=forms.language_options(),
                       max_variants=MAX_VARIANTS)


@router.get("/campaigns/new")
def new_campaign_form(request: Request) -> Response:
    return _form_page(signed_in(request), forms.CampaignForm(), {})


@router.post("/campaigns/new")
async def new_campaign(request: Request) -> Response:
    page = await run_in_threadpool(signed_in, request)
    form = forms.CampaignForm.from_post(await page.form())
    brief, errors = forms.parse_brief(form)
    if brief is None:
        return _form_page(page, form, errors, status=422)
    # the same call as POST /v1/campaigns: stores the campaign, starts generation in the background
    campaign, _job = await run_in_threadpool(
        request.app.state.runtime.create_campaign, page.advertiser_id, brief, name=form.name.strip() or None)
    return redirect(f"/campaigns/{campaign.id}")


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: int) -> Response:
    page = signed_in(request)
    with read_session(request) as db:
        campaign = services.get_campaign(db, page.advertiser_id, campaign_id)
        creatives = services.list_creatives(db, page.advertiser_id, campaign_id)
        jobs = services.list_jobs(db, page.advertiser_id, campaign_id)
        summary = campaign_summary(campaign, creatives)
        views = creative_views(creatives, campaign.platform, summary["language"])
    # blocked creatives last: what is live comes first
    views.sort(key=lambda v: (v.status == "blocked", v.id))
    return page.render("campaign.html", campaign=summary, creatives=views,
                       job=job_view(jobs[-1] if jobs else None), tab="creatives", nav="campaigns")


@router.get("/campaigns/{campaign_id}/job.json")
def job_status(request: Request, campaign_id: int) -> Response:
    page = signed_in(request)
    with read_session(request) as db:
        jobs = services.list_jobs(db, page.advertiser_id, campaign_id)
    return JSONResponse(job_view(jobs[-1] if jobs else None) or {"finished": True, "message": "no job"})


@router.get("/campaigns/{campaign_id}/brief")
def brief_page(request: Request, campaign_id: int) -> Response:
    page = signed_in(request)
    with read_session(request) as db:
        campaign = services.get_campaign(db, page.advertiser_id, campaign_id)
        jobs = [services.job_dict(j) for j in services.list_jobs(db, page.advertiser_id, campaign_id)]
        summary = campaign_summary(campaign)
    return page.render("brief.html", campaign=summary, jobs=jobs, tab="brief", nav="campaigns")


@router.post("/campaigns/{campaign_id}/serving/{action}")
async def set_campaign_status(request: Request, campaign_id: int, action: str) -> Response:
    """Pause or resume serving the whole campaign (decisions answer 409 while it is paused)."""
    page = await run_in_threadpool(signed_in, request)
    await page.form()
    status = {"pause": "paused", "resume": "active"}.get(action)
    if status is None:
        raise services.NotFound(action)

    def change() -> None:
        with write_session(request) as db:
            services.set_campaign_status(db, page.advertiser_id, campaign_id, status)

    await run_in_threadpool(change)
    message = "Campaign paused: no creative is served until you resume it." if status == "paused" \
        else "Campaign resumed."
    return redirect(f"/campaigns/{campaign_id}?msg={quote(message)}")


@router.post("/campaigns/{campaign_id}/creatives/{creative_id}/{action}")
async def set_creative_status(request: Request, campaign_id: int, creative_id: int, action: str) -> Response:
    page = await run_in_threadpool(signed_in, request)
    await page.form()
    status = {"pause": "paused", "resume": "active"}.get(action)
    if status is None:
        raise services.NotFound(action)

    def change() -> None:
        with write_session(request) as db:
            creative = services.get_creative(db, page.advertiser_id, creative_id)
            if creative.campaign_id != campaign_id:
                raise services.NotFound(f"creative {creative_id}")
            services.set_creative_status(db, page.advertiser_id, creative_id, status)

    await run_in_threadpool(change)
    message = f"Creative #{creative_id} {'paused' if status == 'paused' else 'resumed'}."
    return redirect(f"/campaigns/{campaign_id}?msg={quote(message)}#creative-{creative_id}")
