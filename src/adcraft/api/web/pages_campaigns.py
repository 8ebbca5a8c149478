"""Campaign pages: the list, the new-campaign form, creatives in previews with pause / resume (review
actions are in pages_review), the brief, and the generation job's progress (JSON for the polling script)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from adcraft.api import services
from adcraft.api.web import forms
from adcraft.api.web.previews import creative_views, edit_boxes
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
        summary["n_pending"] = sum(1 for c in creatives if c.status in ("pending", "blocked"))
    return summary


def job_view(job: Any | None) -> dict[str, Any] | None:
    """What the progress box says about a generation job."""
    if job is None:
        return None
    action = "Regenerating from the winners" if job.kind == "regenerate" else "Writing"
    messages = {
        "queued": f"Queued: {job.n_requested} variants will be written shortly.",
        "running": f"{action} {job.n_requested} variants with the model; this takes seconds to minutes.",
        "done": _done_message(job),
        "failed": f"Generation failed: {job.error or 'unknown error'}",
    }
    return {"id": job.id, "status": job.status, "kind": job.kind, "finished": job.status in FINISHED,
            "message": messages.get(job.status, job.status), "progress": 1 if job.status == "done" else None}


def _done_message(job: Any) -> str:
    """'Generated 3 of 4: 3 waiting for review, 0 active (1 fails a gate); 5 dropped: ...'."""
    from adcraft.api.review import dropped_text

    text = (f"Generated {job.n_produced} of {job.n_requested}: {job.n_pending} waiting for review, "
            f"{job.n_active} active")
    if job.n_blocked:
        text += f" ({job.n_blocked} fail{'s' if job.n_blocked == 1 else ''} a gate)"
    if job.n_dropped:
        why = dropped_text(job.dropped_reasons or [])
        text += f"; {job.n_dropped} dropped" + (f": {why}" if why else "")
    return text + "."


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
        request.app.state.runtime.create_campaign, page.advertiser_id, brief, name=form.name.strip() or None,
        auto_approve=form.auto_approve == "1")
    return redirect(f"/campaigns/{campaign.id}")


@router.get("/campaigns/{campaign_id}")
def campaign_page(request: Request, campaign_id: int) -> Response:
    return render_campaign(signed_in(request), campaign_id)


# what needs a reviewer first, then what serves; what never serves last
CARD_ORDER = {"pending": 0, "blocked": 0, "active": 1, "paused": 2, "rejected": 3}


def render_campaign(page: Any, campaign_id: int, status_code: int = 200,
                    card_errors: dict[int, Any] | None = None,
                    drafts: dict[int, dict[str, str]] | None = None,
                    add_form: dict[str, Any] | None = None) -> Response:
    """The creatives page. A rejected review form comes back with its error on its card (`card_errors`:
    creative id -> {"message", "findings"}) and the text as typed (`drafts`: creative id -> field ->
    text); a rejected add-a-creative form likewise (`add_form`: {"open", "error", "fields"})."""
    with read_session(page.request) as db:
        campaign = services.get_campaign(db, page.advertiser_id, campaign_id)
        creatives = services.list_creatives(db, page.advertiser_id, campaign_id)
        jobs = services.list_jobs(db, page.advertiser_id, campaign_id)
        summary = campaign_summary(campaign, creatives)
        summary["auto_approve"] = bool(campaign.auto_approve)
        views = creative_views(creatives, campaign.platform, summary["language"])
    views.sort(key=lambda v: (CARD_ORDER.get(v.status, 4), v.id))
    add_form = add_form or {"open": False, "error": None, "fields": edit_boxes(summary["platform"], {})}
    return page.render("campaign.html", status_code=status_code, campaign=summary, creatives=views,
                       job=job_view(jobs[-1] if jobs else None), tab="creatives", nav="campaigns",
                       card_errors=card_errors or {}, drafts=drafts or {}, add_form=add_form)


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
