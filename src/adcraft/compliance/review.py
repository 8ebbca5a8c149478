"""Every gate a creative must pass for its brief: law and platform rules, faithfulness, quality."""

from __future__ import annotations

from adcraft.compliance.checker import check_creative
from adcraft.compliance.faithfulness import Grounds, check_faithfulness
from adcraft.compliance.quality import check_quality
from adcraft.core.types import Brief, Creative, Finding, Severity


def review_creative(creative: Creative, brief: Brief, *, examples: list[str] | None = None,
                    unsupported: Severity = "block", grounds: Grounds | None = None) -> list[Finding]:
    """Law and platform findings, faithfulness findings per field value, and quality findings.

    `examples` are the few-shot texts the generator saw (a creative must not copy them);
    `unsupported` is the severity of a claim the brief does not ground (contradictions always block);
    `grounds` is the brief's, when the caller has it already.
    """
    grounds = grounds or Grounds.of(brief)
    findings = check_creative(creative, brief)
    for name, values in creative.fields.items():
        for value in values:
            findings += check_faithfulness(value, brief, field=name, unsupported=unsupported, grounds=grounds)
    return findings + check_quality(creative, brief, examples)
