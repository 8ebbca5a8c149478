"""`--mask-placeholders`: AdvertiseGen's `<UNK>` / `BRAND` (and PII placeholders) stay in the input
but carry no loss, so a tuned model does not learn to write them."""

from __future__ import annotations

from pathlib import Path

import torch
import yaml
from conftest import PRODUCTS, write_rows
from test_bad_input import _cli, _flags  # the CLI as a user runs it

from adcraft.core import Brief
from adcraft.data import Example
from adcraft.train import build_config, train
from adcraft.train.config import CONFIG_FILE
from adcraft.train.dataset import IGNORE, collate, tokenize_examples

WITH_PLACEHOLDERS = [(c, f"BRAND{s[:6]}<UNK>{s[6:]}") for c, s in PRODUCTS[:8]]


def _example(summary: str) -> Example:
    brief = Brief(product="上衣", attributes=[("类型", "上衣")], platform="generic", language="zh")
    return Example(brief=brief, target={"text": [summary]})


def test_only_the_placeholder_tokens_lose_their_labels(tokenizer):
    example = _example("来自BRAND的牛仔外套，<UNK>简约百搭，联系<PHONE>。")
    plain, = tokenize_examples([example], tokenizer, 256)
    masked, = tokenize_examples([example], tokenizer, 256, mask_placeholders=True)
    assert plain.no_loss == () and masked.input_ids == plain.input_ids
    pieces = "".join(tokenizer.decode([masked.input_ids[i]]) for i in masked.no_loss)
    assert pieces.replace("，", "") == "BRAND<UNK><PHONE>", pieces  # a token may carry a neighbour along

    labels = collate([masked], tokenizer.pad_token_id)["labels"][0]
    target = range(masked.prompt_len, len(masked.input_ids))
    assert all(labels[i] == IGNORE for i in masked.no_loss)
    kept = [i for i in target if i not in masked.no_loss]
    assert kept and all(labels[i] == masked.input_ids[i] for i in kept)
    assert all(labels[i] == IGNORE for i in range(masked.prompt_len))


def _placeholder_loss(run_dir: Path, data: Path) -> float:
    """Cross-entropy of the trained model on the placeholder tokens of its training rows only."""
    from adcraft.data import load_examples
    from adcraft.models import load_causal_lm
    from adcraft.train.methods import LossVocabulary, target_loss

    model, tokenizer = load_causal_lm(str(run_dir))
    rows = tokenize_examples(list(load_examples(data)), tokenizer, 256, mask_placeholders=True)
    batch = collate(rows, tokenizer.pad_token_id)
    only = torch.full_like(batch["labels"], IGNORE)
    for row, example in enumerate(rows):
        positions = list(example.no_loss)
        only[row, positions] = batch["input_ids"][row, positions]
    with torch.no_grad():
        loss, count = target_loss(model, batch | {"labels": only}, LossVocabulary(None, 0), bf16=False)
    assert count > 0
    return loss.item()


def test_a_masked_run_does_not_learn_to_write_placeholders(fast_options, tmp_path):
    data = write_rows(tmp_path / "placeholders.jsonl", WITH_PLACEHOLDERS)
    losses = {}
    for mask in (False, True):
        options = fast_options | {"data": str(data), "val": str(data), "method": "full", "lr": 1e-2,
                                  "max_steps": 12, "eval_steps": 12, "mask_placeholders": mask,
                                  "out": str(tmp_path / f"run-{mask}")}
        if mask:  # through the command line: the flag reaches the saved config
            result = _cli("train", *_flags(options))
            assert result.exit_code == 0, result.output
            run_dir = Path(options["out"])
            assert yaml.safe_load((run_dir / CONFIG_FILE).read_text(encoding="utf-8"))["mask_placeholders"]
        else:
            run_dir, result = train(build_config(None, **options))
            assert result.status == "finished"
        losses[mask] = _placeholder_loss(run_dir, data)
    # Learnt: the placeholders become likely. Masked: they only ever appear in softmax denominators.
    assert losses[True] > losses[False] + 1.0, losses
