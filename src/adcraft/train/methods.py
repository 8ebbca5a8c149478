"""The fine-tuning methods, all through peft (except `full`), and the loss computed only where it counts.

Why the loss code is not `model(**batch, labels=...)`: Gemma's output layer has 262,144 rows, so the
full logits of a batch (batch x length x 262k floats) cost more than the rest of the network. The
trainer asks the network for hidden states (by standing in an identity for `lm_head` for one call,
which works the same for LoRA, AdaLoRA, prefix and prompt tuning, whose peft wrappers all end in
that call), keeps the positions whose next token is part of the creative, and applies the output
layer there only — optionally to the rows of the tokens a creative can contain (`loss_vocab`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn import functional as F

from adcraft.train.config import TrainConfig
from adcraft.train.dataset import IGNORE

PROMPT_METHODS = ("prefix", "prompt")  # virtual tokens: nothing to merge into the base weights


def adalora_schedule(total_steps: int) -> dict[str, int]:
    """AdaLoRA's own schedule over a run: all ranks for the first 10% of steps, pruning to the target
    ranks until the last 20%, then those ranks fixed. The time budget lays it over a shortened run too."""
    return {"total_step": max(total_steps, 3), "tinit": max(0, total_steps // 10),
            "tfinal": max(0, total_steps // 5)}


def wrap_model(model, config: TrainConfig, total_steps: int):
    """The model to train: a peft model with only the method's parameters trainable, or the whole model."""
    from peft import (
        AdaLoraConfig,
        LoraConfig,
        PrefixTuningConfig,
        PromptTuningConfig,
        TaskType,
        get_peft_model,
    )

    # Plain matmul attention: on a 2-core CPU, PyTorch's fused (flash) attention backward ran at a
    # fraction of the matmuls' speed on these ~200-token examples; eager cut a step's time ~8%.
    # Training only: a saved run loads afresh for generation, with the default (sdpa).
    model.set_attn_implementation("eager")
    if config.method == "full":
        if hasattr(model.config, "attention_dropout"):
            model.config.attention_dropout = config.dropout
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    if config.method == "lora":
        peft_config = LoraConfig(
            task_type=TaskType.CAUSAL_LM,
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.dropout,
            target_modules=config.lora_targets(),
        )
    elif config.method == "adalora":
        peft_config = AdaLoraConfig(
            task_type=TaskType.CAUSAL_LM,
            init_r=config.lora_r,
            target_r=max(1, config.lora_r // 2),
            lora_alpha=config.lora_alpha,
            lora_dropout=config.dropout,
            target_modules=config.lora_targets(),
            **adalora_schedule(total_steps),
        )
    elif config.method == "prefix":
        peft_config = PrefixTuningConfig(
            task_type=TaskType.CAUSAL_LM, num_virtual_tokens=config.num_virtual_tokens
        )
    else:
        peft_config = PromptTuningConfig(
            task_type=TaskType.CAUSAL_LM, num_virtual_tokens=config.num_virtual_tokens
        )
    peft_model = get_peft_model(model, peft_config)
    # Saved in adapter_config.json: how `load_generator` finds the base again.
    peft_model.peft_config["default"].base_model_name_or_path = config.model
    return peft_model


def add_embedding_noise(model, alpha: float) -> torch.utils.hooks.RemovableHandle:
    """NEFTune (Jain et al. 2023): while training, add uniform noise of magnitude alpha/sqrt(L*d) to
    the input embeddings (L = padded length, d = width), as transformers' `neftune_noise_alpha` does.
    The noise draws from torch's global generator, which checkpoints save, so --resume stays exact."""

    def noisy(module: nn.Module, inputs, output: torch.Tensor) -> torch.Tensor:
        if not module.training:
            return output
        magnitude = alpha / math.sqrt(output.size(1) * output.size(2))
        return output + torch.empty_like(output).uniform_(-magnitude, magnitude)

    return model.get_input_embeddings().register_forward_hook(noisy)


def causal_lm_of(model) -> nn.Module:
    """The *ForCausalLM module inside a peft wrapper (or the model itself)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


@contextmanager
def hidden_states_instead_of_logits(causal_lm) -> Iterator[nn.Module]:
    """Within the block, the model's forward returns final hidden states where logits would be."""
    head = causal_lm.lm_head
    config = causal_lm.config
    softcap = getattr(config, "final_logit_softcapping", None)
    causal_lm.lm_head = nn.Identity()
    if softcap is not None:
        config.final_logit_softcapping = None  # applied by `target_logits` instead
    try:
        yield head
    finally:
        causal_lm.lm_head = head
        if softcap is not None:
            config.final_logit_softcapping = softcap


class LossVocabulary:
    """The rows of the output layer the loss uses, and the map from token ids to those rows."""

    def __init__(self, keep: torch.Tensor | None, vocab_size: int) -> None:
        self.keep = None if keep is None else torch.unique(keep.long())
        self.to_row = None
        if self.keep is not None:
            self.to_row = torch.full((vocab_size,), -1, dtype=torch.long)
            self.to_row[self.keep] = torch.arange(len(self.keep))

    def __len__(self) -> int:
        return 0 if self.keep is None else len(self.keep)


def build_loss_vocabulary(
    config: TrainConfig, tokenizer, target_ids: set[int], vocab_size: int, languages: set[str]
) -> LossVocabulary:
    """`full`: all rows. `language`: the tokens `adcraft.generate` lets a creative in the data's
    languages contain (its decode-time sub-vocabulary), plus every token of the creatives and eos."""
    if config.loss_vocab == "full":
        return LossVocabulary(None, vocab_size)
    keep = set(target_ids) | {tokenizer.eos_token_id}
    try:
        from adcraft.models.vocab import language_token_ids

        for language in sorted(languages):
            ids = language_token_ids(tokenizer, language)
            if ids is not None:
                keep |= {int(i) for i in ids if int(i) < vocab_size}
    except ImportError:  # generation's sub-vocabulary not available: training targets only
        pass
    return LossVocabulary(torch.tensor(sorted(keep)), vocab_size)


def target_loss(
    model, batch: dict[str, torch.Tensor], vocab: LossVocabulary, bf16: bool | None,
    label_smoothing: float = 0.0,
) -> tuple[torch.Tensor, int]:
    """Mean cross-entropy over the creative's tokens, and how many there were. `label_smoothing`
    spreads that share of each target over the loss vocabulary (training only: validation is plain)."""
    causal_lm = causal_lm_of(model)
    labels = batch["labels"]
    length = labels.shape[1]
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(bf16)):
        with hidden_states_instead_of_logits(causal_lm) as head:
            out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False)
        hidden = out.logits[:, -length:]  # prompt tuning puts its virtual tokens in front
        next_tokens = labels[:, 1:]
        where = next_tokens != IGNORE
        selected = hidden[:, :-1][where]
        targets = next_tokens[where]
        weight, bias = head.weight, getattr(head, "bias", None)
        if vocab.keep is not None:
            weight = weight[vocab.keep]
            bias = None if bias is None else bias[vocab.keep]
            targets = vocab.to_row[targets]
        logits = F.linear(selected, weight, bias)
    logits = logits.float()
    softcap = getattr(causal_lm.config, "final_logit_softcapping", None)
    if softcap is not None:
        logits = torch.tanh(logits / softcap) * softcap
    return F.cross_entropy(logits, targets, label_smoothing=label_smoothing), int(targets.numel())
