"""Turn rule terms into patterns that survive evasion, and run them over folded text.

A term is matched on the folded text (see `normalize`), letter by letter, allowing:
- between two hanzi: up to 3 separator characters (最.佳, 第 一, 全-网-第-一);
- inside a Latin word: up to 2 punctuation characters (be.st, n0.1), or the whole word spelt out
  with a separator between every letter (b e s t, g-u-a-r-a-n-t-e-e-d);
- look-alike digits and symbols for letters (b3st, n0.1, gu@ranteed, 第1), and pinyin for the
  hanzi of absolute claims (zui佳, di一);
- a space or hyphen in the term as any separator or none (risk-free = risk free = riskfree).
Latin terms must stand as words: "best" does not match inside "bestow".

Exceptions are phrases matched the same way; a term match lying inside an exception match is
innocent (第一 inside 第一次, best inside "best before").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from adcraft.compliance.normalize import Folded, fold_term

_SEP = r"[\W_]"  # any non-letter/digit: spaces, punctuation, symbols, underscore
_CJK_GAP = _SEP + "{0,3}"
_LATIN_GAP = r"[^\w\s]{0,2}"
_SPELT_GAP = _SEP + "{1,3}"
_WORD_GAP = _SEP + "{0,3}"

# Characters a writer substitutes for a letter or digit to dodge a filter.
_LOOKALIKES = {
    "a": "a@4",
    "e": "e3",
    "i": "i1!|",
    "l": "l1|",
    "o": "o0",
    "s": "s5$",
    "t": "t7",
    "b": "b8",
    "1": "1il|!",
    "0": "0o",
    "一": "一1壹",
    "二": "二2",
    "三": "三3",
    "十": "十10",
}
# Punctuation inside a term that carries meaning and must be present (#1, 100%).
_REQUIRED_PUNCT = "#%+"


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


# Pinyin written for the hanzi that carry absolute claims (zui佳, di一, jue对).
_PINYIN = {"最": "zui", "第": "di", "绝": "jue", "顶": "ding", "稳": "wen", "赚": "zhuan"}


def _char_class(ch: str) -> str:
    alts = _LOOKALIKES.get(ch, ch)
    if len(alts) == 1:
        cls = re.escape(alts)
    else:
        singles = "".join(re.escape(c) for c in alts if c != "1" or ch != "十")
        cls = "(?:10|[" + singles + "])" if ch == "十" else "[" + singles + "]"
    if ch in _PINYIN:
        cls = f"(?:{cls}|(?<![a-z]){_PINYIN[ch]})"
    return cls


def _pattern_body(term: str, spelt: bool) -> str:
    """Regex for a folded term; `spelt` demands a separator between every Latin letter."""
    parts: list[str] = []
    prev: str | None = None
    n = len(term)
    for i, ch in enumerate(term):
        if ch.isspace() or ch in "-":
            parts.append(_WORD_GAP)
            prev = None
            continue
        if not (ch.isalnum()):
            if i == 0:
                parts.append(re.escape(ch) + r"\s?")
            elif i == n - 1:
                parts.append(r"\s?" + re.escape(ch))
            elif ch in _REQUIRED_PUNCT:
                parts.append(r"\s?" + re.escape(ch) + r"\s?")
            else:  # 'no.1' is also written 'no 1' or 'no1'
                parts.append(_WORD_GAP)
            prev = None
            continue
        if prev is not None:
            if _is_cjk(prev) or _is_cjk(ch):
                parts.append(_CJK_GAP)
            else:
                parts.append(_SPELT_GAP if spelt else _LATIN_GAP)
        parts.append(_char_class(ch))
        prev = ch
    return "".join(parts)


def term_pattern(term: str) -> str:
    """The evasion-tolerant regex for one rule term (matched against folded text)."""
    folded = fold_term(term).strip()
    body = _pattern_body(folded, spelt=False)
    letters = [c for c in folded if c.isalnum()]
    latin_word = letters and all(c.isascii() for c in letters) and " " not in folded
    if latin_word and len(letters) >= 4:
        body = f"(?:{body}|{_pattern_body(folded, spelt=True)})"
    start = r"(?<![a-z0-9])" if folded[:1].isascii() and folded[:1].isalnum() else ""
    end = r"(?![a-z0-9])" if folded[-1:].isascii() and folded[-1:].isalnum() else ""
    return start + body + end


@lru_cache(maxsize=4096)
def compile_terms(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation over all terms, longest first so the most specific wins."""
    if not terms:
        return None
    ordered = sorted({t for t in terms if t.strip()}, key=lambda t: -len(t))
    return re.compile("|".join(f"(?:{term_pattern(t)})" for t in ordered))


@lru_cache(maxsize=4096)
def compile_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


@dataclass(frozen=True)
class Hit:
    start: int  # in the original text
    end: int
    matched: str  # the original characters
    term: str | None  # the rule term it matched, when known


def _which_term(terms: tuple[str, ...], matched_folded: str) -> str | None:
    for term in sorted(terms, key=lambda t: -len(t)):
        if re.fullmatch(term_pattern(term), matched_folded):
            return term
    return None


def find_hits(
    folded: Folded,
    terms: tuple[str, ...],
    patterns: tuple[str, ...],
    exceptions: tuple[str, ...],
    exception_patterns: tuple[str, ...] = (),
) -> list[Hit]:
    """Matches of the terms and patterns in `folded`, minus those inside an exception phrase or
    an exception pattern's match."""
    covers: list[tuple[int, int]] = []
    for pattern in compile_patterns(exception_patterns):
        covers.extend(m.span() for m in pattern.finditer(folded.text))
    exception_re = compile_terms(exceptions)
    if exception_re is not None:
        # Overlapping exception matches: try from every position, so 第一次 is found even when a
        # previous exception match ended inside it.
        pos = 0
        while pos <= len(folded.text):
            m = exception_re.search(folded.text, pos)
            if m is None:
                break
            covers.append(m.span())
            pos = m.start() + 1
    spans: list[tuple[int, int, str | None]] = []
    term_re = compile_terms(terms)
    if term_re is not None:
        for m in term_re.finditer(folded.text):
            spans.append((m.start(), m.end(), _which_term(terms, m.group())))
    for pattern in compile_patterns(patterns):
        for m in pattern.finditer(folded.text):
            if m.end() > m.start():
                spans.append((m.start(), m.end(), None))
    hits = []
    for start, end, term in spans:
        if any(a <= start and end <= b for a, b in covers):
            continue
        o_start, o_end = folded.span(start, end)
        hits.append(Hit(o_start, o_end, folded.original[o_start:o_end], term))
    return hits
