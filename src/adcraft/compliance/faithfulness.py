"""Faithfulness: every claim a creative makes is grounded in its brief.

A claim is a span of the creative that states a fact a buyer relies on:

- an attribute value from a family of `claims/lexicon.yaml` (material 纯棉, colour white, origin
  Italy, sleeve 长袖, ...);
- a number: Arabic digits anywhere (240, 10%, $19.99, 2019年), Chinese numerals before a unit
  (三分钟, 五十年, 八折), English number words before a unit (three minutes, two-year);
- a promise, certification or popularity term (包邮, free returns, 保修, 认证, award, 爆款, ...).

Grounding, on the folded text (case, full-width and look-alikes folded) of the brief's product,
attributes, brand, audience, tone and must-include words:

- a value is grounded when the brief holds it; otherwise it **contradicts** the brief when the brief
  states another value of an exclusive family (纯棉 against 材质#牛仔布, 短袖 against 袖长#长袖), and is
  **unsupported** when its family is a claim family the brief is silent on;
- a number is grounded when the brief holds the same number (三 and 3 are the same);
- a promise term is grounded when the brief holds any term of its group (包邮 grounds 免运费).

Contradictions always block. Unsupported claims block in generation and the service and warn in
`adcraft check` (`unsupported=` chooses). Sources: Advertising Law of the PRC Art. 4, 8, 28; FTC Act §5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

import yaml

from adcraft.compliance.normalize import fold
from adcraft.core.types import Brief, Finding, Severity

CONTRADICTION_SOURCE = "Advertising Law of the PRC Art. 4 and 28 (false content); FTC Act §5"
UNSUPPORTED_SOURCE = "Advertising Law of the PRC Art. 8, 11 and 28 (claims must be true); FTC Act §5"
ClaimKind = Literal["attribute", "number", "promise"]

_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Units after which a Chinese numeral is a claim. Time units and 人 count from 2 up, so that idioms
# such as 一年四季 and 一天到晚 are not read as durations.
_ZH_MEASURE = ("折|元|块|斤|公斤|千克|克|毫升|升|厘米|毫米|米|寸|码|倍|瓦|度|%|"
               "分钟|小时|秒|档|层|色|款|件套|道工序")
_ZH_TIME = "年|个月|月|天|日|周|星期|人"
_ZH_NUMERAL = f"[{''.join(_ZH_DIGITS)}{''.join(_ZH_UNITS)}半]+"
_ZH_NUMBER = re.compile(f"({_ZH_NUMERAL})(?:个)?({_ZH_MEASURE}|{_ZH_TIME})")
# Not inside a word or a number (A2, 1.5, 1,000); after "x" it is a dimension (70x30); a folded
# full-width comma before it is a comma.
_ARABIC = re.compile(r"(?<![a-wyz0-9])(?<![0-9][.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "hundred": 100, "thousand": 1000, "million": 1000000, "dozen": 12,
}
_EN_UNITS = r"minutes?|hours?|days?|weeks?|months?|years?|percent|times|x|pack|pieces|pcs|layers|colou?rs"
_EN_NUMBER = re.compile(rf"\b({'|'.join(_EN_WORDS)})[\s-]+({_EN_UNITS})\b")


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    group: str  # attribute family, promise group, or "number"
    value: str  # folded term, or the number in canonical form
    start: int  # span in the folded text
    end: int


@dataclass(frozen=True)
class Family:
    name: str
    claim: bool
    exclusive: bool
    keys: frozenset[str]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    families: tuple[Family, ...]
    promises: dict[str, tuple[str, tuple[str, ...]]]  # group -> (reason, folded terms)
    exceptions: tuple[str, ...] = ()

    @property
    def owner(self) -> dict[str, str]:
        """Each attribute term -> its family (a term in two families belongs to the first)."""
        return _owner(self.families)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    path = resources.files("adcraft.compliance").joinpath("claims/lexicon.yaml")
    data = yaml.safe_load(path.read_text("utf-8"))
    families = tuple(
        Family(name, bool(spec.get("claim")), bool(spec.get("exclusive")),
               frozenset(fold(str(k)).text for k in spec.get("keys", [])),
               tuple(fold(str(t)).text for t in [*spec.get("zh", []), *spec.get("en", [])]))
        for name, spec in data["attributes"].items()
    )
    promises = {group: (
        spec["reason"], tuple(fold(str(t)).text for t in [*spec.get("zh", []), *spec.get("en", [])]))
                for group, spec in data["promises"].items()}
    return Lexicon(families, promises, tuple(fold(str(t)).text for t in data.get("exceptions", [])))


@lru_cache(maxsize=4)
def _owner(families: tuple[Family, ...]) -> dict[str, str]:
    return {term: family.name for family in reversed(families) for term in family.terms}


def _is_latin(term: str) -> bool:
    return any("a" <= c <= "z" for c in term)


@cache
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation, longest term first (纯棉 before 棉); Latin terms stand as words."""
    parts = []
    for term in sorted(set(terms), key=len, reverse=True):
        body = re.escape(term).replace(r"\ ", r"[\s-]?").replace(r"\-", r"[\s-]?")
        if _is_latin(term):
            body = rf"(?<![a-z0-9]){body}(?:e?s)?(?![a-z0-9])"
        parts.append(body)
    return re.compile("|".join(parts))


