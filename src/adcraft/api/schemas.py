"""Request and response bodies of the JSON API (they document themselves in /docs)."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from adcraft.core import Brief


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brief: Brief
    name: str | None = Field(default=None, max_length=200)
    policy: str | None = Field(default=None, description="ts (default), ucb, eps, lints, linucb")
    policy_params: dict[str, Any] = Field(default_factory=dict, description="e.g. {'n_features': 3}")
    auto_approve: bool = Field(default=False, description="serve new creatives that pass every gate at "
                               "once; the others (and all, when false) wait for review")


class CampaignChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["active", "paused"] | None = None
    auto_approve: bool | None = Field(default=None,
                                      description="serve new creatives that pass every gate at once")


CreativeFields = dict[str, list[str]]


class CreativeAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: CreativeFields = Field(description="the platform's fields, e.g. {'title': ['...']}")


class Approve(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: CreativeFields | None = Field(
        default=None, description="edit and approve: these fields replace the creative's; checked again")


class Reject(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=500)


class BulkApprove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    creative_ids: list[int] | None = Field(default=None, max_length=500,
                                           description="default: every pending creative of the campaign")


class Regenerate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int = Field(default=4, ge=1, le=64, description="how many new variants to write")


class DecideRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment: str | None = Field(default=None, min_length=1, max_length=100)
    context: list[float] | None = Field(default=None, max_length=256,
                                        description="context features for LinTS / LinUCB campaigns")

    @field_validator("context")
    @classmethod
    def _finite(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and not all(math.isfinite(v) for v in value):
            raise ValueError("context features must be finite numbers")
        return value


class DecideResponse(BaseModel):
    decision_id: str
    campaign_id: int
    creative_id: int
    fields: dict[str, list[str]]
    propensity: float
    segment: str | None


class EventItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1, max_length=100, description="your id; a retry reuses it")
    decision_id: str = Field(min_length=1, max_length=32)
    type: Literal["click", "conversion"]
    value: float = Field(default=0.0, ge=0, description="conversion value")

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("value must be a finite number")
        return value


class EventBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[EventItem] = Field(min_length=1)


class EventsResponse(BaseModel):
    accepted: int
    duplicates: list[str] = Field(description="event ids already stored before: not counted again")
