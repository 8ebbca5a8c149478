"""Supervised fine-tuning, wired end to end: data -> model -> trainer -> run folder.

Everything a user can get wrong (files, options, resume folder, disk space) is checked before the
run folder is created, so a bad invocation leaves nothing behind. The run folder, once finished:

    adapter_config.json, adapter_model.safetensors   (PEFT; or config.json + model.safetensors for full)
    tokenizer files, train_config.yaml, data_fingerprint.json, metrics.json, decoding.json,
    tensorboard/                                     (`tensorboard --logdir RUN_DIR/tensorboard`)

While running (or after Ctrl-C) it also holds `checkpoint/`, which `--resume` continues from.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

from adcraft.core.errors import InputError
from adcraft.models.paths import adcraft_home
from adcraft.train import checkpoint as ckpt
from adcraft.train.config import CONFIG_FILE, TrainConfig, decoding_for_run, load_run_config
from adcraft.train.dataset import target_token_ids, tokenize_examples
from adcraft.train.methods import build_loss_vocabulary, wrap_model
from adcraft.train.precision import resolve_precision
from adcraft.train.sft.trainer import SFTTrainer, TrainResult, count_total_steps

FINGERPRINT_FILE = "data_fingerprint.json"
METRICS_FILE = "metrics.json"
DECODING_FILE = "decoding.json"
_GB = 1024**3


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_datasets(config: TrainConfig, notify: Callable[[str], None]) -> tuple[list, list, dict]:
    """(train examples, val examples, fingerprint record); warns if --val shares products with --data."""
    from adcraft.data import check_overlap, fingerprint, load_examples, split_by_product

    examples = load_examples(config.data, columns=config.columns)
    if not examples:
        raise InputError(f"training data {config.data} holds no usable rows; check the file")
    if config.val:
        train, val = list(examples), list(load_examples(config.val, columns=config.columns))
        shared = check_overlap(train, val)
        if shared:
            notify(
                f"warning: {len(shared)} product(s) of {config.val} are also in {config.data} "
                f"(e.g. {shared[0]}); validation loss will look better than it is"
            )
    elif config.val_fraction > 0 and len(examples) >= 10:
        train, val = split_by_product(
            examples, val_fraction=config.val_fraction, seed=config.product_split_seed()
        )
    else:
        train, val = list(examples), []
    record = {
        "train": fingerprint(train),
        "val": fingerprint(val),
        "train_rows": len(train),
        "val_rows": len(val),
        "data": str(config.data),
        "val_source": config.val or "product split",
    }
    return train, val, record


def choose_threads(requested: int) -> int:
    """Threads for torch. All cores, unless other processes already keep them busy: then OpenMP's
    threads keep waiting for each other at every op (measured 6x slower on a shared 2-core machine
    with load 12), and one thread is much faster."""
    if requested:
        return requested
    cores = os.cpu_count() or 1
    return 1 if os.getloadavg()[0] > cores else cores


def saved_config_for_resume(run_dir: Path, base_model: str | None) -> TrainConfig:
    """The config a run was started with; `base_model`, if given, must be the one it used."""
    saved = load_run_config(run_dir)
    if base_model is not None and base_model != saved.model:
        raise InputError(
            f"resume folder {run_dir} was trained from base model {saved.model!r}, not "
            f"{base_model!r}; resume without --model or start a new run"
        )
    return saved


def resolve_run(
    config: TrainConfig | None, resume: str | None, base_model: str | None, progress: bool | None
) -> tuple[TrainConfig, Path, bool]:
    """The config to run with, the run folder, and whether it resumes; checks the folder first."""
    if resume is None:
        if config is None:
            raise InputError("no training options; pass --data FILE (or --resume RUN_DIR)")
        # Default under ADCRAFT_HOME/runs, where the dashboard's training-runs page looks.
        default_out = adcraft_home() / "runs" / f"{config.method}-{time.strftime('%Y%m%d-%H%M%S')}"
        out = Path(config.out) if config.out else default_out
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise InputError(
                f"run folder {out} already exists and is not empty; choose another --out "
                f"or continue it with --resume {out}"
            )
        return config.model_copy(update={"out": str(out)}), out, False
    run_dir = Path(resume)
    if not run_dir.is_dir():
        raise InputError(f"resume folder {run_dir} does not exist; pass the run folder of an earlier run")
    saved = saved_config_for_resume(run_dir, base_model)
    if not ckpt.has_checkpoint(run_dir):
        done = (run_dir / METRICS_FILE).is_file()
        raise InputError(
            f"{run_dir} "
            + ("has already finished" if done else "holds no checkpoint")
            + "; nothing to resume — start a new run with --out"
        )
    if progress is not None:
        saved = saved.model_copy(update={"progress": progress})
    return saved, run_dir, True


def tokenized_sets(config: TrainConfig, tokenizer, model, train: list, val: list):
    """(train token ids, val token ids, the loss vocabulary) for a model and its data."""
    mask = config.mask_placeholders
    train_set = tokenize_examples(train, tokenizer, config.max_length, mask_placeholders=mask)
    val_set = tokenize_examples(val, tokenizer, config.max_length, "validation data",
                                mask_placeholders=mask) if val else []
    vocab_size = model.get_output_embeddings().weight.shape[0]
    languages = {e.brief.language for e in train + val}
    vocab = build_loss_vocabulary(
        config, tokenizer, target_token_ids(train_set + val_set), vocab_size, languages
    )
    return train_set, val_set, vocab


def run_sft(
    config: TrainConfig | None,
    resume: str | None = None,
    *,
    base_model: str | None = None,
    progress: bool | None = None,
    notify: Callable[[str], None] = _say,
    on_step: Callable[[int, float], None] | None = None,
) -> tuple[Path, TrainResult]:
    """Train a new run (`config`) or continue one (`resume` = its folder; `base_model`, if given,
    must be the one it was started from). Returns the run folder and the result; status
    `interrupted` (Ctrl-C) leaves a checkpoint to resume from."""
    from adcraft.models import load_causal_lm
    from adcraft.train.seeds import is_seeds_run, run_seeds

    if (resume is None and config is not None and config.seeds > 1) or is_seeds_run(resume):
        return run_seeds(config, resume, base_model=base_model, progress=progress, notify=notify)
    config, run_dir, resuming = resolve_run(config, resume, base_model, progress)
    train, val, record = load_datasets(config, notify)
    if resuming:
        saved = json.loads((run_dir / FINGERPRINT_FILE).read_text(encoding="utf-8"))
        if (saved["train"], saved["val"]) != (record["train"], record["val"]):
            raise InputError(
                f"the data of {config.data} changed since run {run_dir} started; "
                "resume needs the same data — restore it or start a new run"
            )
    model, tokenizer = load_causal_lm(config.model)
    threads = choose_threads(config.threads)
    torch.set_num_threads(threads)  # after loading: adcraft.models sets all cores when imported
    # Both saved with the config: `--resume` continues bit-identically only with the same thread
    # count (reductions split differently) and precision, not whatever the load picks then.
    config = resolve_precision(config.model_copy(update={"threads": threads}), notify)
    train_set, val_set, vocab = tokenized_sets(config, tokenizer, model, train, val)
    torch.manual_seed(config.seed)  # adapter initialisation
    model = wrap_model(model, config, count_total_steps(config, len(train_set)))
    final_bytes = ckpt.checkpoint_bytes(model) // 2 + (_GB if config.method == "full" else 0)
    ckpt.ensure_disk_space(run_dir, ckpt.checkpoint_bytes(model) + final_bytes, "a checkpoint and the model")

    if not resuming:
        run_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(run_dir / CONFIG_FILE, config.to_yaml())
        _write_atomic(run_dir / FINGERPRINT_FILE, json.dumps(record, indent=1, ensure_ascii=False))
    trainer = SFTTrainer(model, config, run_dir, train_set, val_set, vocab, tokenizer.pad_token_id, on_step)
    trainer.log = notify
    result = _run_with_progress(trainer, config, run_dir, resuming)
    if result.status == "interrupted":
        notify(
            f"interrupted at step {result.metrics['steps']}; checkpoint saved — continue with "
            f"`adcraft train --resume {run_dir}`"
        )
        return run_dir, result
    result.metrics.update({"threads": threads, "precision": "bf16" if config.bf16 else "fp32"})
    result.metrics.update(
        {"method": config.method, "base_model": config.model, "loss_vocab_size": len(vocab)}
    )
    decoding = decoding_for_run(config.decoding, [ex.n_target - 1 for ex in train_set])  # less eos
    save_run(run_dir, model, tokenizer, decoding, result)
    return run_dir, result


def _run_with_progress(
    trainer: SFTTrainer, config: TrainConfig, run_dir: Path, resuming: bool
) -> TrainResult:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(run_dir / "tensorboard"), purge_step=None)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}  val {task.fields[val]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    try:
        if not config.progress:  # log lines instead (see SFTTrainer.log)
            return trainer.run(resume=resuming, progress=None, writer=writer)
        with Progress(*columns, console=Console(stderr=True)) as progress:
            return trainer.run(resume=resuming, progress=progress, writer=writer)
    finally:
        writer.close()


def save_run(run_dir: Path, model, tokenizer, decoding: dict, result: TrainResult) -> None:
    """Write the model, tokenizer, metrics and decoding settings; metrics.json last (= complete)."""
    ckpt.ensure_disk_space(run_dir, ckpt.checkpoint_bytes(model) // 4 + 16 * 1024 * 1024, "the trained model")
    staging = Path(tempfile.mkdtemp(prefix=".final-tmp-", dir=run_dir))
    try:
        # The adapter names its base "gemma-3-270m", not a path, so peft's default ("auto") would ask
        # the Hub whether the vocabulary was resized; adcraft never resizes it and never goes online.
        from peft import PeftModel

        options = {"save_embedding_layers": False} if isinstance(model, PeftModel) else {}
        model.save_pretrained(str(staging), **options)
        tokenizer.save_pretrained(str(staging))
        (staging / DECODING_FILE).write_text(json.dumps(decoding, indent=1), encoding="utf-8")
        for item in staging.iterdir():
            target = run_dir / item.name
            if target.is_dir():
                shutil.rmtree(target)
            item.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _write_atomic(run_dir / METRICS_FILE, json.dumps(result.metrics, indent=1))
    ckpt.remove_checkpoint(run_dir)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
