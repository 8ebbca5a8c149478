"""Making text fit a platform field: its length limit (in the platform's unit) and its text rules.

Text that is too long is cut at the last clause boundary that fits (Chinese or English punctuation),
else at the last word boundary (whitespace; jieba's segmentation for Chinese), else it does not fit
(None) and the caller regenerates. A cut never splits a word or a character.
"""

from __future__ import annotations

import re
from functools import lru_cache

from adcraft.core import Platform

# Always a boundary. ASCII . , ; : ! ? only when followed by whitespace or the end ("3.5", "1,000").
_CJK_SENTENCE_END = "。！？；…"
_CJK_CLAUSE = "，、：—～"
_ASCII_PUNCT = ".,;:!?"
_ASCII_SENTENCE_END = ".!?;"
# Left dangling at a cut, these are dropped (a sentence end is kept).
_TRAILING_SEPARATORS = "，、：—～,:;-–—/&+ "
# Dangling English function words after a word-boundary cut ("Shoes for" -> "Shoes").
_DANGLING_WORDS = {"a", "an", "the", "and", "or", "for", "of", "in", "on", "with", "to", "by", "at",
                   "from", "your", "our", "its", "is", "are", "&"}
# Amazon lets these repeat more than twice (prepositions, articles, conjunctions).
_REPEAT_EXEMPT = {"a", "an", "the", "and", "or", "nor", "but", "for", "of", "in", "on", "with", "to",
                  "by", "at", "from", "as", "into", "&", "-"}


# Full-width letters and digits (Ａ１) a model writes inside Chinese copy; CJK punctuation stays.
_FULL_WIDTH_ALNUM = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                      *range(0xFF41, 0xFF5B)]}


@lru_cache(maxsize=1)
def _to_simplified():
    from zhconv import convert

    return convert


def normalise_script(text: str) -> str:
    """Full-width letters and digits as ASCII (220ｇ -> 220g); traditional hanzi as simplified
    (網面透氣 -> 网面透气): the model mixes both into simplified-Chinese copy, which no platform wants."""
    text = text.translate(_FULL_WIDTH_ALNUM)
    return _to_simplified()(text, "zh-cn") if _has_cjk(text) else text


def clean_text(text: str, platform: Platform, *, keep_newlines: bool = False) -> str:
    """Script normalised, whitespace collapsed, the platform's forbidden characters removed, word
    repeats capped."""
    text = normalise_script(text)
    if platform.forbidden_chars:
        text = "".join(" " if ch in platform.forbidden_chars else ch for ch in text)
    if keep_newlines:
        lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n")]
        text = "\n".join(line for line in lines if line)
    else:
        text = re.sub(r"\s+", " ", text).strip()
    if platform.max_word_repeats is not None:
        text = _cap_word_repeats(text, platform.max_word_repeats)
    return text


def _cap_word_repeats(text: str, limit: int) -> str:
    seen: dict[str, int] = {}
    kept = []
    for word in text.split(" "):
        key = word.strip(_ASCII_PUNCT + "()[]\"'").lower()
        if key and key not in _REPEAT_EXEMPT:
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > limit:
                continue
        kept.append(word)
    return " ".join(w for w in kept if w)


def _is_clause_end(text: str, i: int) -> bool:
    """Is the position after text[i] a clause boundary?"""
    ch = text[i]
    if ch in _CJK_SENTENCE_END or ch in _CJK_CLAUSE or ch == "\n":
        return True
    return ch in _ASCII_PUNCT and (i + 1 == len(text) or text[i + 1].isspace())


_BRACKETS = (("(", ")"), ("（", "）"), ("[", "]"), ("【", "】"), ("“", "”"), ("《", "》"))


def _tidy_cut(piece: str) -> str:
    piece = piece.rstrip()
    # A cut inside brackets would leave "Waterproof Shoes (Not": drop the unclosed aside.
    for opening, closing in _BRACKETS:
        if piece.count(opening) > piece.count(closing):
            piece = piece[: piece.rfind(opening)].rstrip()
    while piece and piece[-1] in _TRAILING_SEPARATORS:
        piece = piece[:-1].rstrip()
    return piece


