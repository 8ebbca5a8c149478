"""Examples to token ids, and the seeded, length-grouped order in which the trainer sees them.

Each example becomes `prompt ids + creative ids + eos`, where the prompt is exactly what
`adcraft.generate` sends at generation time (`build_prompt`, tokenised alone, with BOS) and the
creative is `format_target`; only the creative's tokens (and eos) carry loss, less (with
`mask_placeholders`) the tokens that overlap a data placeholder such as `<UNK>` or `BRAND`.

The order of micro-batches is a pure function of (seed, epoch): a resumed run recomputes it and
skips the batches it has already done, so it sees the same data in the same order as a run that was
never interrupted.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import torch

from adcraft.core import get_platform
from adcraft.core.errors import InputError
from adcraft.data import PLACEHOLDER

IGNORE = -100


def prompt_and_target(example) -> tuple[str, str]:
    """The (prompt, target) texts of an example, in the generator's format."""
    from adcraft.generate import build_prompt, format_target

    return build_prompt(example.brief), format_target(example.target, get_platform(example.brief.platform))


@dataclass(frozen=True)
class TokenizedExample:
    input_ids: list[int]
    prompt_len: int  # positions before this one carry no loss
    no_loss: tuple[int, ...] = ()  # positions in the creative that carry no loss either (placeholders)

    @property
    def n_target(self) -> int:
        return len(self.input_ids) - self.prompt_len


def placeholder_tokens(text: str, offsets: list[tuple[int, int]]) -> list[int]:
    """Indices of the tokens (by their character offsets in `text`) that overlap a data placeholder."""
    spans = [m.span() for m in PLACEHOLDER.finditer(text)]
    return [i for i, (start, end) in enumerate(offsets)
            if any(start < span_end and span_start < end for span_start, span_end in spans)]


def tokenize_examples(
    examples, tokenizer, max_length: int, what: str = "training data", mask_placeholders: bool = False
) -> list[TokenizedExample]:
    """Token ids per example; the creative is cut (never the prompt) to fit max_length."""
    if mask_placeholders and not getattr(tokenizer, "is_fast", False):
        raise InputError("--mask-placeholders needs a fast tokenizer (character offsets); "
                         "use a model with a tokenizer.json, or drop the option")
    eos = tokenizer.eos_token_id
    out = []
    for example in examples:
        prompt, target = prompt_and_target(example)
        prompt_ids = tokenizer(prompt, add_special_tokens=True)["input_ids"]
        encoded = tokenizer(target, add_special_tokens=False, return_offsets_mapping=mask_placeholders)
        target_ids = encoded["input_ids"] + [eos]
        if len(prompt_ids) >= max_length - 1:
            continue  # nothing left to learn from; counted below
        ids = (prompt_ids + target_ids)[:max_length]
        no_loss: tuple[int, ...] = ()
        if mask_placeholders:
            masked = placeholder_tokens(target, encoded["offset_mapping"])
            no_loss = tuple(len(prompt_ids) + i for i in masked if len(prompt_ids) + i < len(ids))
        out.append(TokenizedExample(ids, len(prompt_ids), no_loss))
    if not out:
        raise InputError(
            f"{what}: no example fits in max_length={max_length} tokens with room for the creative; "
            "raise --max-length"
        )
    return out


def target_token_ids(tokenized: list[TokenizedExample]) -> set[int]:
    return {i for ex in tokenized for i in ex.input_ids[ex.prompt_len :]}


class LengthGroupedOrder:
    """Micro-batches of similar length in a seeded random order, epoch after epoch.

    Shuffle, cut into windows of `group` batches, sort each window by length, cut into batches,
    shuffle the batches: little padding, yet every epoch a different mix.
    """

    def __init__(self, lengths: list[int], batch_size: int, seed: int, group: int = 16) -> None:
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.group = group
        self._cache: dict[int, list[list[int]]] = {}

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.lengths) / self.batch_size)

    def epoch(self, epoch: int) -> list[list[int]]:
        if epoch not in self._cache:
            rng = random.Random(self.seed * 1_000_003 + epoch)
            order = list(range(len(self.lengths)))
            rng.shuffle(order)
            window = self.batch_size * self.group
            batches: list[list[int]] = []
            for start in range(0, len(order), window):
                chunk = sorted(order[start : start + window], key=lambda i: self.lengths[i])
                batches += [chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
            rng.shuffle(batches)
            self._cache = {epoch: batches}  # one epoch at a time is all the loop needs
        return self._cache[epoch]

    def micro_batch(self, index: int) -> list[int]:
        """The index-th micro-batch of the whole run (epochs laid end to end)."""
        per_epoch = self.batches_per_epoch
        return self.epoch(index // per_epoch)[index % per_epoch]


def collate(examples: list[TokenizedExample], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded ids, attention mask, and labels (IGNORE on prompt, padding and `no_loss`)."""
    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    for row, ex in enumerate(examples):
        n = len(ex.input_ids)
        ids[row, :n] = torch.tensor(ex.input_ids)
        mask[row, :n] = 1
        labels[row, ex.prompt_len : n] = ids[row, ex.prompt_len : n]
        if ex.no_loss:
            labels[row, list(ex.no_loss)] = IGNORE
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
