"""Check a text or a creative against the rules; rewrite by replacement; list terms to ban at decoding."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from adcraft.compliance.matcher import find_hits
from adcraft.compliance.normalize import fold
from adcraft.compliance.pii import find_pii
from adcraft.compliance.platform_checks import CHECKS
from adcraft.compliance.rules import Rule, RuleSet, builtin_rules, merge
from adcraft.core.errors import InputError
from adcraft.core.platforms import get_platform
from adcraft.core.types import Brief, Creative, Finding

MUST_AVOID_SOURCE = "the brief's must_avoid list"
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    return builtin_rules()


def detect_language(text: str) -> str:
    """'zh' if the text holds any hanzi, else 'en'."""
    return "zh" if _CJK.search(text) else "en"


def _applies(
    rule: Rule, language: str | None, platform: str | None, field: str | None, has_hanzi: bool
) -> bool:
    if language is not None and rule.locale not in ("any", language):
        return False
    if language is None and rule.locale == "zh" and not has_hanzi:
        return False  # zh rules hold a few ASCII terms (100%, no.1) that mean other things in English copy
    if rule.platforms and platform not in rule.platforms:
        return False
    if rule.fields and field not in rule.fields:
        return False
    return True


def _cited(text_folded: str, rule_set: RuleSet, language: str | None) -> bool:
    for locale, markers in rule_set.citation_markers.items():
        if language is not None and locale not in ("any", language):
            continue
        if any(re.search(m, text_folded) for m in markers):
            return True
    return False


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Within a category keep the strongest, widest finding where spans nest (全网第一 over 第一).
    Platform policies are separate rules of one category ("!" in a headline, "!!"), so there only
    the same rule's nested findings merge."""
    rank = sorted(findings, key=lambda f: (f.severity != "block", -(f.span[1] - f.span[0]), f.span[0]))
    kept: list[Finding] = []
    for f in rank:
        if any(
            k.category == f.category
            and (k.category != "platform_policy" or k.rule_id == f.rule_id)
            and k.field == f.field
            and k.span[0] <= f.span[0]
            and f.span[1] <= k.span[1]
            for k in kept
        ):
            continue
        kept.append(f)
    return sorted(kept, key=lambda f: (f.span, f.rule_id))


def check_text(
    text: str,
    *,
    language: str | None = None,
    platform: str | None = None,
    must_avoid: Sequence[str] = (),
    field: str | None = None,
    rules: RuleSet | None = None,
) -> list[Finding]:
    """Every rule `text` breaks. language None applies en rules, and zh rules if the text holds
    hanzi; platform None skips platform policies. Spans are offsets into `text` as given."""
    if language is not None and language not in ("zh", "en"):
        raise InputError(f"unknown language {language!r}; use 'zh' or 'en'")
    platform_spec = get_platform(platform) if platform is not None else None
    rule_set = rules or default_rules()
    folded = fold(text)
    has_hanzi = language is None and detect_language(text) == "zh"
    cited = None
    findings: list[Finding] = []
    for rule in rule_set.rules:
        if not _applies(rule, language, platform, field, has_hanzi):
            continue
        if rule.check is not None:
            if platform_spec is None:
                continue
            hits = [(a, b, None) for a, b in CHECKS[rule.check](text, folded, field, platform_spec)]
        else:
            hits = [
                (h.start, h.end, h.term)
                for h in find_hits(
                    folded, rule.terms, rule.patterns, rule.exceptions, rule.exception_patterns
                )
            ]
        severity = rule.severity
        reason = rule.reason
        if hits and rule.cited_downgrade:
            cited = _cited(folded.text, rule_set, language) if cited is None else cited
            if cited:
                severity, reason = "warn", reason + " (a source is cited: verify it)"
        for start, end, term in hits:
            findings.append(
                Finding(
                    rule_id=rule.id,
                    category=rule.category,
                    severity=severity,
                    reason=reason,
                    source=rule.source,
                    span=(start, end),
                    matched=text[start:end],
                    field=field,
                    suggestion=rule.suggestion_for(term) if term is not None else rule.suggestion,
                )
            )
    findings.extend(_must_avoid_findings(folded, must_avoid, field))
    for finding in find_pii(text):
        findings.append(finding.model_copy(update={"field": field}))
    return _dedupe(findings)


