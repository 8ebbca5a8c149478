"""Restricting the output vocabulary: the cheap way through Gemma's 262,144-token output layer.

Decoding cost on a CPU is dominated by the output layer (a 640 x 262,144 matrix, ~60% of the
model's weights) and by sampling over its logits (top-p sorts the whole row). A Chinese ad only
needs CJK characters, digits and punctuation (~20k tokens), plus whatever the prompt itself holds
(brand names, model numbers). So for the duration of one `generate` call the model is given a
sub-vocabulary: its output layer keeps only those rows, and its input embedding maps sub-ids back
to full ids. Everything else in Hugging Face `generate` (sampling, repetition penalty, bad words)
works unchanged in the sub-id space; the caller maps the sampled ids back.

This is exactly sampling from the full model's distribution with every other token's logit set to
-inf, i.e. a hard language constraint, at a fraction of the cost. See bench/generate_speed.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

# Tokens a creative in this language may contain (the prompt's own tokens are always added).
_LANGUAGE_TOKEN_PATTERNS = {
    "zh": re.compile(
        r"^[\s\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff01-\uff5e0-9.,!?%:;()\-+“”‘’…—·、]+$"
    ),
    "en": re.compile(r"^[\s\nA-Za-z0-9.,!?%:;()'\"&/+\-–—’]+$"),
}


_LANGUAGE_IDS: dict[tuple[int, str], torch.Tensor] = {}
_DECODED: dict[int, list[str]] = {}
_BY_TEXT: dict[int, dict[str, int]] = {}


def decoded_vocabulary(tokenizer) -> list[str]:
    """Each token id's text (~0.5 s once per tokenizer)."""
    key = id(tokenizer)
    if key not in _DECODED:
        _DECODED[key] = tokenizer.batch_decode([[i] for i in range(len(tokenizer))])
    return _DECODED[key]


def token_for_text(tokenizer, text: str) -> int | None:
    """The single token whose text is exactly `text`, if the vocabulary has one. The model may emit
    it even where the tokenizer would split the same text into pieces."""
    key = id(tokenizer)
    if key not in _BY_TEXT:
        by_text: dict[str, int] = {}
        for i, t in enumerate(decoded_vocabulary(tokenizer)):
            by_text.setdefault(t, i)
        _BY_TEXT[key] = by_text
    return _BY_TEXT[key].get(text)


def language_token_ids(tokenizer, language: str) -> torch.Tensor | None:
    """Ids of the tokens that can appear in ad copy in `language`; None if no rule for it."""
    pattern = _LANGUAGE_TOKEN_PATTERNS.get(language)
    if pattern is None:
        return None
    key = (id(tokenizer), language)
    if key not in _LANGUAGE_IDS:
        decoded = decoded_vocabulary(tokenizer)
        _LANGUAGE_IDS[key] = torch.tensor([i for i, t in enumerate(decoded) if t and pattern.match(t)])
    return _LANGUAGE_IDS[key]


class SubVocabulary:
    """A sorted set of kept token ids and the map from full ids to positions in it."""

    def __init__(self, keep: torch.Tensor, full_size: int) -> None:
        self.keep = torch.unique(keep.long())  # sorted
        self.to_sub = torch.full((full_size,), -1, dtype=torch.long)
        self.to_sub[self.keep] = torch.arange(len(self.keep))

    def __len__(self) -> int:
        return len(self.keep)

    def encode(self, full_ids: torch.Tensor) -> torch.Tensor:
        return self.to_sub[full_ids]

    def decode(self, sub_ids: torch.Tensor) -> torch.Tensor:
        return self.keep[sub_ids]

    def encode_sequence(self, full_ids: list[int]) -> list[int] | None:
        """A token sequence in sub-ids, or None if some token is outside (it can never be emitted)."""
        sub = [int(self.to_sub[i]) for i in full_ids]
        return None if any(i < 0 for i in sub) else sub


class _RemappedEmbedding(nn.Module):
    """The full input embedding, addressed by sub-vocabulary ids."""

    def __init__(self, embedding: nn.Module, keep: torch.Tensor) -> None:
        super().__init__()
        self.embedding = embedding
        self.register_buffer("keep", keep, persistent=False)

    @property
    def weight(self) -> torch.Tensor:  # some code paths read embedding.weight for dtype / device
        return self.embedding.weight

    def forward(self, sub_ids: torch.Tensor) -> torch.Tensor:
        return self.embedding(self.keep[sub_ids])


@contextmanager
def restricted_vocabulary(model, vocab: SubVocabulary) -> Iterator[None]:
    """Within the block, `model` reads and writes sub-vocabulary ids (see module docstring)."""
    embedding = model.get_input_embeddings()
    head = model.get_output_embeddings()
    # Built on the meta device: no throw-away random init of a K x hidden matrix on every call.
    sub_head = nn.Linear(head.weight.shape[1], len(vocab), bias=False, device="meta")
    sub_head.weight = nn.Parameter(head.weight.detach()[vocab.keep], requires_grad=False)
    # Beam search reshapes the scores by the config's vocabulary size, not by the logits' width.
    text_config = model.config.get_text_config()
    full_size = text_config.vocab_size
    model.set_input_embeddings(_RemappedEmbedding(embedding, vocab.keep))
    model.set_output_embeddings(sub_head)
    text_config.vocab_size = len(vocab)
    try:
        yield
    finally:
        text_config.vocab_size = full_size
        model.set_input_embeddings(embedding)
        model.set_output_embeddings(head)
