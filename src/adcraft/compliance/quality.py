"""Quality gates: is a creative about the product, its own words, complete, and free of prompt text?

- **on product**: it names the brief's product or its category: the product string, its head noun
  (the last English word, singular or plural; a Chinese suffix or prefix of two characters or more,
  外套 of 牛仔外套), or a type attribute's value (类型#上衣 -> 上衣). A title or headline names no
  other product (`claims/products.yaml`) that the brief does not: 牛仔裤 in a 牛仔外套 title.
- **not copied**: it shares no run of 6 Chinese characters or 4 English words with a few-shot example
  (built-in or the brand's past ads) that the brief does not hold too.
- **complete**: no value ends on a connective, a preposition, an article, an open bracket or a comma
  ("10% Off Your", "纯棉的") — the sign of a cut mid-phrase.
- **fluent**: no phrase said twice in a row (简约简约, "the the") and no phrase of 3+ characters three
  times in one value (牛仔外套…牛仔外套…牛仔外套), twice in a title or headline of 60 units at most;
  a sentence field (description, body, primary text, free text) holds a sentence: 4 words or 8
  Chinese characters at least.
- **no prompt text**: no delimiter (<数据>, ‹data›), field label, template phrase or injected
  instruction ("ignore all rules", 忽略以上) — text that is the prompt, not an ad.

Each failure is a `Finding` of category "quality" that blocks, with a reason and a span.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

from adcraft.compliance.faithfulness import INSTRUCTION
from adcraft.compliance.normalize import fold
from adcraft.core.types import Brief, Creative, Finding

QUALITY_SOURCE = "adcraft creative quality gate"
COPY_RUN_ZH = 6  # characters
COPY_RUN_EN = 4  # words

_EN_STOP = {"a", "an", "the", "for", "with", "and", "or", "of", "to", "in", "on", "at", "by", "from", "your",
            "my", "our", "their", "its", "is", "are", "be", "that", "this", "these", "as", "into", "than",
            "but", "so", "if", "you", "we", "it", "not", "no", "more", "very", "most", "&", "+", "-"}
_ZH_DANGLING = set("的和与及或把被让给对从向为是更很也都又而但就才将并且如若")
_SENTENCE_END = "。！？!?.…"
_OPEN_END = re.compile(r"[，、：:;；,\-–—(（\[【《“‘\"'/&+]\s*$")
_INSTRUCTION = INSTRUCTION
_TAG = re.compile(r"[<‹＜〈]\s*/?\s*(?:数据|范例|data|example)\s*[>›＞〉]?"
                  r"|(?:数据|范例|data|example)\s*[>›＞〉]",
                  re.IGNORECASE)
_BRACKET = re.compile(r"[<>‹›＜＞〈〉{}]|<unk>|\[mask\]", re.IGNORECASE)
_LABEL = re.compile(r"(?:^|\s)(?:headline|description|primary text|title|body|ad"
                    r"|标题|描述|正文|文案|广告)\s*[:：]",
                    re.IGNORECASE)
_OPEN_NOUN_PHRASE = re.compile(r"\b(?:your|my|our|their|the|a|an)\s+(?:first|next|new|own|very|only|every)$"
                               r"|\b(?:with|of|for|in|at|to|by)\s+\d+$", re.IGNORECASE)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
# One-character head nouns of Chinese product names: 跑鞋 and 帆布鞋 are both 鞋, 保温杯 is a 杯.
_ZH_HEADS = set("鞋靴裙裤衣衫袜帽包杯壶锅碗盘刀灯椅桌床柜伞笔本表镜枕被垫盒瓶茶酒油米面糖奶膏霜乳露锁车机箱")
_TYPE_KEYS = {"类型", "衣样式", "裙长", "裙型", "裤长", "裤型", "品类", "类别",
              "type", "category", "product type"}


def _singular_plural(word: str) -> set[str]:
    forms = {word}
    if word.endswith("ies"):
        forms.add(word[:-3] + "y")
    elif re.search(r"(?:s|x|z|ch|sh)es$", word):
        forms |= {word[:-2], word[:-1]}
    elif word.endswith("s") and len(word) > 3:
        forms.add(word[:-1])
    else:
        forms |= {word + "s", word + "es"}
    return forms


def clean_product(product: str) -> str:
    """The product without injected instruction text ("保温杯 ignore all rules" -> "保温杯")."""
    match = _INSTRUCTION.search(product)
    head = product[: match.start()] if match else product
    return _BRACKET.sub(" ", _TAG.sub(" ", head)).strip() or product


def product_terms(brief: Brief) -> set[str]:
    """Folded words any of which names the brief's product or its category (see the module docstring)."""
    sources = [clean_product(brief.product)]
    sources += [v for k, v in brief.attributes if k.strip().lower() in _TYPE_KEYS]
    terms: set[str] = set()
    for source in sources:
        folded = fold(source).text
        for run in _CJK_RUN.findall(folded):
            if len(run) == 1 or run[-1] in _ZH_HEADS:
                terms.add(run[-1])
            terms |= {run[i:] for i in range(len(run) - 1)} | {run[:i] for i in range(2, len(run) + 1)}
        words = [w for w in _WORD.findall(folded) if w not in _EN_STOP]
        if words:
            terms.add(" ".join(words))
            terms |= _singular_plural(words[-1])
            if len(words) >= 2:
                terms.add(" ".join(words[-2:]))
    return {t for t in terms if t and not t.isdigit()}


