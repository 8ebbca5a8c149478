"""Scoring, ranking and de-duplicating candidate creatives.

score = fluency + coverage + 0.5 * length_use, each term in [0, 1]:

- fluency     = exp(mean token log-probability of the completion) — the geometric-mean probability
                the model gave its own tokens; 0.5 (neutral) when the backend reports no log-probs.
- coverage    = share of the brief's attribute values and must-include words found in the creative
                (1 when the brief has none).
- length_use  = mean over field values of min(1, length / limit): copy that uses the room it has.

Two creatives are near-duplicates when the Jaccard similarity of their character 3-gram sets
(whitespace and punctuation removed, lower-cased) is at least 0.6; the lower-ranked one is dropped.
"""

from __future__ import annotations

import math
import re

from adcraft.core import Brief, Creative, Platform

NEAR_DUPLICATE_JACCARD = 0.6
NGRAM = 3


def _normalise(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def char_ngrams(text: str, n: int = NGRAM) -> set[str]:
    text = _normalise(text)
    if len(text) < n:
        return {text} if text else set()
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def coverage(brief: Brief, text: str) -> float:
    wanted = [v for _, v in brief.attributes] + list(brief.must_include)
    wanted = [_normalise(w) for w in wanted if _normalise(w)]
    if not wanted:
        return 1.0
    haystack = _normalise(text)
    return sum(w in haystack for w in wanted) / len(wanted)


def length_use(creative: Creative, platform: Platform) -> float:
    ratios = [
        min(1.0, platform.length(value) / platform.field(name).max_length)
        for name, values in creative.fields.items()
        for value in values
    ]
    return sum(ratios) / len(ratios) if ratios else 0.0


def score_creative(creative: Creative, brief: Brief, platform: Platform, mean_logprob: float | None) -> None:
    """Fill creative.scores with the terms and the total (see the module docstring)."""
    fluency = math.exp(mean_logprob) if mean_logprob is not None else 0.5
    cov = coverage(brief, creative.text(" "))
    use = length_use(creative, platform)
    creative.scores.update(
        fluency=round(fluency, 4),
        coverage=round(cov, 4),
        length_use=round(use, 4),
        score=round(fluency + cov + 0.5 * use, 4),
    )
    if mean_logprob is not None:
        creative.scores["mean_logprob"] = round(mean_logprob, 4)


def rank_and_dedupe(
    creatives: list[Creative], threshold: float = NEAR_DUPLICATE_JACCARD
) -> tuple[list[Creative], list[tuple[Creative, str]]]:
    """Creatives by descending score, near-duplicates of a better one removed (returned with a reason)."""
    ordered = sorted(creatives, key=lambda c: c.scores.get("score", 0.0), reverse=True)
    kept: list[tuple[Creative, set[str]]] = []
    dropped: list[tuple[Creative, str]] = []
    for creative in ordered:
        grams = char_ngrams(creative.text(" "))
        twin = next(((i, jaccard(grams, g)) for i, (_, g) in enumerate(kept)
                     if jaccard(grams, g) >= threshold), None)
        if twin is not None:
            dropped.append((creative, f"near-duplicate of variant {twin[0] + 1} "
                                      f"(3-gram Jaccard {twin[1]:.2f} >= {threshold})"))
        else:
            kept.append((creative, grams))
    return [c for c, _ in kept], dropped
