"""Text metrics, with AdvertiseGen's published convention for Chinese.

Chinese (as ChatGLM-6B's P-Tuning v2 `main.py` and LLaMA-Factory score ADGEN):

- BLEU-4 on characters: `nltk.sentence_bleu([list(ref)], list(hyp), smoothing_function=
  SmoothingFunction().method3)` with the default weights (0.25, 0.25, 0.25, 0.25);
- ROUGE-1 / ROUGE-2 / ROUGE-L F1 on jieba words: `Rouge().get_scores(' '.join(jieba.cut(hyp)),
  ' '.join(jieba.cut(ref)))` from `rouge-chinese`; an empty hypothesis or reference scores 0;
- each metric x 100 per row, then averaged over rows.

English uses the word-level equivalents: BLEU-4 on word tokens (`\\w+` runs and single punctuation
marks, case kept), ROUGE on lower-cased alphanumeric words.

Diversity and degeneration, on characters for Chinese and word tokens for English:
`distinct-n` = distinct n-grams / all n-grams over all hypotheses (Li et al., 2016) x 100;
`rep-4` = per hypothesis the share of 4-grams that repeat an earlier 4-gram of the same text,
averaged x 100 (the phrase loops that small models fall into).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache

from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
from rouge_chinese import Rouge

from adcraft.core import InputError

ROW_METRICS = ("bleu-4", "rouge-1", "rouge-2", "rouge-l")
_WORD = re.compile(r"\w+|[^\w\s]")
_ALNUM = re.compile(r"\w+")
_SMOOTHING = SmoothingFunction().method3
_ROUGE = Rouge()


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it logs its dictionary build on first use
    return jieba


def check_language(language: str) -> str:
    if language not in ("zh", "en"):
        raise InputError(f"unknown language {language!r} for metrics; use 'zh' or 'en'")
    return language


def units(text: str, language: str) -> list[str]:
    """The units BLEU and diversity count: characters for Chinese, word tokens for English."""
    return list(text) if language == "zh" else _WORD.findall(text)


def rouge_words(text: str, language: str) -> list[str]:
    """The words ROUGE counts: jieba words for Chinese, lower-cased alphanumeric words for English."""
    if language == "zh":
        return [w for w in _jieba().cut(text) if w.strip()]
    return [w.lower() for w in _ALNUM.findall(text)]


def bleu4(hypothesis: str, reference: str, language: str = "zh") -> float:
    """Sentence BLEU-4 x 100 with smoothing method 3; 0 when either side is empty."""
    return bleu4_units(units(hypothesis, language), units(reference, language))


def bleu4_units(hyp: Sequence[str], ref: Sequence[str]) -> float:
    """`bleu4` of texts already split by `units` (to split each text once when comparing many)."""
    if not hyp or not ref:
        return 0.0
    return 100.0 * sentence_bleu([ref], hyp, smoothing_function=_SMOOTHING)


def rouge_f1(hypothesis: str, reference: str, language: str = "zh") -> dict[str, float]:
    """ROUGE-1 / ROUGE-2 / ROUGE-L F1 x 100 from `rouge-chinese`; zeros when either side is empty."""
    return rouge_f1_words(rouge_words(hypothesis, language), rouge_words(reference, language))


def rouge_f1_words(hyp: Sequence[str], ref: Sequence[str]) -> dict[str, float]:
    """`rouge_f1` of texts already split by `rouge_words`."""
    if not hyp or not ref:
        return {"rouge-1": 0.0, "rouge-2": 0.0, "rouge-l": 0.0}
    scores = _ROUGE.get_scores(" ".join(hyp), " ".join(ref))[0]
    return {name: 100.0 * scores[name]["f"] for name in ("rouge-1", "rouge-2", "rouge-l")}


def row_scores(hypothesis: str, reference: str, language: str = "zh") -> dict[str, float]:
    """BLEU-4 and ROUGE-1/2/L of one row, each x 100."""
    check_language(language)
    return {"bleu-4": bleu4(hypothesis, reference, language), **rouge_f1(hypothesis, reference, language)}


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def distinct_n(token_lists: Sequence[Sequence[str]], n: int) -> float:
    """Distinct n-grams over all n-grams of all texts, x 100 (0 when there is no n-gram)."""
    grams = [g for tokens in token_lists for g in ngrams(tokens, n)]
    return 100.0 * len(set(grams)) / len(grams) if grams else 0.0


def repeated_ngram_rate(tokens: Sequence[str], n: int = 4) -> float:
    """Share x 100 of a text's n-grams that already occurred earlier in the same text."""
    grams = ngrams(tokens, n)
    return 100.0 * (len(grams) - len(set(grams))) / len(grams) if grams else 0.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def aggregate(hypotheses: Sequence[str], references: Sequence[str],
              languages: Sequence[str]) -> tuple[dict[str, float], list[dict[str, float]]]:
    """(averaged metrics, per-row scores) for rows that may differ in language."""
    if not (len(hypotheses) == len(references) == len(languages)):
        raise ValueError("hypotheses, references and languages must have the same length")
    rows = [row_scores(h, r, lang) for h, r, lang in zip(hypotheses, references, languages, strict=True)]
    token_lists = [units(h, lang) for h, lang in zip(hypotheses, languages, strict=True)]
    metrics = {name: _mean([row[name] for row in rows]) for name in ROW_METRICS}
    metrics["distinct-1"] = distinct_n(token_lists, 1)
    metrics["distinct-2"] = distinct_n(token_lists, 2)
    metrics["rep-4"] = _mean([repeated_ngram_rate(tokens, 4) for tokens in token_lists])
    metrics["mean_len"] = _mean([len(h) for h in hypotheses])
    metrics["ref_mean_len"] = _mean([len(r) for r in references])
    return metrics, rows


def text_metrics(hypotheses: list[str], references: list[str], language: str) -> dict[str, float]:
    """bleu-4, rouge-1/2/l (x 100, per row averaged, ADGEN convention), distinct-1/2, rep-4 (x 100),
    mean_len and ref_mean_len (characters)."""
    check_language(language)
    metrics, _ = aggregate(hypotheses, references, [language] * len(hypotheses))
    return metrics
