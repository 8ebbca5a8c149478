"""Campaign performance: counts, CTR with 95% intervals and P(best) per creative and segment, charts of
CTR and traffic share over time, the A/B report between two chosen creatives, regenerate from winners."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import func, select

from adcraft.api import services
from adcraft.api.web import charts
from adcraft.api.web.pages_campaigns import campaign_summary
from adcraft.api.web.previews import creative_views
from adcraft.api.web.routing import WebRoute, read_session, redirect, signed_in
from adcraft.core import InputError
from adcraft.store.models import Decision

router = APIRouter(route_class=WebRoute, include_in_schema=False)
DEFAULT_MDE = 0.01
MAX_BUCKETS = 12  # points per line / bars in the charts


def _label(view: Any) -> str:
    """A creative's name in tables and legends: its id and the start of its copy."""
    text = next((v.text for f in view.fields for v in f.values if v.text), "")
    return f"#{view.id} {text[:18]}{'…' if len(text) > 18 else ''}"


def _ab(db: Any, advertiser_id: int, campaign_id: int, params: dict[str, str],
        ids: list[int]) -> tuple[dict[str, Any] | None, dict[str, str], dict[str, Any]]:
    """The A/B report for the chosen pair (default: the two creatives with most impressions)."""
    choice = {"a": params.get("a", ""), "b": params.get("b", ""), "mde": params.get("mde", str(DEFAULT_MDE))}
    errors: dict[str, str] = {}
    if len(ids) < 2:
        return None, errors, choice
    try:
        a, b = int(choice["a"] or ids[0]), int(choice["b"] or ids[1])
    except ValueError:
        return None, {"a": "Choose two creatives from the lists."}, choice
    try:
        mde = float(choice["mde"])
        if not 0 < mde < 1:
            raise ValueError
    except ValueError:
        return None, {"mde": "Enter the smallest CTR difference worth detecting, between 0 and 1 "
                             "(0.01 = one percentage point)."}, choice
    choice.update(a=str(a), b=str(b), mde=str(mde))
    if a == b:
        return None, {"b": "Choose a creative different from A."}, choice
    try:
        return services.ab_report(db, advertiser_id, campaign_id, a, b, mde=mde), errors, choice
    except InputError as exc:
        return None, {"b": str(exc)}, choice


def _traffic_span_s(db: Any, campaign_id: int) -> float:
    """Seconds between the campaign's first and last decision (the caller has checked ownership):
    one indexed aggregate, so the time series is then read once at the width the charts need."""
    first, last = db.execute(select(func.min(Decision.created_at), func.max(Decision.created_at))
                             .where(Decision.campaign_id == campaign_id)).one()
    return (last - first).total_seconds() if first and last else 0.0


def performance_context(db: Any, advertiser_id: int, campaign_id: int, params: dict[str, str],
                        draws: int = 4000) -> dict:
    campaign = services.get_campaign(db, advertiser_id, campaign_id)
    creatives = services.list_creatives(db, advertiser_id, campaign_id)
    summary = campaign_summary(campaign, creatives)
    views = {v.id: v for v in creative_views(creatives, campaign.platform, summary["language"])}
    names = {str(cid): _label(v) for cid, v in views.items()}
    stats = services.campaign_stats(db, advertiser_id, campaign_id, draws=draws)
    rows = [dict(r, name=names[str(r["creative_id"])]) for r in stats["creatives"]]
    segments = [{"segment": s["segment"],
                 "creatives": [dict(r, name=names[str(r["creative_id"])]) for r in s["creatives"]
                               if r["impressions"]]}
                for s in stats["segments"]]
    width = charts.bucket_width(_traffic_span_s(db, campaign_id), MAX_BUCKETS)
    series = services.timeseries(db, advertiser_id, campaign_id, bucket_seconds=width)
    arms = [str(r["creative_id"]) for r in rows if r["status"] in services.SERVABLE]
    buckets = charts.from_service_timeseries(series, arms, MAX_BUCKETS)
    by_traffic = [r["creative_id"] for r in sorted(rows, key=lambda r: -r["impressions"])
                  if r["status"] in services.SERVABLE]
    report, ab_errors, ab_choice = _ab(db, advertiser_id, campaign_id, params, by_traffic)
    return {
        "campaign": summary, "stats": stats, "rows": rows, "segments": segments,
        "ctr_chart": charts.ctr_chart(buckets, names), "share_chart": charts.share_chart(buckets, names),
        "legend": charts.legend(arms, names), "chart_rows": charts.table_rows(buckets),
        "report": report, "ab_errors": ab_errors,
        "ab_choice": ab_choice, "choices": [(str(r["creative_id"]), r["name"]) for r in rows
                                            if r["status"] in services.SERVABLE],
        "names": names, "tab": "performance", "nav": "campaigns",
    }


@router.get("/campaigns/{campaign_id}/performance")
def performance(request: Request, campaign_id: int) -> Response:
    page = signed_in(request)
    with read_session(request) as db:
        context = performance_context(db, page.advertiser_id, campaign_id, dict(request.query_params),
                                      draws=request.app.state.settings.prob_best_draws)
    status = 422 if context["ab_errors"] else 200
    return page.render("performance.html", status_code=status, **context)


@router.post("/campaigns/{campaign_id}/regenerate")
async def regenerate(request: Request, campaign_id: int) -> Response:
    page = await run_in_threadpool(signed_in, request)
    form = await page.form()
    try:
        n = max(1, min(int(form.get("n", "4")), 16))
    except ValueError:
        n = 4
    runtime = request.app.state.runtime
    job = await run_in_threadpool(runtime.regenerate, page.advertiser_id, campaign_id, n)
    plural = "s" if job.n_requested != 1 else ""
    message = f"Regenerating {job.n_requested} new variant{plural} from the winners (job {job.id})."
    return redirect(f"/campaigns/{campaign_id}?msg={quote(message)}")
