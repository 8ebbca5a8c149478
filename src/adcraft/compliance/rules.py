"""Rules as data: YAML files inside the package (one per locale or platform), loaded and validated.

A rules file looks like::

    locale: zh                   # zh | en | any
    citation_markers: ['数据来源']  # optional regexes; their presence softens `cited_downgrade` rules
    groups:
      - category: absolute_claim
        source: 《中华人民共和国广告法》第九条第三项
        severity: block
        rules:
          - id: zh.absolute.best
            reason: ...
            terms: [最佳, 最好]          # matched tolerantly: full-width, case, 最.佳, 最 佳
            except: [最好是]             # phrases around a term that make it innocent
            except_patterns: ['被.{0,8}治愈']  # regexes (folded text) whose matches make it innocent
            patterns: ['销量\\d+万']     # raw regexes on the folded (lower-case, NFKC) text
            suggest: {最佳: 出色}        # or one string for every term
            platforms: [amazon_title]   # only on these platforms (default: all)
            fields: [headline]          # only in these fields (default: all)
            check: amazon_word_repeats  # a structural check in adcraft.compliance.platform_checks

Anything wrong in a file (unknown key or category, bad regex, missing id) is an InputError that
names the file and the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from adcraft.compliance.yaml_lines import at as _at
from adcraft.compliance.yaml_lines import file_at as _file_at
from adcraft.compliance.yaml_lines import load as _load_yaml
from adcraft.core.errors import InputError

CATEGORIES: dict[str, str] = {
    "absolute_claim": "absolute / superlative terms (zh Ad Law Art. 9(3); en unsubstantiated superlatives)",
    "state_organ": "state organs, their staff or state symbols used to sell (zh Ad Law Art. 9(1)-(2))",
    "superstition": "superstitious promises: luck, fortune, warding off evil (zh Ad Law Art. 9(8))",
    "obscenity": "obscene or pornographic content (zh Ad Law Art. 9(8); platform adult-content policies)",
    "gambling": "gambling and betting offers (zh Ad Law Art. 9(8); platform gambling policies)",
    "prize_bait": "fake prize or lottery notices that lure a click (zh Ad Law Art. 4, 28; FTC Act §5)",
    "medical_claim": "disease-treatment or medical efficacy claims outside medical ads",
    "efficacy_claim": "efficacy promises for ordinary food and cosmetics: whitening, spots, weight loss",
    "endorsement": "doctors, patients, experts or institutions vouching for a product (Ad Law Art. 16, 18)",
    "education_guarantee": "guaranteed exam, admission, certificate or job results (Ad Law Art. 24)",
    "financial_guarantee": "guaranteed returns, capital protection, no-risk promises",
    "trademark_claim": "驰名商标 and 免检 used in advertising (Trademark Law Art. 14; 免检 abolished 2008)",
    "unverified_data": "statistics, rankings or test results without a stated source",
    "misleading_urgency": "false scarcity or countdown pressure",
    "platform_policy": "a platform's editorial rules (Amazon, Google Ads, Taobao)",
    "must_avoid": "a word the brief asked to avoid",
    "pii": "personal information (phone, e-mail, ID card, bank card, messenger handle)",
}
LOCALES = ("zh", "en", "any")
SEVERITIES = ("block", "warn")
# Categories whose block terms may be banned at decoding time (see `banned_terms`); a rule whose
# terms can be innocent sets `decode_block: false`, and a term inside one of its rule's exception
# phrases is never banned.
DECODE_CATEGORIES = (
    "absolute_claim",
    "state_organ",
    "superstition",
    "obscenity",
    "gambling",
    "prize_bait",
    "medical_claim",
    "efficacy_claim",
    "endorsement",
    "education_guarantee",
    "financial_guarantee",
    "trademark_claim",
)


@dataclass(frozen=True)
class Rule:
    """One rule: what it matches, how bad a match is, why, and on what authority."""

    id: str
    locale: str
    category: str
    severity: str
    reason: str
    source: str
    terms: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    exception_patterns: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    suggestions: dict[str, str] = field(default_factory=dict)
    suggestion: str | None = None
    platforms: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    check: str | None = None
    cited_downgrade: bool = False
    decode_block: bool = False

    def suggestion_for(self, term: str) -> str | None:
        return self.suggestions.get(term, self.suggestion)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    citation_markers: dict[str, tuple[str, ...]]


_RULE_KEYS = {
    "except_patterns",
    "id",
    "reason",
    "source",
    "severity",
    "terms",
    "except",
    "patterns",
    "near",
    "suggest",
    "platforms",
    "fields",
    "check",
    "cited_downgrade",
    "decode_block",
    "category",
}
_GROUP_KEYS = {"category", "source", "severity", "reason", "rules", "platforms", "fields", "cited_downgrade"}
_FILE_KEYS = {"locale", "groups", "citation_markers", "description", "lexicons"}
_NEAR_KEYS = {"first", "then", "window", "either_order"}
_LEXICON_KEYS = {"source", "terms", "note"}
# Between the two halves of a `near` rule: anything but a sentence end, so a claim split by a
# comma (祛斑美白，28天见效) is one claim and two sentences are not.
_NEAR_GAP = "(?:(?![.] )[^。!?;\\n])"


def _as_list(value: Any, where: str, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise InputError(f"{where}: '{what}' must be a list of strings")
    return tuple(str(v) for v in value)


def _compile(pattern: str, where: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InputError(f"{where}: bad regular expression {pattern!r}: {exc}; fix or quote it") from None


Lexicons = dict[str, tuple[str, ...]]


def _parse_lexicons(data: Any, name: str) -> Lexicons:
    """Named term lists shared by a file's `near` rules; each needs a source a reviewer can check."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(
            f"rules file {name}, line {getattr(data, 'line', '?')}: 'lexicons' must be a mapping"
        )
    out: Lexicons = {}
    for lex_name, body in data.items():
        where = _at(f"rules file {name}: lexicon {lex_name!r}", data, lex_name)
        if not isinstance(body, dict) or not body.get("source") or not body.get("terms"):
            raise InputError(f"{where}: a lexicon needs 'source' and 'terms'")
        unknown = set(body) - _LEXICON_KEYS
        if unknown:
            raise InputError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_LEXICON_KEYS)}")
        out[str(lex_name)] = _as_list(body["terms"], where, "terms")
    return out


