"""Training throughput: adcraft's loop vs Hugging Face `Trainer`, same model, LoRA config and data.

Both train the same LoRA (r, alpha, targets) on the same examples (prompt + creative + eos, loss on
the creative only), batch size, learning-rate schedule and precision (bf16 autocast only where this
CPU runs it faster than fp32, as `adcraft train` decides), in this one process. The difference is
what adcraft does about Gemma's 262,144-token output layer (logits only at positions that carry loss,
softmax over the tokens a creative may contain) and length-grouped batches.

    .venv/bin/python bench/train_speed.py [--model gemma-3-270m] [--rows 64] [--steps 6]

Prints one JSON line: tokens/s (non-padding tokens through the model per second of training) for
each and the ratio adcraft / Trainer.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "adgen-sample" / "train.jsonl"


def _examples(path: str, rows: int):
    from adcraft.data import load_examples

    return list(load_examples(path))[:rows]


def adcraft_tokens_per_s(config, examples) -> float:
    from adcraft.models import load_causal_lm
    from adcraft.train.dataset import target_token_ids, tokenize_examples
    from adcraft.train.methods import build_loss_vocabulary, wrap_model
    from adcraft.train.sft.trainer import SFTTrainer

    model, tokenizer = load_causal_lm(config.model)
    data = tokenize_examples(examples, tokenizer, config.max_length)
    vocab_size = model.get_output_embeddings().weight.shape[0]
    vocab = build_loss_vocabulary(config, tokenizer, target_token_ids(data), vocab_size, {"zh"})
    torch.manual_seed(config.seed)
    model = wrap_model(model, config, config.max_steps)
    with tempfile.TemporaryDirectory() as run_dir:
        trainer = SFTTrainer(model, config, Path(run_dir), data, [], vocab, tokenizer.pad_token_id)
        result = trainer.run()
    return result.metrics["tokens_per_second"]


def trainer_tokens_per_s(config, examples) -> float:
    from transformers import Trainer, TrainingArguments

    from adcraft.models import load_causal_lm
    from adcraft.train.dataset import collate, tokenize_examples
    from adcraft.train.methods import wrap_model

    model, tokenizer = load_causal_lm(config.model)
    data = tokenize_examples(examples, tokenizer, config.max_length)
    torch.manual_seed(config.seed)
    model = wrap_model(model, config, config.max_steps)
    tokens = {"n": 0}

    def collator(features):
        batch = collate([data[f["index"]] for f in features], tokenizer.pad_token_id)
        tokens["n"] += int(batch["attention_mask"].sum())
        return batch

    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=config.batch_size, max_steps=config.max_steps,
            learning_rate=config.lr, weight_decay=config.weight_decay, warmup_ratio=config.warmup_ratio,
            lr_scheduler_type=config.scheduler, max_grad_norm=config.max_grad_norm, bf16=config.bf16,
            use_cpu=True, save_strategy="no", report_to=[], logging_strategy="no", seed=config.seed,
            remove_unused_columns=False, dataloader_num_workers=0, disable_tqdm=True,
            label_smoothing_factor=config.label_smoothing,  # the same loss as adcraft's
        )
        trainer = Trainer(model=model, args=args, train_dataset=[{"index": i} for i in range(len(data))],
                          data_collator=collator)
        started = time.perf_counter()
        trainer.train()
        elapsed = time.perf_counter() - started
    return tokens["n"] / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=0, help="0: all cores, 1 if the machine is busy")
    args = parser.parse_args()

    from adcraft.models.hf import load_causal_lm  # noqa: F401  (it sets all cores when imported)
    from adcraft.train.sft.workflow import choose_threads

    torch.set_num_threads(choose_threads(args.threads))

    from adcraft.train import build_config
    from adcraft.train.precision import resolve_precision

    config = build_config(None, model=args.model, data=args.data, max_steps=args.steps, progress=False,
                          warmup_ratio=0.0, batch_size=args.batch_size)
    # Both loops in the precision `adcraft train` would pick here (bf16 only where this CPU runs it fast).
    config = resolve_precision(config, lambda line: print(line, file=sys.stderr))
    examples = _examples(args.data, args.rows)
    ours = adcraft_tokens_per_s(config, examples)
    theirs = trainer_tokens_per_s(config, examples)
    print(json.dumps({
        "bench": "train_speed", "model": args.model, "method": config.method, "lora_r": config.lora_r,
        "batch_size": config.batch_size, "steps": args.steps, "rows": len(examples),
        "adcraft_tokens_per_s": round(ours, 1), "hf_trainer_tokens_per_s": round(theirs, 1),
        "ratio": round(ours / theirs, 2), "threads": torch.get_num_threads(),
        "precision": "bf16" if config.bf16 else "fp32",
    }))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