def _drop_dangling_words(piece: str) -> str:
    words = piece.split(" ")
    while len(words) > 1 and words[-1].lower().strip(_ASCII_PUNCT) in _DANGLING_WORDS:
        words.pop()
    return _tidy_cut(" ".join(words))


@lru_cache(maxsize=4096)
def _word_ends(text: str) -> tuple[int, ...]:
    """Offsets where a word ends: after each jieba token (it keeps Latin words and numbers whole)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    ends, pos = [], 0
    for token in jieba.cut(text, HMM=False):
        pos += len(token)
        ends.append(pos)
    return tuple(ends)


def _has_cjk(text: str) -> bool:
    return re.search(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]", text) is not None


# Keyword titles: a list of terms, where a cut between two terms still reads whole.
KEYWORD_FIELDS = {("taobao_title", "title"), ("amazon_title", "title")}


def fit_text(text: str, platform: Platform, field_name: str) -> str | None:
    """`text` cleaned and, if too long, cut at a clause boundary to fit the field (at a word
    boundary too in a keyword title); None if no boundary gives a non-empty fit (the caller
    regenerates)."""
    spec = platform.field(field_name)
    keep_newlines = spec.max_length >= 200
    text = clean_text(text, platform, keep_newlines=keep_newlines)
    limit = spec.max_length
    if not text:
        return None
    if platform.length(text) <= limit:
        return text
    for i in range(len(text) - 1, -1, -1):  # the longest clause prefix that fits
        if _is_clause_end(text, i):
            piece = text[: i + 1]
            if piece[-1] not in _CJK_SENTENCE_END + _ASCII_SENTENCE_END:
                piece = _tidy_cut(piece)
            if piece and platform.length(piece) <= limit:
                return piece
    if (platform.id, field_name) not in KEYWORD_FIELDS:
        return None  # a sentence cut between two words reads as cut ("... with a waxed"): regenerate
    ends = _word_ends(text) if _has_cjk(text) else tuple(m.start() for m in re.finditer(r"\s", text))
    for end in reversed(ends):
        if end >= len(text):
            continue
        piece = _drop_dangling_words(_tidy_cut(text[:end]))
        if piece and platform.length(piece) <= limit:
            return piece
    return None


def clause_fragments(text: str) -> list[str]:
    """The clauses of a text (split at Chinese / English clause punctuation), tidied, non-empty."""
    pieces, start = [], 0
    for i in range(len(text)):
        if _is_clause_end(text, i):
            pieces.append(text[start : i + 1])
            start = i + 1
    pieces.append(text[start:])
    return [p for p in (_tidy_cut(piece.strip()).rstrip("。！？；….!?;") for piece in pieces) if p]


def fit_fields(fields: dict[str, list[str]], platform: Platform) -> tuple[dict[str, list[str]], list[str]]:
    """Every value fitted to its field; values that cannot fit are dropped (reported), repeats within a
    field removed, counts capped at the field's maximum. Returns (fields, problems)."""
    fitted: dict[str, list[str]] = {}
    problems: list[str] = []
    for spec in platform.fields:
        values: list[str] = []
        for value in fields.get(spec.name, []):
            fit = fit_text(value, platform, spec.name)
            if fit is None:
                problems.append(f"{spec.name}: {value[:40]!r} cannot be cut to {spec.max_length}")
            elif fit.lower() not in {v.lower() for v in values}:
                values.append(fit)
        fitted[spec.name] = values[: spec.max_count]
    return fitted, problems


def fill_counts(fields: dict[str, list[str]], platform: Platform, pool: list[str]) -> list[str]:
    """Top up fields below their minimum count from `pool` (candidate texts, in preference order),
    each fitted and distinct; returns the fields still short (empty list when all are filled)."""
    short = []
    for spec in platform.fields:
        values = fields.setdefault(spec.name, [])
        for text in pool:
            if len(values) >= spec.min_count:
                break
            fit = fit_text(text, platform, spec.name)
            if fit and fit.lower() not in {v.lower() for v in values}:
                values.append(fit)
        if len(values) < spec.min_count:
            short.append(f"{spec.name}: {len(values)} of at least {spec.min_count}")
    return short
