"""Structural platform rules that a list of terms cannot express (characters, capitals, repeats).

Each check takes the original text, its folded form, the field and the platform, and returns the
original spans that break the rule. The rules files name a check with `check: <name>`; what the
rule means (id, severity, reason, source) stays in the YAML.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from adcraft.compliance.normalize import Folded, fold_char
from adcraft.core.platforms import Platform

Span = tuple[int, int]
Check = Callable[[str, Folded, "str | None", Platform], list[Span]]

# Amazon exempts articles, prepositions and conjunctions from its "no word more than twice" rule.
AMAZON_REPEAT_EXEMPT = frozenset(
    "a an the and or nor but so yet for of in on at to by with from into onto over under up down "
    "off out about above below across after before between through during without within per via "
    "as than & + x".split()
)

# Upper-case words that are acronyms or units, not shouting.
ACRONYMS = frozenset(
    "usb led lcd oled gps suv diy usa nyc ceo seo api cpu gpu ram ssd hdd hd uhd hdr tv pc ios uv "
    "spf bpa pvc abs atm vip faq pdf crm erp hr it sms nfc rfid hdmi wifi lte nasa fda usda iso ce ul "
    "eu uk ai ar vr mba phd llc ltd inc diy bbq nba nfl mlb ufc ok am pm utc gmt 4k 5g".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_REPEATED_PUNCT = re.compile(r"([!?,;:])\1+|[!?]{2,}|\.{4,}|(?<!\.)\.\.(?!\.)")
_GIMMICK_SYMBOLS = re.compile(r"[★☆✩✪✫✬✭✮✯✰→←↑↓⇒➤➜✓✔✗✘❤♥♡☞☛✌👉🔥💥⚡💯‼⁉]")


def forbidden_chars(text: str, folded: Folded, field: str | None, platform: Platform) -> list[Span]:
    """Each character the platform forbids, full-width forms included (！ is !)."""
    banned = set(platform.forbidden_chars)
    return [(i, i + 1) for i, ch in enumerate(text) if banned and (ch in banned or fold_char(ch) in banned)]


def amazon_word_repeats(text: str, folded: Folded, field: str | None, platform: Platform) -> list[Span]:
    """The third (and later) use of a word, articles/prepositions/conjunctions excepted."""
    limit = platform.max_word_repeats or 2
    seen: Counter[str] = Counter()
    spans = []
    for m in re.finditer(r"[a-z0-9]+(?:['’][a-z]+)?", folded.text):
        word = m.group()
        if word in AMAZON_REPEAT_EXEMPT or word.isdigit():
            continue
        seen[word] += 1
        if seen[word] == limit + 1:
            spans.append(folded.span(*m.span()))
    return spans


def excessive_capitals(text: str, folded: Folded, field: str | None, platform: Platform) -> list[Span]:
    """Words of three or more letters written in capitals that are not known acronyms (FREE, BUY NOW)."""
    spans = []
    for m in _WORD.finditer(text):
        word = m.group()
        letters = [c for c in word if c.isalpha()]
        if len(letters) >= 3 and all(c.isupper() for c in letters) and word.lower() not in ACRONYMS:
            spans.append(m.span())
    return spans


def repeated_punctuation(text: str, folded: Folded, field: str | None, platform: Platform) -> list[Span]:
    """!!, ??, !?, ,, and the like (an ellipsis of exactly three dots is fine)."""
    return [folded.span(*m.span()) for m in _REPEATED_PUNCT.finditer(folded.text)]


def exclamation_mark(text: str, folded: Folded, field: str | None, platform: Platform) -> list[Span]:
    """Every exclamation mark, full-width included."""
    return [folded.span(m.start(), m.end()) for m in re.finditer("!", folded.text)]


def gimmicky_symbols(text: str, folded: Folded, field: str | None, platform: Platform) -> list[Span]:
    """Stars, arrows, check marks, hearts and emoji used to grab attention."""
    return [m.span() for m in _GIMMICK_SYMBOLS.finditer(text)]


def keyword_stuffing(text: str, folded: Folded, field: str | None, platform: Platform) -> list[Span]:
    """A two-hanzi word (or Latin word) used three or more times in one title: its third use."""
    spans = []
    counts: Counter[str] = Counter()
    for i in range(len(folded.text) - 1):
        pair = folded.text[i : i + 2]
        if all("\u4e00" <= c <= "\u9fff" for c in pair):
            counts[pair] += 1
            if counts[pair] == 3:
                spans.append(folded.span(i, i + 2))
    for m in re.finditer(r"[a-z]{3,}", folded.text):
        counts[m.group()] += 1
        if counts[m.group()] == 3:
            spans.append(folded.span(*m.span()))
    return spans


CHECKS: dict[str, Check] = {
    "forbidden_chars": forbidden_chars,
    "amazon_word_repeats": amazon_word_repeats,
    "excessive_capitals": excessive_capitals,
    "repeated_punctuation": repeated_punctuation,
    "exclamation_mark": exclamation_mark,
    "gimmicky_symbols": gimmicky_symbols,
    "keyword_stuffing": keyword_stuffing,
}
