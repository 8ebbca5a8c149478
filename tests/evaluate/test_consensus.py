"""Consensus (MBR) choice: the candidate the others agree with wins; the greedy one wins ties."""

from __future__ import annotations

import pytest

from adcraft.core import Brief, InputError
from adcraft.data import Example
from adcraft.evaluate.consensus import consensus_index
from adcraft.evaluate.runner import SAMPLES_PER_CALL, _decode_batch, resolve_decoding

AGREED = "白色纯棉上衣，柔软透气，日常通勤都合适。"


def test_the_text_closest_to_the_others_is_chosen() -> None:
    texts = ["黑色皮鞋，商务正装。", AGREED, "白色纯棉上衣，柔软透气，通勤都合适。",
             "白色上衣，柔软透气，日常都合适。"]
    assert consensus_index(texts, "zh") == 1
    assert consensus_index(["same", "same"], "en") == 0  # tie: the first (greedy) one
    assert consensus_index(["", "  ", "only one"], "en") == 2
    assert consensus_index([], "zh") == 0


class _GreedyIsOdd:
    """Greedy writes an outlier; the samples mostly agree."""

    model_id = "odd"

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def complete(self, prompts, *, n=1, **settings):
        self.calls.append({"n": n, **settings})
        if not settings.get("do_sample"):
            return [["黑色皮鞋，商务正装。"] for _ in prompts]
        return [[AGREED] * (n - 1) + ["红色连衣裙，优雅大方。"] for _ in prompts]


def test_consensus_samples_replace_an_outlying_greedy_creative() -> None:
    brief = Brief(product="上衣", language="zh", platform="generic")
    example = Example(brief=brief, target={"text": [AGREED]})
    generator = _GreedyIsOdd()
    decoding = {"do_sample": False, "temperature": 0.7, "consensus_samples": 4, "seed": 0}
    chosen, candidates = _decode_batch(generator, ["p"], [example], decoding, {})
    assert chosen == [AGREED]
    assert candidates == [["黑色皮鞋，商务正装。", AGREED, AGREED, AGREED, "红色连衣裙，优雅大方。"]]
    assert [call["n"] for call in generator.calls] == [1, 4]
    assert generator.calls[1]["do_sample"] is True and "consensus_samples" not in generator.calls[1]
    # off: only the greedy call, and no candidates
    plain = _GreedyIsOdd()
    assert _decode_batch(plain, ["p"], [example], {"do_sample": False, "consensus_samples": 0}, {}) == (
        ["黑色皮鞋，商务正装。"], [[]])
    assert len(plain.calls) == 1


def test_many_samples_are_drawn_in_calls_of_limited_size_each_with_its_own_seed() -> None:
    brief = Brief(product="上衣", language="zh", platform="generic")
    example = Example(brief=brief, target={"text": [AGREED]})
    generator = _GreedyIsOdd()
    samples = 2 * SAMPLES_PER_CALL + 3
    decoding = {"do_sample": False, "consensus_samples": samples, "seed": 7}
    _, candidates = _decode_batch(generator, ["p", "q"], [example, example], decoding, {})
    sampling = generator.calls[1:]
    assert [call["n"] for call in sampling] == [SAMPLES_PER_CALL, SAMPLES_PER_CALL, 3]
    assert [call["seed"] for call in sampling] == [7, 8, 9]  # the first call is the one a single call makes
    assert generator.calls[0]["seed"] == 7
    assert [len(row) for row in candidates] == [1 + samples, 1 + samples]


@pytest.mark.parametrize(("key", "value"), [("consensus_samples", -1), ("min_new_tokens", -5),
                                            ("num_beams", 0), ("max_new_tokens", 0)])
def test_out_of_range_decoding_is_an_input_error(key: str, value: int) -> None:
    with pytest.raises(InputError, match=key.replace("_", "-")):
        resolve_decoding(None, {key: value})
