"""The review step between generation and serving: gates, approve / edit-and-approve / reject, manual add.

Every new creative (a generation job's, a regeneration's, or one added by hand) starts `pending`
and is never served until a person approves it, unless its campaign has `auto_approve` and the
creative passes every gate. The gates are adcraft.compliance's checks against the campaign's brief
(law, platform rules, faithfulness, quality) and the platform's format (known fields, value counts,
length limits). A blocking finding in any gate keeps a creative out of
rotation: approving it as written is refused (409); an edit is checked again and must pass (422
naming the finding otherwise).

Like `services`, every function scopes to the advertiser (another's creative is `NotFound`) and only
flushes; the caller commits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adcraft.api.services import Conflict, NotFound, bump_version, get_campaign, get_creative
from adcraft.core import Brief, Creative, Finding, InputError, get_platform
from adcraft.store.models import Campaign, utcnow
from adcraft.store.models import Creative as CreativeRow

REVIEWABLE = ("pending", "blocked")  # statuses a reviewer can approve or reject
MAX_REASON_KINDS = 8


class GateFailed(InputError):
    """An edited or added creative fails a gate (the API answers 422 with the findings)."""

    def __init__(self, message: str, findings: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.findings = findings


# --- gates ------------------------------------------------------------------------------------

def clean_fields(fields: dict[str, list[str]], platform_id: str) -> dict[str, list[str]]:
    """Stripped values of the platform's own fields, or an InputError naming the first problem
    (unknown field, empty text, too many values)."""
    platform = get_platform(platform_id)
    known = {spec.name: spec for spec in platform.fields}
    cleaned: dict[str, list[str]] = {}
    for name, values in fields.items():
        spec = known.get(name)
        if spec is None:
            raise InputError(f"field {name!r} is not a field of {platform.name}; its fields are "
                             f"{', '.join(known)}")
        if isinstance(values, str):
            values = [values]
        texts = [str(v).strip() for v in values]
        if not texts or any(not t for t in texts):
            raise InputError(f"field {name!r} has empty text; write the copy, or reject the creative")
        if len(texts) > spec.max_count:
            raise InputError(f"field {name!r} takes at most {spec.max_count} value(s), got {len(texts)}")
        cleaned[name] = texts
    if not cleaned:
        raise InputError("no text: give at least one field with copy")
    return cleaned


def format_findings(fields: dict[str, list[str]], platform_id: str) -> list[Finding]:
    """The platform's format as findings: each value over its length limit, each field short of values."""
    platform = get_platform(platform_id)
    unit = "width units (CJK counts 2)" if platform.unit == "width" else "characters"
    findings = []
    for spec in platform.fields:
        values = fields.get(spec.name, [])
        for index, value in enumerate(values, start=1):
            length = platform.length(value)
            if length > spec.max_length:
                where = f"{spec.name} {index}" if len(values) > 1 else spec.name
                findings.append(Finding(
                    rule_id="format.max_length", category="platform_policy", severity="block",
                    reason=f"{where} is {length} {unit}; {platform.name} allows {spec.max_length}",
                    source=platform.source, span=(0, len(value)), matched=value, field=spec.name))
        if len(values) < spec.min_count:
            findings.append(Finding(
                rule_id="format.min_count", category="platform_policy", severity="block",
                reason=f"{spec.name} needs at least {spec.min_count} value(s); it has {len(values)}",
                source=platform.source, field=spec.name))
    return findings


def _content_gates() -> Callable[[Creative, Brief], list[Finding]]:
    """`compliance.review.review_creative` (law, platform, faithfulness, quality), where this version of
    adcraft.compliance has it; else `check_creative` (law and platform rules)."""
    try:
        from adcraft.compliance.review import review_creative
    except ImportError:
        from adcraft.compliance import check_creative

        return check_creative
    return review_creative


def gate_findings(fields: dict[str, list[str]], brief: Brief) -> list[dict[str, Any]]:
    """Every finding of every gate, as stored JSON: the content gates against the brief, then format."""
    creative = Creative(platform=brief.platform, language=brief.language, fields=fields)
    findings = [*_content_gates()(creative, brief), *format_findings(fields, brief.platform)]
    return [f.model_dump(mode="json") for f in findings]


def blocking(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f.get("severity") == "block"]


