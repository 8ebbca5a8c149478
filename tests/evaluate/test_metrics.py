"""Metrics against values worked out by hand from the formulas (Chinese and English)."""

from __future__ import annotations

import math

import pytest

from adcraft.core import InputError
from adcraft.evaluate import bleu4, distinct_n, repeated_ngram_rate, rouge_f1, row_scores, text_metrics
from adcraft.evaluate.metrics import rouge_words

EPS = 1e-4  # rouge-chinese adds 1e-8 to the F1 denominator
ZERO = {"bleu-4": 0.0, "rouge-1": 0.0, "rouge-2": 0.0, "rouge-l": 0.0}
HUNDRED = {"bleu-4": 100.0, "rouge-1": 100.0, "rouge-2": 100.0, "rouge-l": 100.0}


def test_identical_chinese_scores_100_and_disjoint_scores_0() -> None:
    same = row_scores("白色纯棉上衣，柔软透气。", "白色纯棉上衣，柔软透气。", "zh")
    assert same == pytest.approx(HUNDRED, abs=EPS)
    disjoint = row_scores("甲乙丙丁", "这款外套很好看", "zh")
    assert disjoint == ZERO


def test_chinese_bleu_on_characters_worked_by_hand() -> None:
    # hyp 这款外套很好看 / ref 这款裙子很好看, characters:
    # 1-grams 5/7 (这 款 很 好 看), 2-grams 3/6 (这款 很好 好看), 3-grams 1/5 (很好看),
    # 4-grams 0/4 -> method3 gives 1 / (2^1 * 4); brevity penalty 1 (equal lengths).
    expected = 100 * (5 / 7 * 3 / 6 * 1 / 5 * 1 / 8) ** 0.25
    assert bleu4("这款外套很好看", "这款裙子很好看", "zh") == pytest.approx(expected, rel=1e-9)


def test_chinese_bleu_brevity_penalty_worked_by_hand() -> None:
    # hyp 很好看 (3 chars) / ref 这款外套很好看 (7): p1 = p2 = p3 = 1, no 4-gram -> method3 1/2;
    # BP = exp(1 - 7/3).
    expected = 100 * math.exp(1 - 7 / 3) * 0.5 ** 0.25
    assert bleu4("很好看", "这款外套很好看", "zh") == pytest.approx(expected, rel=1e-9)


def test_chinese_rouge_on_jieba_words_worked_by_hand() -> None:
    hyp, ref = "这款外套很好看", "这款裙子很好看"
    assert rouge_words(hyp, "zh") == ["这", "款", "外套", "很", "好看"]
    assert rouge_words(ref, "zh") == ["这", "款", "裙子", "很", "好看"]
    # unigrams shared 4 of 5 on each side -> F1 0.8; bigrams (这 款)(很 好看) 2 of 4 -> 0.5;
    # LCS 这 款 很 好看 = 4 -> 0.8
    scores = rouge_f1(hyp, ref, "zh")
    assert scores == pytest.approx({"rouge-1": 80.0, "rouge-2": 50.0, "rouge-l": 80.0}, abs=EPS)


def test_english_is_word_level_bleu_case_kept_rouge_lowercased() -> None:
    hyp, ref = "The red coat is warm.", "the red coat is warm"
    # word tokens: hyp The red coat is warm . (6), ref the red coat is warm (5); BP 1 (hyp longer)
    # 1-grams 4/6, 2-grams 3/5, 3-grams 2/4, 4-grams 1/3
    expected = 100 * (4 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25
    assert bleu4(hyp, ref, "en") == pytest.approx(expected, rel=1e-9)
    # ROUGE drops punctuation and case: the same five words
    assert rouge_f1(hyp, ref, "en") == pytest.approx({"rouge-1": 100.0, "rouge-2": 100.0, "rouge-l": 100.0},
                                                     abs=EPS)
    # 2 of 3 words shared (warm, coat): R1 = 2/3 both ways; no shared bigram; LCS "warm coat" = 2
    partial = rouge_f1("warm red coat", "warm wool coat", "en")
    assert partial == pytest.approx({"rouge-1": 200 / 3, "rouge-2": 0.0, "rouge-l": 200 / 3}, abs=EPS)
    assert row_scores("blue hat", "green shoes", "en") == ZERO


def test_empty_hypothesis_scores_zero_without_error() -> None:
    assert row_scores("", "这款外套很好看", "zh") == ZERO
    assert row_scores("  ", "a coat", "en")["rouge-l"] == 0.0


def test_text_metrics_average_per_row_and_diversity() -> None:
    hyps = ["好好好好好好好好", "这款外套"]
    refs = ["好好好好好好好好", "甲乙丙丁"]
    metrics = text_metrics(hyps, refs, "zh")
    # row 1 identical (100), row 2 disjoint (0) -> mean 50
    assert metrics["bleu-4"] == pytest.approx(50.0, abs=EPS)
    assert metrics["rouge-l"] == pytest.approx(50.0, abs=EPS)
    # characters: 12 unigrams, distinct 好 这 款 外 套 = 5; 10 bigrams, distinct 好好 这款 款外 外套 = 4
    assert metrics["distinct-1"] == pytest.approx(100 * 5 / 12)
    assert metrics["distinct-2"] == pytest.approx(100 * 4 / 10)
    # row 1: five 4-grams all 好好好好 -> 4 repeats of 5 = 80; row 2: one 4-gram, none repeated -> 0
    assert metrics["rep-4"] == pytest.approx(40.0)
    assert metrics["mean_len"] == pytest.approx(6.0)


def test_distinct_and_repetition_on_words() -> None:
    tokens = "buy now buy now buy now".split()
    assert repeated_ngram_rate(tokens, 4) == pytest.approx(100 * 1 / 3)  # (buy now buy now) twice of 3
    assert distinct_n([tokens], 2) == pytest.approx(100 * 2 / 5)
    assert distinct_n([[]], 1) == 0.0


def test_unknown_language_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown language 'fr'"):
        text_metrics(["a"], ["a"], "fr")