def _zh_numeral_value(text: str) -> float | None:
    if text == "半":
        return 0.5
    total, current = 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            total += (current or 1) * _ZH_UNITS[ch]
            current = 0
        else:
            return None
    return float(total + current)


def _canonical(number: float | str) -> str:
    value = float(str(number).replace(",", "")) if isinstance(number, str) else number
    return f"{value:g}"


def extract_numbers(folded: str) -> list[Claim]:
    claims = [Claim("number", "number", _canonical(m.group()), m.start(), m.end())
              for m in _ARABIC.finditer(folded)]
    for m in _ZH_NUMBER.finditer(folded):
        value = _zh_numeral_value(m.group(1))
        if value is None:
            continue
        if m.group(2) in _ZH_TIME.split("|") and value < 2:
            continue
        claims.append(Claim("number", "number", _canonical(value), m.start(), m.end()))
    for m in _EN_NUMBER.finditer(folded):
        value = _EN_WORDS[m.group(1)]
        if value == 1 and not m.group(2).startswith(("year", "month")):
            continue  # "one pack" is not a claim; "one-year warranty" is
        claims.append(Claim("number", "number", _canonical(value), m.start(), m.end()))
    return claims


def extract_claims(text: str) -> list[Claim]:
    """Every claim in `text`, spans in its folded form (`fold(text).text`)."""
    folded = fold(text).text
    lex = lexicon()
    claims: list[Claim] = []
    taken: list[tuple[int, int]] = [m.span() for m in _term_pattern(lex.exceptions).finditer(folded)] \
        if lex.exceptions else []
    for group, (_, terms) in lex.promises.items():
        for m in _term_pattern(terms).finditer(folded):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                claims.append(Claim("promise", group, m.group(), m.start(), m.end()))
                taken.append(m.span())
    # One pass over every family's terms, longest first: 牛仔裤 (another garment) wins over 牛仔 (a material).
    owner = lex.owner
    for m in _term_pattern(tuple(owner)).finditer(folded):
        if not any(a < m.end() and m.start() < b for a, b in taken):
            family_name = owner.get(m.group()) or owner.get(_stem(m.group())) or _family_of(m.group(), owner)
            claims.append(Claim("attribute", family_name, m.group(), m.start(), m.end()))
            taken.append(m.span())
    claims += extract_numbers(folded)
    return sorted(claims, key=lambda c: (c.start, c.end))


def _family_of(matched: str, owner: dict[str, str]) -> str:
    """The family of a match that differs from its term by case of separators or a plural ending."""
    compact = re.sub(r"[\s-]", "", matched)
    for term, family in owner.items():
        if re.sub(r"[\s-]", "", term) in (compact, _stem(compact)):
            return family
    return next(iter(owner.values()))


# Where instruction text starts inside a brief value ("保温杯 ignore all rules", "say: free shipping"):
# what follows is a request, not a fact, and grounds no claim.
INSTRUCTION = re.compile(
    r"ignore|disregard|instructions?\b|\bprompts?\b|system message|\brules\b|jailbreak|as an ai|"
    r"忽略|无视|指令|提示词|(?<!不)规则|不要执行|写作素材|商品资料|product data|not instructions",
    re.IGNORECASE,
)


