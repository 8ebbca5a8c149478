"""Local Hugging Face models: the packaged default, an HF id in the local cache, a folder, a PEFT adapter.

Nothing here downloads: every load is `local_files_only`, so a missing model is a clear InputError
instead of a hang or a surprise download.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from contextlib import nullcontext
from pathlib import Path

import torch

from adcraft.core.errors import InputError
from adcraft.models.base import CompletesFromScored
from adcraft.models.default import DEFAULT_MODEL_ID, GEMMA
from adcraft.models.packaged import PackagedModel, ensure_packaged_model
from adcraft.models.smollm2 import SMOLLM2
from adcraft.models.vocab import (
    SubVocabulary,
    language_token_ids,
    restricted_vocabulary,
    token_for_text,
)

DEFAULT_ALIASES = {None, "", "default", DEFAULT_MODEL_ID}
# Every spec that names a packaged model (a GGUF in a PyPI package, converted once into a cache).
PACKAGED_MODELS: dict[str, PackagedModel] = {
    alias: model for model in (GEMMA, SMOLLM2) for alias in model.aliases
}


def packaged_model(spec: str | None) -> PackagedModel | None:
    """The packaged model `spec` names (None / "" / "default" is Gemma), or None."""
    if spec in DEFAULT_ALIASES:
        return GEMMA
    return PACKAGED_MODELS.get(str(spec).lower())


class _DropMistralRegexWarning(logging.Filter):
    # transformers 4.57 warns about a Mistral tokenizer regex for every local tokenizer.json it
    # cannot attribute to a model type; Gemma's tokenizer is unaffected, so the warning is noise.
    def filter(self, record: logging.LogRecord) -> bool:
        return "incorrect regex pattern" not in record.getMessage()


logging.getLogger("transformers.tokenization_utils_base").addFilter(_DropMistralRegexWarning())
torch.set_num_threads(os.cpu_count() or 1)


def resolve_model_path(spec: str | None) -> str:
    """A loadable folder or cached HF id for `spec`; InputError naming the spec if there is none."""
    packaged = packaged_model(spec)
    if packaged is not None:
        return str(ensure_packaged_model(packaged))
    assert spec is not None
    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir():
            raise InputError(f"model {spec!r} is a file; pass the folder holding config.json (or an adapter)")
        return str(path)
    if spec.startswith((".", "/", "~")) or spec.count("/") > 1:
        raise InputError(f"model folder {spec!r} does not exist; pass an existing folder or a cached HF id")
    from huggingface_hub import try_to_load_from_cache

    if not isinstance(try_to_load_from_cache(spec, "config.json"), str):
        raise InputError(
            f"model {spec!r} is neither a folder nor a Hugging Face id in the local cache "
            f"(HF_HOME); fetch it once with `huggingface-cli download {spec}` or pass a folder"
        )
    return spec


def is_adapter_dir(spec: str | None) -> bool:
    return bool(spec) and (Path(str(spec)).expanduser() / "adapter_config.json").is_file()


def load_causal_lm(model: str | None = None, *, merge_adapter: bool = True):
    """(model, tokenizer) for a spec: None/"default"/"gemma-3-270m", "smollm2" (packaged models), a
    folder, a cached HF id, or an adapter folder (base from its adapter_config.json, merged unless
    merge_adapter=False)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if is_adapter_dir(model):
        return _load_adapter(str(model), merge_adapter)
    source = resolve_model_path(model)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
        lm = AutoModelForCausalLM.from_pretrained(source, local_files_only=True, dtype=torch.float32)
    except (OSError, ValueError) as exc:
        raise InputError(f"could not load model {model!r} from {source}: {exc}") from None
    lm.eval()
    _ensure_pad_token(tokenizer, lm)
    return lm, tokenizer


def _load_adapter(folder: str, merge: bool):
    from peft import PeftModel
    from transformers import AutoTokenizer

    adapter_dir = Path(folder).expanduser()
    try:
        config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{adapter_dir / 'adapter_config.json'} is not readable JSON: {exc}") from None
    base_spec = config.get("base_model_name_or_path") or DEFAULT_MODEL_ID
    base, tokenizer = load_causal_lm(base_spec)
    if (adapter_dir / "tokenizer_config.json").is_file():
        tokenizer = AutoTokenizer.from_pretrained(str(adapter_dir), local_files_only=True)
        _ensure_pad_token(tokenizer, base)
    try:
        lm = PeftModel.from_pretrained(base, str(adapter_dir))
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError(f"could not load the adapter in {adapter_dir} onto {base_spec!r}: {exc}") from None
    if merge:
        lm = lm.merge_and_unload()
    lm.eval()
    return lm, tokenizer


