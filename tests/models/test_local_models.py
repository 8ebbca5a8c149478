"""Local backends on the tiny random Gemma: batching, seeds, the restricted vocabulary, bad words,
PEFT adapters, and clear errors for models that are not there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from adcraft.core import InputError
from adcraft.models import Generator, decoding_defaults, load_causal_lm, load_generator
from adcraft.models.vocab import language_token_ids, token_for_text


@pytest.fixture(scope="module")
def tiny(tiny_model_dir: Path):
    return load_generator(str(tiny_model_dir))


def test_n_completions_per_prompt_from_one_batch(tiny) -> None:
    assert isinstance(tiny, Generator)
    out = tiny.complete(["商品：跑鞋\n文案：", "Product: shoes\nAd:"], n=3, max_new_tokens=6, seed=0)
    assert [len(row) for row in out] == [3, 3]
    assert all(isinstance(text, str) for row in out for text in row)


def test_seeded_sampling_is_reproducible(tiny) -> None:
    prompts = ["商品：跑鞋\n文案："]
    first = tiny.complete(prompts, n=4, max_new_tokens=8, seed=5)
    assert first == tiny.complete(prompts, n=4, max_new_tokens=8, seed=5)
    assert first != tiny.complete(prompts, n=4, max_new_tokens=8, seed=6)


def test_epsilon_cutoff_removes_unlikely_tokens_from_sampling(tiny) -> None:
    # The tiny random model spreads its probability thinly: at cutoff 0.99 only the top token is left
    # (Hugging Face keeps at least one), so sampling walks the greedy path; without it, it does not.
    prompts = ["商品：跑鞋\n文案："]
    greedy = tiny.complete(prompts, n=1, max_new_tokens=8, do_sample=False, repetition_penalty=1.0)[0][0]
    cut = tiny.complete(prompts, n=4, max_new_tokens=8, seed=3, repetition_penalty=1.0, epsilon_cutoff=0.99)
    assert cut == [[greedy] * 4]
    free = tiny.complete(prompts, n=4, max_new_tokens=8, seed=3, repetition_penalty=1.0, temperature=1.0)
    assert free[0] != [greedy] * 4


def test_restricted_vocabulary_emits_only_language_tokens_or_prompt_tokens(tiny) -> None:
    prompt = "商品：跑鞋\n文案："
    rows = tiny.complete_scored([prompt], n=4, max_new_tokens=10, seed=1, language="zh")
    allowed = set(language_token_ids(tiny.tokenizer, "zh").tolist())
    allowed |= set(tiny.tokenizer(prompt).input_ids)
    for text, logprob in rows[0]:
        ids = tiny.tokenizer(text, add_special_tokens=False).input_ids
        assert not re.search(r"[A-Za-z\u3040-\u30ff\uac00-\ud7af]", text), text  # no Latin/kana/hangul
        assert logprob is None or logprob <= 0.0
        assert len(set(ids) - allowed) <= 1  # re-tokenising decoded text may merge one boundary


def _first_token_text(tokenizer, text: str) -> str:
    # The longest prefix that is one vocabulary token: what the model emitted first.
    return next(text[:k] for k in range(len(text), 0, -1) if token_for_text(tokenizer, text[:k]) is not None)


def test_bad_words_are_never_emitted(tiny) -> None:
    # Ban the first token the unconstrained model actually wrote, then sample again with the same seed.
    prompt = ["商品：跑鞋\n文案："]
    first = tiny.complete(prompt, n=2, max_new_tokens=6, seed=2, repetition_penalty=1.0)
    starts = [_first_token_text(tiny.tokenizer, text) for text in first[0]]
    words = [w.strip() for w in starts if w.strip()]
    assert words
    again = tiny.complete(prompt, n=2, max_new_tokens=6, seed=2, repetition_penalty=1.0, bad_words=words)
    assert again != first
    for text in again[0]:
        assert not any(text.startswith((w, " " + w)) for w in words), (words, again)


def test_missing_folder_and_uncached_hub_id_are_input_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    with pytest.raises(InputError, match="does not exist"):
        load_generator(str(tmp_path / "no-such-model"))
    with pytest.raises(InputError, match="local cache"):
        load_generator("someone/not-downloaded-model")


def test_a_file_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(b"x")
    with pytest.raises(InputError, match="is a file"):
        load_generator(str(path))


def test_adapter_folder_loads_base_plus_adapter(tiny_model_dir: Path, tmp_path: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model

    base, _ = load_causal_lm(str(tiny_model_dir))
    peft_model = get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj", "v_proj"],
                                                 task_type="CAUSAL_LM"))
    with torch.no_grad():  # a non-zero adapter, so loading it must change the weights
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.fill_(0.5)
    run_dir = tmp_path / "run"
    peft_model.save_pretrained(run_dir)
    config = json.loads((run_dir / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = str(tiny_model_dir)
    (run_dir / "adapter_config.json").write_text(json.dumps(config))
    (run_dir / "decoding.json").write_text('{"temperature": 0.4}')

    generator = load_generator(str(run_dir))
    fresh, _ = load_causal_lm(str(tiny_model_dir))
    merged = generator.model.state_dict()
    changed = [k for k, v in fresh.state_dict().items() if "q_proj" in k and not torch.equal(v, merged[k])]
    assert changed, "the adapter's weights were merged into the base"
    assert generator.complete(["文案："], n=2, max_new_tokens=4, seed=0)[0]
    assert decoding_defaults(str(run_dir)) == {"temperature": 0.4}


def test_malformed_decoding_json_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "decoding.json").write_text("{oops")
    with pytest.raises(InputError, match="decoding.json"):
        decoding_defaults(str(tmp_path))
    assert decoding_defaults(None) == {}


WRONG_TYPES = [('{"temperature": "hot"}', "'temperature' must be a number"),
               ('{"max_new_tokens": true}', "'max_new_tokens' must be a number"),
               ('{"do_sample": 1}', "'do_sample' must be true or false")]


@pytest.mark.parametrize(("text", "named"), WRONG_TYPES)
def test_decoding_json_values_of_a_wrong_type_are_input_errors(tmp_path: Path, text: str, named: str) -> None:
    (tmp_path / "decoding.json").write_text(text)
    with pytest.raises(InputError, match=named):
        decoding_defaults(str(tmp_path))
    (tmp_path / "decoding.json").write_text('{"temperature": 1, "do_sample": false, "seed": null}')
    assert decoding_defaults(str(tmp_path)) == {"temperature": 1, "do_sample": False, "seed": None}


def test_min_new_tokens_holds_back_stop_tokens(tiny) -> None:
    # Make the model want to stop at once: +100 on every stop token's logit.
    stops = list(tiny._stop_ids)

    def eager_to_stop(_module, _inputs, logits):
        logits[..., stops] += 100.0
        return logits

    hook = tiny.model.get_output_embeddings().register_forward_hook(eager_to_stop)
    try:
        prompt = ["商品：跑鞋\n文案："]
        assert tiny.complete(prompt, n=1, max_new_tokens=12, do_sample=False)[0][0].strip() == ""
        text = tiny.complete(prompt, n=1, max_new_tokens=12, min_new_tokens=5, do_sample=False)[0][0]
    finally:
        hook.remove()
    assert len(tiny.tokenizer(text.strip(), add_special_tokens=False).input_ids) >= 4  # 5, re-tokenised


def test_beam_search_returns_n_beams_without_scores(tiny) -> None:
    prompt = ["商品：跑鞋\n文案："]
    rows = tiny.complete_scored(prompt, n=2, num_beams=3, do_sample=False, max_new_tokens=6, language="zh")
    assert len(rows[0]) == 2 and rows[0][0][0] != rows[0][1][0]  # the two best beams differ
    assert all(score is None for _, score in rows[0])  # beams reorder rows: no per-token score
    again = tiny.complete_scored(prompt, n=2, num_beams=3, do_sample=False, max_new_tokens=6, language="zh")
    assert again == rows


def test_default_tokenizer_saves_without_a_copy_of_the_gguf(default_model_dir: Path, tmp_path: Path) -> None:
    """The converted cache holds tokenizer.json, not also the 253 MB GGUF under the name tokenizer.model,
    and a folder the tokenizer is saved into (run, export) gets the same tokenizer, encoding as before."""
    from transformers import AutoTokenizer

    assert not (default_model_dir / "tokenizer.model").exists()
    tokenizer = AutoTokenizer.from_pretrained(default_model_dir)
    tokenizer.save_pretrained(tmp_path)
    assert not (tmp_path / "tokenizer.model").exists()
    assert sum(f.stat().st_size for f in tmp_path.iterdir()) < 40_000_000  # tokenizer.json is ~32 MB
    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    text = "简约而不简单的牛仔外套 This tent sleeps four."
    assert reloaded(text).input_ids == tokenizer(text).input_ids


def test_favoured_words_raise_the_share_of_their_tokens(tiny) -> None:
    # A random model rarely writes the brief's tokens; a large bias makes them most of what it writes.
    prompt = ["商品：跑鞋\n文案："]
    words = ["网面透气", "白色"]
    favoured = set()
    for word in words:
        favoured |= set(tiny.tokenizer(word, add_special_tokens=False).input_ids)
        favoured |= set(tiny.tokenizer(" " + word, add_special_tokens=False).input_ids)

    def share(rows) -> float:
        ids = [i for text, _ in rows[0] for i in tiny.tokenizer(text, add_special_tokens=False).input_ids]
        return sum(i in favoured for i in ids) / max(1, len(ids))

    plain = tiny.complete_scored(prompt, n=4, max_new_tokens=8, seed=3, language="zh")
    biased = tiny.complete_scored(prompt, n=4, max_new_tokens=8, seed=3, language="zh",
                                  favour_words=words, favour_bias=30.0)
    assert share(biased) > 0.8 > share(plain)