def _must_avoid_findings(folded, must_avoid: Sequence[str], field: str | None) -> list[Finding]:
    words = tuple(w.strip() for w in must_avoid if w and w.strip())
    findings = []
    for hit in find_hits(folded, words, (), ()) if words else []:
        findings.append(
            Finding(
                rule_id="brief.must_avoid",
                category="must_avoid",
                severity="block",
                reason=f"the brief asks to avoid {hit.term or hit.matched!r}",
                source=MUST_AVOID_SOURCE,
                span=(hit.start, hit.end),
                matched=hit.matched,
                field=field,
            )
        )
    return findings


def check_creative(
    creative: Creative, brief: Brief | None = None, *, rules: RuleSet | None = None
) -> list[Finding]:
    """Every finding in every field value of the creative, each carrying its field name.

    Spans are offsets into the field value (check one value with `check_text` to rewrite it).
    A brand written in capitals in the brief (IKEA, LEGO) is its styling, not shouting.
    """
    must_avoid = brief.must_avoid if brief is not None else ()
    styled = {w for w in (brief.brand + " " + brief.product).split() if w.isupper()} if brief else set()
    findings: list[Finding] = []
    for name, values in creative.fields.items():
        for value in values:
            findings.extend(
                check_text(
                    value,
                    language=creative.language,
                    platform=creative.platform,
                    must_avoid=must_avoid,
                    field=name,
                    rules=rules,
                )
            )
    return [f for f in findings if not (f.rule_id == "google.editorial.capitals" and f.matched in styled)]


def _match_case(replacement: str, original: str) -> str:
    if original.isupper() and sum(c.isalpha() for c in original) >= 2:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def apply_suggestions(text: str, findings: list[Finding]) -> str:
    """`text` with each finding that has a suggestion replaced by it, right to left.

    Findings whose span no longer holds their matched text (another text's findings) are skipped,
    as are findings overlapping a wider one or a blocking one without a suggestion; text without
    applicable findings comes back as is.
    """
    out = text
    usable = [
        f
        for f in findings
        if f.suggestion is not None
        and 0 <= f.span[0] < f.span[1] <= len(text)
        and text[f.span[0] : f.span[1]] == f.matched
    ]
    # A blocking finding with no replacement needs a regeneration anyway; patching words inside it
    # ("guaranteed returns" -> "designed returns") would only produce odd copy.
    unfixable = [f.span for f in findings if f.severity == "block" and f.suggestion is None]
    chosen: list[Finding] = []
    # Where findings overlap, the widest wins ("100% quality guaranteed" over its "guaranteed").
    for f in sorted(usable, key=lambda f: (f.severity != "block", f.span[0] - f.span[1])):
        if any(a < f.span[1] and f.span[0] < b for a, b in unfixable + [c.span for c in chosen]):
            continue
        chosen.append(f)
    for f in sorted(chosen, key=lambda f: f.span[0], reverse=True):
        start, end = f.span
        replacement = _match_case(f.suggestion or "", f.matched)
        # Drop a double space a removal would leave behind.
        if not replacement and start > 0 and end < len(out) and out[start - 1] == " " and out[end] == " ":
            end += 1
        out = out[:start] + replacement + out[end:]
    return out


def banned_terms(language: str, *, rules: RuleSet | None = None) -> list[str]:
    """Terms to block while decoding: blocking absolute/medical/financial terms that are never
    innocent (a term inside one of its rule's exception phrases, like 第一 or best, is left to the
    checker). English terms come in lower, Capitalised and UPPER case; the caller adds tokenizer
    variants (leading space)."""
    if language not in ("zh", "en"):
        raise InputError(f"unknown language {language!r}; use 'zh' or 'en'")
    rule_set = rules or default_rules()
    out: list[str] = []
    for rule in rule_set.rules:
        if not rule.decode_block or rule.locale not in (language, "any") or rule.platforms:
            continue
        for term in rule.terms:
            if any(term.lower() in phrase.lower() for phrase in rule.exceptions):
                continue  # innocent in some context (第一 in 第一次): the checker decides, not the decoder
            variants = [term]
            if any(c.isascii() and c.isalpha() for c in term):
                variants += [term.capitalize(), term.upper()]
            out.extend(v for v in variants if v not in out)
    return out


def with_extra_rules(*extra: RuleSet) -> RuleSet:
    """The built-in rules plus user rules files (a same-id rule replaces the built-in one)."""
    return merge(default_rules(), *extra)