def _near_side(value: Any, lexicons: Lexicons, where: str, key: str) -> tuple[str, ...]:
    terms: list[str] = []
    for item in _as_list(value, where, key):
        if item.startswith("@"):
            if item[1:] not in lexicons:
                raise InputError(f"{where}: '{key}' names lexicon {item!r}, which this file does not define")
            terms.extend(lexicons[item[1:]])
        else:
            terms.append(item)
    if not terms:
        raise InputError(f"{where}: '{key}' needs at least one term or @lexicon")
    return tuple(terms)


def _near_patterns(raw: Any, lexicons: Lexicons, where: str) -> tuple[str, ...]:
    """Regexes for `near`: a term of `first` followed, within `window` characters of one sentence,
    by a term of `then` (and the reverse with `either_order`). Both sides are matched as tolerantly
    as plain terms (separators, look-alikes), so 降 血 压 is still 降 + 血压."""
    from adcraft.compliance.matcher import term_pattern

    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            raise InputError(f"{where}: each 'near' entry must be a mapping with 'first' and 'then'")
        unknown = set(item) - _NEAR_KEYS
        if unknown:
            raise InputError(f"{_at(where, item)}: 'near' has unknown key(s) {sorted(unknown)}")
        window = item.get("window", 6)
        if not isinstance(window, int) or not 0 <= window <= 40:
            raise InputError(f"{_at(where, item, 'window')}: 'window' must be a whole number from 0 to 40")
        sides = []
        for key in ("first", "then"):
            terms = sorted(
                set(_near_side(item.get(key), lexicons, _at(where, item, key), key)), key=len, reverse=True
            )
            sides.append("(?:" + "|".join(term_pattern(t) for t in terms) + ")")
        gap = f"{_NEAR_GAP}{{0,{window}}}?"
        out.append(sides[0] + gap + sides[1])
        if item.get("either_order"):
            out.append(sides[1] + gap + sides[0])
    return tuple(out)