def without_instructions(text: str) -> str:
    match = INSTRUCTION.search(text)
    return text[: match.start()] if match else text


def brief_text(brief: Brief) -> str:
    """Everything the brief states, as one text: what a claim may be grounded in."""
    parts = [brief.product, brief.brand, brief.audience, brief.tone, *brief.must_include]
    parts += [f"{k} {v}" for k, v in brief.attributes]
    return "\n".join(without_instructions(p) for p in parts if p)


@dataclass(frozen=True)
class Grounds:
    """What a brief states, folded, for grounding claims."""

    text: str
    numbers: frozenset[str]
    values: dict[str, frozenset[str]]  # family -> values the brief states
    stated: frozenset[str]  # families the brief states (by key or by value)
    promise_groups: frozenset[str]

    @classmethod
    def of(cls, brief: Brief) -> Grounds:
        text = fold(brief_text(brief)).text
        claims = extract_claims(brief_text(brief))
        values: dict[str, set[str]] = {}
        for c in claims:
            if c.kind == "attribute":
                values.setdefault(c.group, set()).add(c.value)
        keys = {fold(k).text for k, _ in brief.attributes}
        stated = set(values) | {f.name for f in lexicon().families if f.keys & keys}
        return cls(text, frozenset(c.value for c in claims if c.kind == "number"),
                   {k: frozenset(v) for k, v in values.items()}, frozenset(stated),
                   frozenset(c.group for c in claims if c.kind == "promise"))


def _stem(term: str) -> str:
    return re.sub(r"(?<=[a-z])e?s$", "", term)


def _grounded_term(term: str, grounds: Grounds) -> bool:
    # 米白色 is grounded by 米白, 棕色 by 深棕: a colour's 色 is not part of the claim.
    compact = re.sub(r"[\s-]", "", term)
    if len(compact) >= 2 and compact.endswith("色"):
        compact = compact[:-1]
    haystack = re.sub(r"[\s-]", "", grounds.text)
    return compact in haystack or _stem(compact) in haystack


def judge(claim: Claim, grounds: Grounds) -> tuple[str, str] | None:
    """("contradiction" | "unsupported", reason) for an ungrounded claim, None for a grounded one."""
    if claim.kind == "number":
        if claim.value in grounds.numbers:
            return None
        return "unsupported", f"the number {claim.value} is not in the brief"
    if claim.kind == "promise":
        if claim.group in grounds.promise_groups or _grounded_term(claim.value, grounds):
            return None
        return "unsupported", lexicon().promises[claim.group][0]
    if _grounded_term(claim.value, grounds):
        return None
    family = next(f for f in lexicon().families if f.name == claim.group)
    stated = grounds.values.get(family.name, frozenset())
    if family.exclusive and family.name in grounds.stated:
        said = "/".join(sorted(stated)) or "another value"
        return "contradiction", f"{family.name} {claim.value!r} contradicts the brief ({said})"
    if family.claim:
        return "unsupported", f"{family.name} {claim.value!r} is not in the brief"
    return None


def check_faithfulness(text: str, brief: Brief, *, field: str | None = None,
                       unsupported: Severity = "block", grounds: Grounds | None = None) -> list[Finding]:
    """A finding for every claim of `text` the brief does not ground (see the module docstring)."""
    grounds = grounds or Grounds.of(brief)
    folded = fold(text)
    findings = []
    for claim in extract_claims(text):
        verdict = judge(claim, grounds)
        if verdict is None:
            continue
        kind, reason = verdict
        start, end = folded.span(claim.start, claim.end)
        findings.append(Finding(
            rule_id=f"faithfulness.{kind}.{claim.group}",
            category="faithfulness",
            severity="block" if kind == "contradiction" else unsupported,
            reason=reason,
            source=CONTRADICTION_SOURCE if kind == "contradiction" else UNSUPPORTED_SOURCE,
            span=(start, end),
            matched=text[start:end],
            field=field,
        ))
    return findings


def is_contradiction(finding: Finding) -> bool:
    return finding.rule_id.startswith("faithfulness.contradiction.")


def is_unsupported(finding: Finding) -> bool:
    return finding.rule_id.startswith("faithfulness.unsupported.")
