"""Creative-quality rates: is each creative on product, faithful, its own, complete, usable?

For a set of creatives (each with its brief), in % of creatives:

- on_product     names the brief's product or its category, and no other product in a title or headline;
- contradiction  holds an attribute value the brief contradicts (纯棉 for a 牛仔布 jacket);
- unsupported    holds a number, promise, certification or claim attribute the brief does not state;
- copied         holds a run of a few-shot example the brief does not hold;
- truncated      has a value cut mid-phrase;
- prompt_text    holds a delimiter, label or injected instruction;
- usable         passes every gate: law and platform rules, faithfulness and the quality gates.

`yield` (usable ÷ requested) is computed by the caller, who knows how many were requested.
"""

from __future__ import annotations

from collections.abc import Iterable

from adcraft.compliance.faithfulness import is_contradiction, is_unsupported
from adcraft.compliance.review import review_creative
from adcraft.core import Brief, Creative

RATE_KEYS = ("on_product", "contradiction", "unsupported", "copied", "truncated", "prompt_text", "usable")


def creative_flags(creative: Creative, brief: Brief, examples: list[str] | None = None) -> dict[str, bool]:
    """Which rates this creative counts towards (every gate reviewed with unsupported claims blocking)."""
    findings = review_creative(creative, brief, examples=examples if examples is not None else brief.examples)
    rules = {f.rule_id for f in findings}
    return {
        "on_product": not rules & {"quality.off_product", "quality.other_product"},
        "contradiction": any(is_contradiction(f) for f in findings),
        "unsupported": any(is_unsupported(f) for f in findings),
        "copied": "quality.copied" in rules,
        "truncated": "quality.truncated" in rules,
        "prompt_text": "quality.prompt_text" in rules,
        "usable": not any(f.severity == "block" for f in findings),
    }


def rates(flags: Iterable[dict[str, bool]]) -> dict[str, float]:
    """Each rate in % of the creatives flagged (0 for an empty set)."""
    rows = list(flags)
    n = max(len(rows), 1)
    return {key: round(100.0 * sum(row[key] for row in rows) / n, 2) for key in RATE_KEYS}
