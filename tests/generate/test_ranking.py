"""Near-duplicate removal and the stated ranking score."""

from __future__ import annotations

import math

from adcraft.core import Brief, Creative, get_platform
from adcraft.generate import char_ngrams, jaccard, rank_and_dedupe, score_creative


def _creative(text: str, score: float) -> Creative:
    return Creative(platform="generic", fields={"text": [text]}, scores={"score": score})


def test_near_duplicates_are_removed_keeping_the_better_one() -> None:
    best = _creative("白色牛仔外套，简约百搭，春季新款", 2.0)
    twin = _creative("白色牛仔外套，简约百搭，春季新款！", 1.0)  # punctuation differs only
    other = _creative("轻盈透气的跑鞋，长跑不累脚", 1.5)
    kept, dropped = rank_and_dedupe([twin, other, best])
    assert kept == [best, other]
    assert dropped[0][0] is twin and "near-duplicate of variant 1" in dropped[0][1]


def test_jaccard_of_character_trigrams() -> None:
    assert jaccard(char_ngrams("abcd"), char_ngrams("abcd")) == 1.0
    assert jaccard(char_ngrams("abcd"), char_ngrams("wxyz")) == 0.0
    assert math.isclose(jaccard(char_ngrams("abcde"), char_ngrams("abcdx")), 2 / 4)


def test_score_is_fluency_plus_coverage_plus_half_length_use() -> None:
    platform = get_platform("taobao_title")
    brief = Brief.from_adgen("类型#上衣*材质#牛仔布", platform="taobao_title")
    creative = Creative(platform="taobao_title", fields={"title": ["牛仔布上衣"]})  # 10 of 60 units
    score_creative(creative, brief, platform, mean_logprob=math.log(0.25))
    assert creative.scores["fluency"] == 0.25
    assert creative.scores["coverage"] == 1.0
    assert math.isclose(creative.scores["length_use"], 10 / 60, abs_tol=1e-4)
    assert math.isclose(creative.scores["score"], 0.25 + 1.0 + 0.5 * 10 / 60, abs_tol=1e-3)


def test_missing_log_probs_score_neutral_fluency() -> None:
    platform = get_platform("generic")
    brief = Brief(product="跑鞋", attributes=["颜色#红色"])
    creative = Creative(platform="generic", fields={"text": ["蓝色跑鞋"]})
    score_creative(creative, brief, platform, mean_logprob=None)
    assert creative.scores["fluency"] == 0.5 and creative.scores["coverage"] == 0.0
