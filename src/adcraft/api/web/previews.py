"""What a creative card shows: the platform's preview kind, each field's text and length against its limit,
and the compliance findings with their reasons, grouped by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adcraft.core import PLATFORMS, Platform, get_platform


@dataclass
class FieldValue:
    text: str
    length: int
    limit: int | None  # None: the platform has no such field, so no limit to hold it to

    @property
    def over(self) -> bool:
        return self.limit is not None and self.length > self.limit


@dataclass
class FieldView:
    name: str
    label: str
    values: list[FieldValue]
    unit: str


@dataclass
class CreativeView:
    id: int
    status: str
    status_reason: str
    platform: Platform
    language: str
    fields: list[FieldView]
    findings: list[dict[str, Any]]
    generation: dict[str, Any] = field(default_factory=dict)
    origin: str = "generated"  # generated / regenerated / manual
    edited: bool = False  # a reviewer changed the text before approving it

    @property
    def preview(self) -> str:
        return self.platform.preview

    def text(self, name: str, index: int = 0) -> str:
        for view in self.fields:
            if view.name == name:
                return view.values[index].text if len(view.values) > index else ""
        return ""

    def texts(self, name: str) -> list[str]:
        for view in self.fields:
            if view.name == name:
                return [v.text for v in view.values]
        return []

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("severity") == "block"]

    @property
    def label(self) -> str:
        return f"#{self.id}"

    @property
    def reviewable(self) -> bool:
        """Waiting for a reviewer: approve, edit and approve, or reject."""
        return self.status in ("pending", "blocked")

    def edit_fields(self) -> list[dict[str, Any]]:
        return edit_boxes(self.platform.id, {view.name: self.texts(view.name) for view in self.fields})


def edit_boxes(platform_id: str, fields: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One editable box per platform field (review edits, adding a creative by hand); a multi-value
    field holds one value per line."""
    platform = get_platform(platform_id) if platform_id in PLATFORMS else PLATFORMS["generic"]
    return [{"name": spec.name, "label": spec.name.replace("_", " "), "multi": spec.max_count > 1,
             "text": "\n".join(fields.get(spec.name, [])), "limit": spec.max_length,
             "max_count": spec.max_count} for spec in platform.fields]


def unit_label(platform: Platform) -> str:
    return "width (CJK counts 2)" if platform.unit == "width" else "characters"


def creative_view(row: Any, platform_id: str, language: str = "zh") -> CreativeView:
    """A view of a store Creative row (id, status, fields, findings, generation, status_reason).

    Rows do not store their platform: the campaign's decides the preview and the limits.
    """
    platform = get_platform(platform_id) if platform_id in PLATFORMS else PLATFORMS["generic"]
    fields = row.fields or {}
    views = []
    for spec in platform.fields:
        texts = [str(t) for t in fields.get(spec.name, [])]
        values = [FieldValue(t, platform.length(t), spec.max_length) for t in texts]
        views.append(FieldView(spec.name, spec.name.replace("_", " "), values, unit_label(platform)))
    known = {s.name for s in platform.fields}
    for name in (k for k in fields if k not in known):  # text without a platform field is still shown
        values = [FieldValue(str(t), platform.length(str(t)), None) for t in fields[name]]
        views.append(FieldView(name, name, values, unit_label(platform)))
    return CreativeView(
        id=row.id, status=row.status, status_reason=getattr(row, "status_reason", "") or "",
        platform=platform, language=language, fields=views,
        findings=[dict(f) for f in (row.findings or [])], generation=dict(row.generation or {}),
        origin=getattr(row, "origin", None) or "generated",
        edited=getattr(row, "original_fields", None) is not None,
    )


def creative_views(rows: list[Any], platform_id: str, language: str) -> list[CreativeView]:
    """Views of a campaign's creatives in its platform's preview."""
    return [creative_view(row, platform_id, language) for row in rows]
