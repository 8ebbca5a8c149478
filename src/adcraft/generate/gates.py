"""The gates between a model's output and a returned creative, and the repairs tried first.

Per field value (before the counts are filled, so one bad Google headline does not sink four good
ones): law and platform rules (a blocking term is first replaced by its rule's suggestion), claims
the brief does not ground, prompt text, a cut mid-phrase and copied example runs. A value that fails
is repaired by dropping the clauses that hold the failing spans; when nothing sound is left it is
dropped, with its reason. Per creative: every gate again (`adcraft.compliance.review_creative`),
the on-product gate included; any blocking finding drops the creative.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adcraft.compliance.checker import apply_suggestions, check_text
from adcraft.compliance.faithfulness import Grounds, brief_text, check_faithfulness
from adcraft.compliance.quality import product_terms, value_findings
from adcraft.compliance.review import review_creative
from adcraft.core import Brief, Creative, Finding, Platform
from adcraft.generate.fitting import fit_text

_CLAUSE_ENDS = "。！？；…，、：!?;,.\n"
_MIN_KEPT_SHARE = 0.4  # a repair that keeps less than this share of the value is not the same copy


@dataclass
class Gate:
    """One brief's gates, with what they need computed once."""

    brief: Brief
    platform: Platform
    examples: list[str]
    grounds: Grounds = field(init=False)
    grounds_text: str = field(init=False)
    terms: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.grounds = Grounds.of(self.brief)
        self.grounds_text = brief_text(self.brief)
        self.terms = product_terms(self.brief)

    def problems(self, value: str, name: str) -> list[Finding]:
        """Blocking findings of one value on its own."""
        found = check_text(value, language=self.brief.language, platform=self.platform.id,
                           must_avoid=self.brief.must_avoid, field=name)
        found += check_faithfulness(value, self.brief, field=name, grounds=self.grounds)
        found += value_findings(value, name, self.brief, self.brief.language, self.examples,
                                self.grounds_text, self.platform.id, self.terms)
        return [f for f in found if f.severity == "block"]

    def screen(self, value: str, name: str) -> tuple[str | None, str]:
        """(the value, repaired if need be, or None; the reason it was dropped)."""
        found = self.problems(value, name)
        if not found:
            return value, ""
        fixed = fit_text(apply_suggestions(value, found), self.platform, name)
        if fixed and fixed != value and not self.problems(fixed, name):
            return fixed, ""
        trimmed = _drop_clauses(value, [f.span for f in found])
        trimmed = fit_text(trimmed, self.platform, name) if trimmed else None
        if trimmed and len(trimmed) >= _MIN_KEPT_SHARE * len(value) and not self.problems(trimmed, name):
            return trimmed, ""
        return None, describe(found[0])

    def screen_fields(self, fields: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[str]]:
        kept: dict[str, list[str]] = {}
        reasons: list[str] = []
        for name, values in fields.items():
            kept[name] = []
            for value in values:
                screened, reason = self.screen(value, name)
                if screened is not None and screened not in kept[name]:
                    kept[name].append(screened)
                elif reason:
                    reasons.append(reason)
        return kept, reasons

    def review(self, creative: Creative) -> str | None:
        """Attach every finding; the reason the creative may not be returned, or None."""
        creative.findings = review_creative(creative, self.brief, examples=self.examples,
                                            grounds=self.grounds)
        blocking = [f for f in creative.findings if f.severity == "block"]
        if not blocking:
            return None
        return "; ".join(describe(f) for f in blocking[:3])


_KINDS = {"faithfulness": "unfaithful to the brief", "quality": "fails a quality gate"}


def describe(finding: Finding) -> str:
    """A drop reason: what kind of gate, which field, why, and the words that failed it."""
    kind = _KINDS.get(finding.category, "blocked by compliance")
    return f"{kind}: {finding.field}: {finding.reason} ({finding.matched[:40]!r})"


def _drop_clauses(value: str, spans: list[tuple[int, int]]) -> str:
    """`value` without the clauses (split after clause punctuation) that overlap any span."""
    clauses, start = [], 0
    for i, ch in enumerate(value):
        if ch in _CLAUSE_ENDS and (ch not in ".," or i + 1 == len(value) or value[i + 1].isspace()):
            clauses.append((start, i + 1))
            start = i + 1
    if start < len(value):
        clauses.append((start, len(value)))
    kept = [value[a:b] for a, b in clauses if not any(a < e and s < b for s, e in spans)]
    text = "".join(kept).strip()
    return text.rstrip("，、：,:;；").strip()