def _build_rule(raw: Any, group: dict[str, Any], locale: str, where: str, lexicons: Lexicons) -> Rule:
    from adcraft.compliance.platform_checks import CHECKS  # the names structural rules may use

    if not isinstance(raw, dict):
        raise InputError(f"{where}: each rule must be a mapping with at least 'id'")
    unknown = set(raw) - _RULE_KEYS
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise InputError(f"{_at(where, raw)}: a rule has no 'id'")
    where = f"{where}: rule {rule_id!r}"
    if unknown:
        key = sorted(unknown)[0]
        raise InputError(
            f"{_at(where, raw, key)}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}"
        )
    merged = {**{k: v for k, v in group.items() if k != "rules"}, **raw}
    holder = raw if "category" in raw else group  # the mapping whose line names a bad key
    category = merged.get("category")
    if category not in CATEGORIES:
        raise InputError(
            f"{_at(where, holder, 'category')}: unknown category {category!r}; "
            f"choose one of: {', '.join(CATEGORIES)}"
        )
    severity = merged.get("severity", "block")
    if severity not in SEVERITIES:
        raise InputError(
            f"{_at(where, raw, 'severity')}: severity must be 'block' or 'warn', not {severity!r}"
        )
    terms = _as_list(merged.get("terms"), _at(where, raw, "terms"), "terms")
    patterns = _as_list(merged.get("patterns"), _at(where, raw, "patterns"), "patterns")
    for pattern in patterns:
        _compile(pattern, _at(where, raw, "patterns"))
    if raw.get("near") is not None:
        patterns += _near_patterns(raw["near"], lexicons, _at(where, raw, "near"))
    check = merged.get("check")
    if check is not None and check not in CHECKS:
        raise InputError(
            f"{_at(where, raw, 'check')}: unknown check {check!r}; known checks: {', '.join(sorted(CHECKS))}"
        )
    if not terms and not patterns and check is None:
        raise InputError(f"{_at(where, raw)}: a rule needs 'terms', 'patterns', 'near' or 'check'")
    suggest = merged.get("suggest")
    suggestions: dict[str, str] = {}
    suggestion: str | None = None
    if isinstance(suggest, dict):
        suggestions = {str(k): str(v) for k, v in suggest.items()}
    elif suggest is not None:
        suggestion = str(suggest)
    exceptions = _as_list(merged.get("except"), _at(where, raw, "except"), "except")
    exception_patterns = _as_list(
        merged.get("except_patterns"), _at(where, raw, "except_patterns"), "except_patterns"
    )
    for pattern in exception_patterns:
        _compile(pattern, _at(where, raw, "except_patterns"))
    if not merged.get("reason") or not merged.get("source"):
        raise InputError(f"{_at(where, raw)}: every rule needs a 'reason' and a 'source'")
    decode_default = severity == "block" and category in DECODE_CATEGORIES
    return Rule(
        id=rule_id,
        locale=locale,
        category=category,
        severity=severity,
        reason=str(merged["reason"]),
        source=str(merged["source"]),
        terms=terms,
        exceptions=exceptions,
        exception_patterns=exception_patterns,
        patterns=patterns,
        suggestions=suggestions,
        suggestion=suggestion,
        platforms=_as_list(merged.get("platforms"), where, "platforms"),
        fields=_as_list(merged.get("fields"), where, "fields"),
        check=check,
        cited_downgrade=bool(merged.get("cited_downgrade", False)),
        decode_block=bool(merged.get("decode_block", decode_default)),
    )


def parse_rules(text: str, name: str) -> RuleSet:
    """Rules from the YAML `text` of the file called `name`; every error names the file, the line
    and the key at fault."""
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as exc:
        raise InputError(f"rules file {name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or "groups" not in data:
        raise InputError(f"rules file {name}: expected a mapping with 'locale' and 'groups'")
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise InputError(
            f"{_file_at(name, data, sorted(unknown)[0])}: unknown key(s) {sorted(unknown)}; "
            f"allowed: {sorted(_FILE_KEYS)}"
        )
    locale = data.get("locale", "any")
    if locale not in LOCALES:
        raise InputError(f"{_file_at(name, data, 'locale')}: locale must be one of {LOCALES}, not {locale!r}")
    markers = _as_list(data.get("citation_markers"), f"rules file {name}", "citation_markers")
    for marker in markers:
        _compile(marker, _at(f"rules file {name}: citation_markers", data, "citation_markers"))
    lexicons = _parse_lexicons(data.get("lexicons"), name)
    rules: list[Rule] = []
    for i, group in enumerate(data.get("groups") or []):
        where = f"rules file {name}: group {i + 1}"
        if not isinstance(group, dict):
            raise InputError(f"{where}: must be a mapping with 'category' and 'rules'")
        unknown = set(group) - _GROUP_KEYS
        if unknown:
            raise InputError(
                f"{_at(where, group, sorted(unknown)[0])}: unknown key(s) {sorted(unknown)}; "
                f"allowed: {sorted(_GROUP_KEYS)}"
            )
        for raw in group.get("rules") or []:
            rules.append(_build_rule(raw, group, locale, where, lexicons))
    return RuleSet(tuple(rules), {locale: markers} if markers else {})


def load_rules_file(path: str | Path) -> RuleSet:
    """Rules from a user's YAML file; a missing or unreadable file is an InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"rules file {path} not found; pass a YAML file like those in adcraft/compliance/rules/"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"rules file {path}: not UTF-8 (byte offset {exc.start}); save it as UTF-8"
        ) from None
    return parse_rules(text, str(path))


def merge(*sets: RuleSet) -> RuleSet:
    rules: dict[str, Rule] = {}
    markers: dict[str, tuple[str, ...]] = {}
    for rule_set in sets:
        for rule in rule_set.rules:
            rules[rule.id] = rule  # a later file overrides a rule with the same id
        for locale, ms in rule_set.citation_markers.items():
            markers[locale] = markers.get(locale, ()) + ms
    return RuleSet(tuple(rules.values()), markers)


def builtin_rules() -> RuleSet:
    """The rules shipped with adcraft (every *.yaml in adcraft/compliance/rules/)."""
    folder = resources.files("adcraft.compliance") / "rules"
    sets = [
        parse_rules(entry.read_text(encoding="utf-8"), f"adcraft/compliance/rules/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    ]
    return merge(*sets)