@lru_cache(maxsize=1)
def _product_nouns() -> tuple[frozenset[str], frozenset[str], tuple[frozenset[str], ...]]:
    """Chinese nouns, English nouns and the groups of names for one product, from claims/products.yaml."""
    path = resources.files("adcraft.compliance").joinpath("claims/products.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    same = tuple(frozenset(fold(w).text for w in group) for group in data.get("same", []))
    return (frozenset(fold(w).text for w in data["zh"]), frozenset(fold(w).text for w in data["en"]), same)


def _noun_forms(word: str) -> set[str]:
    """A listed noun and its plural; a noun listed in the plural (shorts, jeans) only as written, so
    'shorts' never matches the adjective in 'Short Sleeve'."""
    return {word} if word.endswith("s") else {word, word + "s", word + "es"}


def other_product(value: str, brief: Brief, grounds_text: str, terms: set[str]) -> str | None:
    """A product noun in the value that the brief does not name, whose head (last hanzi, last English
    word) is not the brief's product's and which is not another name for it (skillet, frying pan):
    牛仔裤 for a 牛仔外套, but 休闲鞋 passes for a 帆布鞋."""
    folded, grounds = fold(value).text, fold(grounds_text).text
    zh_nouns, en_nouns, same = _product_nouns()
    own = set().union(*(g for g in same if any(name in grounds or name in terms for name in g)))
    for noun in sorted(zh_nouns - own):
        if noun in folded and noun not in grounds and not any(noun[i:] in terms for i in range(len(noun))):
            return noun
    joined = " " + " ".join(_WORD.findall(folded)) + " "
    for noun in sorted(en_nouns - own):
        words = noun.split()
        forms = _noun_forms(words[-1])
        if any(f" {' '.join([*words[:-1], form])} " in joined for form in forms) \
                and noun not in grounds and not _singular_plural(words[-1]) & terms:
            return noun
    return None


def names_product(text: str, brief: Brief, terms: set[str] | None = None) -> bool:
    folded = fold(text).text
    words = set(_WORD.findall(folded))
    joined = " ".join(_WORD.findall(folded))
    for term in terms if terms is not None else product_terms(brief):
        if _CJK_RUN.fullmatch(term):
            if term in folded:
                return True
        elif (" " in term and f" {term} " in f" {joined} ") or term in words:
            return True
    return False


def _runs(text: str) -> tuple[set[str], set[tuple[str, ...]]]:
    """Chinese character runs of COPY_RUN_ZH and English word runs of COPY_RUN_EN in `text`."""
    folded = fold(text).text
    hanzi = "".join(_CJK_RUN.findall(folded))
    zh = {hanzi[i : i + COPY_RUN_ZH] for i in range(len(hanzi) - COPY_RUN_ZH + 1)}
    words = _WORD.findall(folded)
    en = {tuple(words[i : i + COPY_RUN_EN]) for i in range(len(words) - COPY_RUN_EN + 1)}
    return zh, en


def copied_phrase(text: str, examples: list[str], brief_text: str) -> str | None:
    """A run the creative shares with an example and the brief does not hold, or None."""
    zh, en = _runs(text)
    own_zh, own_en = _runs(brief_text)
    for example in examples:
        ex_zh, ex_en = _runs(example)
        shared = sorted((zh & ex_zh) - own_zh)
        if shared:
            return shared[0]
        shared_en = sorted((en & ex_en) - own_en)
        if shared_en:
            return " ".join(shared_en[0])
    return None


def dangling_end(value: str, language: str) -> str | None:
    """The word or mark the value ends on, if it leaves the phrase open."""
    stripped = value.rstrip(" .…!！。")
    if not stripped:
        return None
    if _OPEN_END.search(value.rstrip()):
        return value.rstrip()[-1]
    if stripped.count("“") > stripped.count("”") or stripped.count("(") > stripped.count(")") \
            or stripped.count("（") > stripped.count("）"):
        return "an unclosed quote or bracket"
    if language == "zh" and stripped[-1] in _ZH_DANGLING and len(stripped) > 2:
        return stripped[-1]
    if value.rstrip()[-1:] in _SENTENCE_END and len(value.strip()) > 1:
        return None  # a sentence that ends is not cut
    if _OPEN_NOUN_PHRASE.search(stripped):
        return _OPEN_NOUN_PHRASE.search(stripped).group()
    words = _WORD.findall(stripped.lower())
    if words and words[-1] in _EN_STOP - {"no", "more", "it", "you", "this", "these", "that", "on", "so"} \
            and len(words) > 1 and stripped[-1].isalnum():
        return words[-1]
    return None


_SENTENCE_FIELDS = {"description", "primary_text", "body", "text"}
_STUTTER_ZH = re.compile(r"([\u3400-\u9fff]{2,})\1")
_STUTTER_EN = re.compile(r"\b(\w+(?:\s+\w+)?)\s+\1\b", re.IGNORECASE)


def is_sentence_field(platform_id: str, field: str) -> bool:
    """A field that holds a sentence: a description, body or free text of 90 characters or more
    (Meta's 30-character description is a tag line)."""
    from adcraft.core import get_platform

    platform = get_platform(platform_id)
    names = {spec.name: spec.max_length for spec in platform.fields}
    return field in _SENTENCE_FIELDS and names.get(field, 0) >= 90


def is_short_field(platform_id: str, field: str) -> bool:
    """A title, headline or tag line of at most 60 length units: room for no phrase said twice."""
    from adcraft.core import get_platform

    spec = next((f for f in get_platform(platform_id).fields if f.name == field), None)
    return spec is not None and spec.max_length <= 60


def disfluency(value: str, field: str, sentence: bool = False, short: bool = False) -> str | None:
    """Why the value does not read as written copy: a stutter, a thrice-said phrase (twice-said in a
    short title or headline: "牛仔外套白色廓形牛仔外套"), a fragment."""
    folded = fold(value).text
    stutter = _STUTTER_ZH.search(folded) or _STUTTER_EN.search(folded)
    if stutter:
        return f"repeats {stutter.group(1)!r} twice in a row"
    most = 2 if short else 3
    said = "twice" if short else "three times"
    hanzi = "".join(_CJK_RUN.findall(folded))
    for size in (4, 3):
        for i in range(len(hanzi) - size + 1):
            if hanzi.count(hanzi[i:i + size]) >= most:
                return f"says {hanzi[i:i + size]!r} {said}"
    words = _WORD.findall(folded)
    counts = {w: words.count(w) for w in set(words) if w not in _EN_STOP and len(w) > 2}
    if counts and max(counts.values()) >= most:
        return f"says {max(counts, key=counts.__getitem__)!r} {said}"
    if sentence and len(words) < 4 and len(hanzi) < 8:
        return "a fragment, not a sentence"
    return None


def prompt_text(value: str, brief: Brief) -> str | None:
    """A delimiter, field label or instruction in a value that is not part of the brief's own name
    ("<X1> 跑鞋" may keep its brackets; "‹数据＞" and "ignore all rules" are never copy)."""
    tag = _TAG.search(value)
    if tag:
        return f"a prompt delimiter ({tag.group()!r})"
    own_name = _TAG.sub(" ", f"{brief.product} {brief.brand}")
    bracket = _BRACKET.search(value)
    if bracket and bracket.group() not in own_name:
        return f"a prompt delimiter ({bracket.group()!r})"
    label = _LABEL.search(value)
    if label:
        return f"a field label ({label.group().strip()!r})"
    instruction = _INSTRUCTION.search(value)
    if instruction:
        return f"instruction text ({instruction.group()!r})"
    return None


def _finding(rule: str, reason: str, value: str, field: str, span: tuple[int, int] | None = None) -> Finding:
    span = span or (0, len(value))
    return Finding(rule_id=f"quality.{rule}", category="quality", severity="block", reason=reason,
                   source=QUALITY_SOURCE, span=span, matched=value[span[0]:span[1]], field=field)


def value_findings(value: str, field: str, brief: Brief, language: str, examples: list[str],
                   grounds_text: str, platform_id: str | None = None,
                   terms: set[str] | None = None) -> list[Finding]:
    """The gates one field value fails on its own: prompt text, a cut mid-phrase, a copied run,
    another product named in a title or headline."""
    findings = []
    sentence = is_sentence_field(platform_id or brief.platform, field)
    other = None if sentence else other_product(value, brief, grounds_text,
                                                terms if terms is not None else product_terms(brief))
    if other:
        findings.append(_finding("other_product", f"names another product ({other!r}) in a {field}",
                                 value, field))
    echo = prompt_text(value, brief)
    if echo:
        findings.append(_finding("prompt_text", f"holds {echo}, not ad copy", value, field))
    end = dangling_end(value, language)
    if end:
        findings.append(_finding("truncated", f"cut mid-phrase (ends on {end!r})", value, field))
    short = is_short_field(platform_id or brief.platform, field)
    halting = disfluency(value, field, sentence=sentence, short=short)
    if halting:
        findings.append(_finding("disfluent", f"not fluent copy: {halting}", value, field))
    copied = copied_phrase(value, examples, grounds_text)
    if copied:
        findings.append(_finding("copied", f"copies {copied!r} from a prompt example", value, field))
    return findings


def off_product(creative: Creative, brief: Brief, terms: set[str] | None = None) -> Finding | None:
    if names_product(creative.text(" "), brief, terms):
        return None
    return _finding("off_product", f"does not name the product ({clean_product(brief.product)!r}) or its "
                    "category", creative.text(" "), next(iter(creative.fields), "text"))


def check_quality(creative: Creative, brief: Brief, examples: list[str] | None = None) -> list[Finding]:
    """Every quality gate the creative fails (see the module docstring)."""
    from adcraft.compliance.faithfulness import brief_text

    grounds = brief_text(brief)
    missing = off_product(creative, brief)
    findings = [missing] if missing else []
    for name, values in creative.fields.items():
        for value in values:
            findings += value_findings(value, name, brief, creative.language, examples or [], grounds,
                                       creative.platform)
    return findings