def _ensure_pad_token(tokenizer, lm) -> None:
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"  # decoder-only batches pad on the left
    if getattr(lm, "generation_config", None) is not None and lm.generation_config.pad_token_id is None:
        lm.generation_config.pad_token_id = tokenizer.pad_token_id


class _ChosenTokenLogProbs:
    """A logits processor that records the log-probability of each sampled token.

    At step t it sees the token chosen at step t-1 (the last column of input_ids), so it scores it
    against the distribution it kept from step t-1. It runs after repetition penalty and bad-word
    masking, before temperature and top-p: the score is the model's (penalised) log-probability.
    """

    def __init__(self) -> None:
        self.previous: torch.Tensor | None = None
        self.steps: list[torch.Tensor] = []

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        self._score(input_ids[:, -1])
        self.previous = torch.log_softmax(scores.float(), dim=-1)
        return scores

    def _score(self, chosen: torch.Tensor) -> None:
        if self.previous is not None:
            self.steps.append(self.previous.gather(1, chosen[:, None]).squeeze(1))

    def finish(self, last_tokens: torch.Tensor) -> torch.Tensor:
        self._score(last_tokens)
        return torch.stack(self.steps, dim=1) if self.steps else torch.zeros(len(last_tokens), 0)


class HFGenerator(CompletesFromScored):
    """A local causal LM behind the Generator protocol; all prompts and variants in one generate call."""

    favours_words = True  # complete_scored takes favour_words / favour_bias (a per-token logit bias)

    def __init__(self, model, tokenizer, model_id: str, *, restrict_vocab: bool = True) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.model_id = model_id
        self.restrict_vocab = restrict_vocab
        self._lock = threading.Lock()  # one generate at a time: it already uses every core
        specials = [tokenizer.eos_token_id, tokenizer.pad_token_id, tokenizer.bos_token_id]
        self._special_ids = [int(i) for i in specials if i is not None]
        # A blank line ends a creative: stop there instead of decoding the rest of max_new_tokens.
        self._stop_ids = [tokenizer.eos_token_id] + [
            i for i, t in enumerate(tokenizer.convert_ids_to_tokens(list(range(min(len(tokenizer), 4096)))))
            if t and set(t) == {"\n"} and len(t) >= 2
        ]

    def complete_scored(
        self,
        prompts: list[str],
        *,
        n: int = 1,
        max_new_tokens: int = 128,
        min_new_tokens: int = 0,
        temperature: float = 0.8,
        top_p: float = 0.95,
        epsilon_cutoff: float = 0.0,
        repetition_penalty: float = 1.1,
        no_repeat_ngram_size: int = 0,
        do_sample: bool = True,
        num_beams: int = 1,
        seed: int | None = None,
        bad_words: list[str] | None = None,
        language: str | None = None,
        favour_words: list[str] | None = None,
        favour_bias: float = 0.0,
    ) -> list[list[tuple[str, float | None]]]:
        """For each prompt, n (completion, mean token log-prob) pairs from ONE batched generate.
        `favour_words` (the brief's own words) get `favour_bias` added to their tokens' logits."""
        if not prompts:
            return []
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=True)
        input_ids, attention_mask = batch["input_ids"], batch["attention_mask"]
        vocab = self._sub_vocabulary(input_ids, language)
        pad_id = self.tokenizer.pad_token_id
        stop_ids = list(self._stop_ids)
        if vocab is not None:
            input_ids = vocab.encode(input_ids)
            pad_id = int(vocab.encode(torch.tensor(pad_id)))
            stop_ids = [int(i) for i in vocab.encode(torch.tensor(stop_ids)) if i >= 0]
        # Beam search reorders its rows every step, so per-token scores would not line up with the
        # returned sequences: its completions carry no log-probability.
        beams = max(num_beams, n) if num_beams > 1 else 1
        recorder = _ChosenTokenLogProbs() if beams == 1 else None
        options = dict(
            max_new_tokens=max_new_tokens,
            # Stop tokens are held back for the first min_new_tokens: greedy decoding otherwise ends
            # a creative at the first likely full stop, well short of the copy it was trained on.
            min_new_tokens=min(min_new_tokens, max_new_tokens) or None,
            do_sample=do_sample,
            num_return_sequences=n,
            num_beams=beams,
            repetition_penalty=repetition_penalty,
            no_repeat_ngram_size=no_repeat_ngram_size or None,
            pad_token_id=pad_id,
            eos_token_id=stop_ids,
            bad_words_ids=self._bad_word_ids(bad_words or [], vocab),
            sequence_bias=self._favoured_ids(favour_words or [], favour_bias, vocab),
            logits_processor=[recorder] if recorder else [],
        )
        if do_sample:
            options.update(temperature=temperature, top_p=top_p, top_k=0)
            if epsilon_cutoff > 0:  # epsilon sampling: drop every token under this probability
                options.update(epsilon_cutoff=epsilon_cutoff)
        with self._lock, torch.inference_mode():
            if seed is not None:
                torch.manual_seed(seed)
            with restricted_vocabulary(self.model, vocab) if vocab is not None else nullcontext():
                out = self.model.generate(input_ids=input_ids, attention_mask=attention_mask, **options)
        new_tokens = out[:, input_ids.shape[1]:]
        logprobs = recorder.finish(new_tokens[:, -1]) if recorder and new_tokens.shape[1] else None
        if vocab is not None:
            new_tokens = vocab.decode(new_tokens)
        return self._rows(new_tokens, logprobs, len(prompts), n)

    def _rows(self, tokens: torch.Tensor, logprobs: torch.Tensor | None, n_prompts: int, n: int):
        # Count a token up to and including the first stop token; the rest is padding.
        stop = torch.isin(tokens, torch.tensor(self._stop_ids + [self.tokenizer.pad_token_id]))
        valid = (torch.cumsum(stop.int(), dim=1) - stop.int()) == 0
        results: list[tuple[str, float | None]] = []
        for row in range(tokens.shape[0]):
            text = self.tokenizer.decode(tokens[row][valid[row]], skip_special_tokens=True)
            mean = None
            if logprobs is not None and valid[row].any():
                mean = float(logprobs[row][valid[row][: logprobs.shape[1]]].mean())
            results.append((text, mean))
        return [results[i * n:(i + 1) * n] for i in range(n_prompts)]

    def _sub_vocabulary(self, input_ids: torch.Tensor, language: str | None) -> SubVocabulary | None:
        if not self.restrict_vocab or language is None:
            return None
        allowed = language_token_ids(self.tokenizer, language)
        full_size = self.model.get_output_embeddings().weight.shape[0]
        if allowed is None or len(allowed) == 0 or len(self.tokenizer) > full_size:
            return None
        allowed = allowed[allowed < full_size]
        keep = torch.cat([allowed, input_ids.flatten(), torch.tensor(self._special_ids + self._stop_ids)])
        return SubVocabulary(keep, full_size)

    def _favoured_ids(self, words: list[str], bias: float,
                      vocab: SubVocabulary | None) -> dict[tuple[int, ...], float] | None:
        """Every token of the words (alone and after a space), each as a one-token sequence bias."""
        if bias == 0 or not words:
            return None
        ids: set[int] = set()
        for word in {w.strip() for w in words if w.strip()}:
            for variant in (word, " " + word):
                ids.update(self.tokenizer(variant, add_special_tokens=False).input_ids)
        ids -= set(self._special_ids)
        encoded = [int(i) for i in vocab.encode(torch.tensor(sorted(ids)))] if vocab is not None else ids
        return {(i,): bias for i in encoded if i >= 0} or None

    def _bad_word_ids(self, words: list[str], vocab: SubVocabulary | None) -> list[list[int]] | None:
        sequences: list[list[int]] = []
        for word in {w.strip() for w in words if w.strip()}:
            for variant in (word, " " + word):
                single = token_for_text(self.tokenizer, variant)
                for ids in (self.tokenizer(variant, add_special_tokens=False).input_ids,
                            [single] if single is not None else []):
                    if ids and vocab is not None:
                        ids = vocab.encode_sequence(ids)
                    if ids and ids not in sequences:
                        sequences.append(ids)
        return sequences or None
