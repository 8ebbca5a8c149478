"""Consensus (minimum-Bayes-risk) choice among candidate creatives for one brief.

The greedy creative plus N sampled ones are compared pairwise; the one with the highest mean
similarity to the others is kept (MBR decoding, Kumar & Byrne 2004; the utility is the sum of the
two ADGEN metrics, ROUGE-L F1 and BLEU-4). It picks the candidate most of the model's likely
outputs agree with, instead of the single most likely path. On the ADGEN val sample, with the
recipe's epsilon sampling (temperature 1.0, epsilon 0.02), 16 samples gain +0.32 ROUGE-L over greedy
(mean over draws from 48); samples at temperature 0.7 / top-p 0.95 gained +0.15, and 32 of them no
more (see README, "Measured"). Adding greedy creatives of other lengths as candidates made
it worse: near-copies of one creative outvote the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from adcraft.evaluate.metrics import bleu4_units, rouge_f1_words, rouge_words, units


def consensus_index(texts: Sequence[str], language: str) -> int:
    """Index of the text with the highest mean similarity to the other non-empty texts; 0 if tied or alone.

    Similarity of a to b: ROUGE-L F1 + BLEU-4 of a against b. Each text is split into words and
    units once, not once per pair (17 candidates make 272 ordered pairs a row).
    """
    usable = [i for i, text in enumerate(texts) if text.strip()]
    if len(usable) < 2:
        return usable[0] if usable else 0
    words = {i: rouge_words(texts[i], language) for i in usable}
    chars = {i: units(texts[i], language) for i in usable}

    def similarity(i: int, j: int) -> float:
        return rouge_f1_words(words[i], words[j])["rouge-l"] + bleu4_units(chars[i], chars[j])

    best, best_score = usable[0], float("-inf")
    for i in usable:
        score = sum(similarity(i, j) for j in usable if j != i) / (len(usable) - 1)
        if score > best_score:  # strict: the first (greedy) candidate wins ties
            best, best_score = i, score
    return best
