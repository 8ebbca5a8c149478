"""The JSON API's review step: add a creative by hand, approve (as written or edited), reject, bulk approve.

Thin routes over `adcraft.api.review`; `routes.router` includes this one under /v1.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from adcraft.api import review, services
from adcraft.api.runtime import Runtime
from adcraft.api.schemas import Approve, BulkApprove, CreativeAdd, Reject
from adcraft.api.security import current_advertiser

router = APIRouter(tags=["review"])
Advertiser = Annotated[int, Depends(current_advertiser)]


async def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


@router.post("/campaigns/{campaign_id}/creatives", status_code=201)
def add_creative(campaign_id: int, body: CreativeAdd, advertiser_id: Advertiser,
                 runtime: RuntimeDep) -> dict[str, Any]:
    """Add copy written by hand: checked by every gate, then pending review (or served at once when
    the campaign auto-approves and it passes)."""
    with runtime.db.write() as session:
        return services.creative_dict(review.add_creative(session, advertiser_id, campaign_id, body.fields))


@router.post("/creatives/{creative_id}/approve")
def approve_creative(creative_id: int, advertiser_id: Advertiser, runtime: RuntimeDep,
                     body: Approve | None = None) -> dict[str, Any]:
    """Approve a pending creative so it serves. With `fields`: edit and approve; the edited text must
    pass every gate (422 `fails_gate` naming the findings). As written with a blocking finding: 409."""
    fields = body.fields if body is not None else None
    with runtime.db.write() as session:
        return services.creative_dict(review.approve(session, advertiser_id, creative_id, fields))


@router.post("/creatives/{creative_id}/reject")
def reject_creative(creative_id: int, advertiser_id: Advertiser, runtime: RuntimeDep,
                    body: Reject | None = None) -> dict[str, Any]:
    """Reject a pending creative: it is kept with the reason and never served."""
    with runtime.db.write() as session:
        return services.creative_dict(
            review.reject(session, advertiser_id, creative_id, (body or Reject()).reason))


@router.post("/campaigns/{campaign_id}/approve")
def approve_many(campaign_id: int, advertiser_id: Advertiser, runtime: RuntimeDep,
                 body: BulkApprove | None = None) -> dict[str, Any]:
    """Bulk approve: these creatives (default: every pending one) that pass every gate; the others
    come back in `skipped` with the reason."""
    with runtime.db.write() as session:
        return review.approve_many(session, advertiser_id, campaign_id, (body or BulkApprove()).creative_ids)