def describe(findings: list[dict[str, Any]], limit: int = 3) -> str:
    """'in headline "最好": absolute term (zh Ad Law Art. 9(3)); ...' for the first `limit` findings."""
    parts = []
    for f in findings[:limit]:
        where = f" in {f['field']}" if f.get("field") else ""
        matched = f" “{f['matched']}”" if f.get("matched") else ""
        parts.append(f"{f.get('rule_id', 'rule')}{where}{matched}: {f.get('reason', '')}")
    more = len(findings) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def campaign_brief(campaign: Campaign) -> Brief:
    return Brief.model_validate(campaign.brief)


# --- new creatives ----------------------------------------------------------------------------

def new_creative(fields: dict[str, list[str]], brief: Brief, *, origin: str, auto_approve: bool,
                 generation: dict[str, Any] | None = None) -> CreativeRow:
    """A creative row checked by every gate: `active` when auto-approved and passing, else `pending`."""
    findings = gate_findings(fields, brief)
    blocked = blocking(findings)
    if auto_approve and not blocked:
        status, reason = "active", "auto-approved: passes every gate"
    elif blocked:
        status, reason = "pending", f"fails a gate ({describe(blocked)}); edit it to approve, or reject it"
    else:
        status, reason = "pending", "waiting for review"
    return CreativeRow(fields=fields, status=status, findings=findings, generation=dict(generation or {}),
                       status_reason=reason[:2000], origin=origin,
                       reviewed_at=utcnow() if status == "active" else None)


def add_creative(session: Session, advertiser_id: int, campaign_id: int,
                 fields: dict[str, list[str]]) -> CreativeRow:
    """A creative written by hand: checked like a generated one, then pending (or auto-approved)."""
    campaign = get_campaign(session, advertiser_id, campaign_id)
    brief = campaign_brief(campaign)
    row = new_creative(clean_fields(fields, campaign.platform), brief, origin="manual",
                       auto_approve=campaign.auto_approve)
    row.campaign_id = campaign.id
    session.add(row)
    if row.status == "active":
        bump_version(session, campaign.id)
    session.flush()
    return row


# --- review actions ---------------------------------------------------------------------------

def _reviewable(creative: CreativeRow, action: str) -> None:
    if creative.status not in REVIEWABLE:
        hint = {"rejected": "it was rejected; add the copy again as a new creative",
                "active": "it is already approved and serving",
                "paused": "it is already approved (paused); resume it instead"}.get(creative.status, "")
        raise Conflict(f"creative {creative.id} is {creative.status}: cannot {action} it ({hint})")


def _campaign_of(session: Session, creative: CreativeRow) -> Campaign:
    campaign = session.get(Campaign, creative.campaign_id)
    if campaign is None:  # deleted under us
        raise NotFound(f"creative {creative.id} not found")
    return campaign


def approve(session: Session, advertiser_id: int, creative_id: int,
            fields: dict[str, list[str]] | None = None) -> CreativeRow:
    """Approve a pending creative, as written or with `fields` edited (merged over its fields).

    Its text is checked again by every gate with today's rules; a blocking finding refuses the
    approval: 409 for the text as written, 422 (`GateFailed`) for an edit. Approving an active
    creative again changes nothing.
    """
    creative = get_creative(session, advertiser_id, creative_id)
    if creative.status == "active" and fields is None:
        return creative
    _reviewable(creative, "edit and approve" if fields is not None else "approve")
    campaign = _campaign_of(session, creative)
    brief = campaign_brief(campaign)
    edited = fields is not None
    new_fields = {**creative.fields, **clean_fields(fields, campaign.platform)} if edited else creative.fields
    findings = gate_findings(new_fields, brief)
    blocked = blocking(findings)
    if blocked and edited:
        raise GateFailed(f"the edited creative {creative_id} fails a gate: {describe(blocked)}", blocked)
    if blocked:
        creative.findings = findings  # keep what today's rules say, even though nothing is approved
        raise Conflict(f"creative {creative_id} fails a gate ({describe(blocked)}); edit its text to "
                       "approve it (send `fields`), or reject it")
    if edited and new_fields != creative.fields:
        creative.original_fields = creative.original_fields or dict(creative.fields)
        creative.fields = new_fields
    creative.findings = findings
    creative.status = "active"
    creative.status_reason = "approved after an edit" if creative.original_fields else "approved in review"
    creative.reviewed_at = utcnow()
    bump_version(session, creative.campaign_id)
    session.flush()
    return creative


def reject(session: Session, advertiser_id: int, creative_id: int, reason: str = "") -> CreativeRow:
    """Refuse a pending creative for good (it is kept, with the reason, but never served)."""
    creative = get_creative(session, advertiser_id, creative_id)
    if creative.status == "rejected":
        return creative
    _reviewable(creative, "reject")
    creative.status = "rejected"
    note = reason.strip()
    creative.status_reason = f"rejected in review: {note}" if note else "rejected in review"
    creative.reviewed_at = utcnow()
    session.flush()
    return creative


def approve_many(session: Session, advertiser_id: int, campaign_id: int,
                 creative_ids: list[int] | None = None) -> dict[str, Any]:
    """Approve these creatives of the campaign (default: every pending one) that pass every gate.

    All ids are checked first (any unknown or foreign id: NotFound, nothing approved). Returns
    `{"approved": [ids], "skipped": [{"id", "status", "reason"}]}`.
    """
    campaign = get_campaign(session, advertiser_id, campaign_id)
    if creative_ids is None:
        query = select(CreativeRow).where(CreativeRow.campaign_id == campaign_id,
                                          CreativeRow.status.in_(REVIEWABLE))
        rows = list(session.scalars(query.order_by(CreativeRow.id)))
    else:
        rows = [get_creative(session, advertiser_id, cid) for cid in dict.fromkeys(creative_ids)]
        for row in rows:
            if row.campaign_id != campaign_id:
                raise NotFound(f"creative {row.id} not found in campaign {campaign_id}")
    brief = campaign_brief(campaign)
    approved, skipped = [], []
    for row in rows:
        if row.status not in REVIEWABLE:
            skipped.append({"id": row.id, "status": row.status, "reason": f"already {row.status}"})
            continue
        findings = gate_findings(row.fields, brief)
        row.findings = findings
        blocked = blocking(findings)
        if blocked:
            reason = f"fails a gate: {describe(blocked)}"
            skipped.append({"id": row.id, "status": row.status, "reason": reason})
            continue
        row.status, row.status_reason, row.reviewed_at = "active", "approved in review", utcnow()
        approved.append(row.id)
    if approved:
        bump_version(session, campaign_id)
    session.flush()
    return {"approved": approved, "skipped": skipped}


# --- what a generation job dropped ------------------------------------------------------------

def reason_kind(reason: str) -> str:
    """The kind of a drop reason: its head before any ':' or '(', numbers removed; a leading field
    name ('title: does not name the product ...') is skipped, so reasons group across fields."""
    parts = re.split(r"[:(（：]", reason)
    head = parts[0]
    if len(parts) > 1 and re.fullmatch(r"\s*[\w.]+\s*", head) and parts[1].strip():
        head = parts[1]
    return re.sub(r"\s+", " ", re.sub(r"\d+", "", head)).strip(" ,;-") or "unknown reason"


def summarize_dropped(reasons: list[str]) -> list[dict[str, Any]]:
    """[{"reason": kind, "count": n, "example": the first full reason}], the most frequent first."""
    counts = Counter(reason_kind(r) for r in reasons)
    examples: dict[str, str] = {}
    for r in reasons:
        examples.setdefault(reason_kind(r), r[:300])
    return [{"reason": kind, "count": n, "example": examples[kind]}
            for kind, n in counts.most_common(MAX_REASON_KINDS)]


def dropped_text(summary: list[dict[str, Any]]) -> str:
    """'too long (3), near-duplicate of variant (2)'."""
    return ", ".join(f"{s['reason']} ({s['count']})" for s in summary)


def no_yield_error(n_requested: int, summary: list[dict[str, Any]]) -> str:
    """Why a job stored nothing: what was asked and what every candidate was dropped for."""
    n_dropped = sum(s["count"] for s in summary)
    if not n_dropped:
        return (f"no usable creative of the {n_requested} requested: the model returned no candidate; "
                "try again or use another model")
    example = summary[0]["example"]
    return (f"no usable creative of the {n_requested} requested: all {n_dropped} candidates were dropped "
            f"({dropped_text(summary)}; e.g. {example}). Make the brief more specific, or try another model")


def shortfall_note(n_requested: int, n_produced: int, summary: list[dict[str, Any]]) -> str | None:
    """A done job's note when it produced fewer than requested (None when it produced them all)."""
    if n_produced >= n_requested:
        return None
    n_dropped = sum(s["count"] for s in summary)
    why = f": {n_dropped} candidates dropped ({dropped_text(summary)})" if summary else ""
    return f"{n_produced} of {n_requested} requested creatives produced{why}"
