"""Several LoRA runs side by side, averaged into one adapter (a "model soup", Wortsman et al. 2022).

Why: on a few hundred rows, one LoRA run's weights carry the noise of its initialisation and data
order; the mean of runs that differ only in their seed generalises better (ADGEN val sample: loss
3.38 for each seed alone, 3.32-3.33 for two averaged; README, "Measured"). And a 270M model keeps
two cores busier as two one-thread runs than as one two-thread run (measured 2 x 267 tokens/s
against 347), so two seeds cost about the wall time of one.

Layout of a run folder with --seeds N > 1:

    RUN/                   the averaged adapter (`--model RUN` loads it), train_config.yaml,
                           data_fingerprint.json, decoding.json, metrics.json (written last)
    RUN/seed-<k>/          a complete run with seed `seed + k`, its checkpoint while it runs

The mean is exact: peft's `add_weighted_adapter(..., combination_type="cat")` stacks the seeds'
A and B matrices (rank N x r) so that B·A is the mean of the seeds' updates. `--resume RUN`
continues the seeds that have not finished, then averages.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue as queue_module
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adcraft.core.errors import InputError
from adcraft.train import checkpoint as ckpt
from adcraft.train.config import CONFIG_FILE, TrainConfig, load_run_config
from adcraft.train.precision import resolve_precision
from adcraft.train.sft.trainer import TrainResult, validation_loss
from adcraft.train.sft.workflow import (
    DECODING_FILE,
    FINGERPRINT_FILE,
    METRICS_FILE,
    _write_atomic,
    choose_threads,
    load_datasets,
    resolve_run,
    save_run,
    saved_config_for_resume,
    tokenized_sets,
)

SEED_DIR = "seed-{}"
# Gemma's tokenizer.json is 32 MB; each seed folder would otherwise keep its own copy.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def is_seeds_run(folder: str | Path | None) -> bool:
    """Whether `folder` is a run started with --seeds N > 1."""
    if folder is None or not (Path(folder) / CONFIG_FILE).is_file():
        return False
    return load_run_config(Path(folder)).seeds > 1


def seed_config(config: TrainConfig, index: int, run_dir: Path, threads: int) -> TrainConfig:
    """The config of seed run `index`: its own seed, the parent's product split, one folder."""
    return config.model_copy(update={
        "seed": config.seed + index,
        "split_seed": config.product_split_seed(),
        "seeds": 1,
        "out": str(run_dir / SEED_DIR.format(index)),
        "threads": threads,
        "progress": False,
    })


def run_seeds(
    config: TrainConfig | None,
    resume: str | None,
    *,
    base_model: str | None,
    progress: bool | None,
    notify: Callable[[str], None],
) -> tuple[Path, TrainResult]:
    """Train (or resume) every seed in its own process, then average them into the run folder."""
    if resume is None:
        config, run_dir, _ = resolve_run(config, None, None, None)
        _, _, record = load_datasets(config, notify)  # bad data fails here, before any folder exists
        config = resolve_precision(config, notify)  # once for all seeds, so they train alike
        run_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(run_dir / CONFIG_FILE, config.to_yaml())
        _write_atomic(run_dir / FINGERPRINT_FILE, json.dumps(record, indent=1, ensure_ascii=False))
    else:
        run_dir = Path(resume)
        config = saved_config_for_resume(run_dir, base_model)
        if (run_dir / METRICS_FILE).is_file():
            raise InputError(
                f"{run_dir} has already finished; nothing to resume — start a new run with --out"
            )
    show_bars = config.progress if progress is None else progress

    jobs: dict[int, tuple[dict | None, str | None]] = {}  # seed index -> (new config, or folder to resume)
    pending = [k for k in range(config.seeds) if not _finished(run_dir / SEED_DIR.format(k))]
    threads = max(1, choose_threads(config.threads) // max(1, len(pending)))
    for k in pending:
        folder = run_dir / SEED_DIR.format(k)
        if ckpt.has_checkpoint(folder):
            jobs[k] = (None, str(folder))
        else:  # never started, or stopped before its first checkpoint: start it again
            shutil.rmtree(folder, ignore_errors=True)
            jobs[k] = (seed_config(config, k, run_dir, threads).model_dump(mode="json"), None)
    statuses = _train_in_parallel(jobs, config, show_bars, notify)
    if "interrupted" in statuses.values():
        notify(f"interrupted; checkpoints saved — continue with `adcraft train --resume {run_dir}`")
        return run_dir, TrainResult("interrupted", {"steps": None})
    result = _average(config, run_dir)
    return run_dir, result


def _finished(folder: Path) -> bool:
    return (folder / METRICS_FILE).is_file() and not ckpt.has_checkpoint(folder)


def _train_one(index: int, config_data: dict | None, resume: str | None, messages) -> None:
    """One seed, in its own process; every outcome goes back to the parent as a message."""
    from adcraft.train.sft.workflow import run_sft  # which imports this module

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # until the trainer takes over: as Ctrl-C
    try:
        config = TrainConfig.model_validate(config_data) if config_data is not None else None
        _, result = run_sft(
            config,
            resume,
            notify=lambda text: messages.put(("say", index, text)),
            on_step=lambda step, loss: messages.put(("step", index, step, loss)),
        )
        messages.put(("done", index, result.status))
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM before the trainer took over the signal
        messages.put(("done", index, "interrupted"))
    except BaseException as exc:  # noqa: BLE001 — reported by the parent, one message
        messages.put(("error", index, str(exc), isinstance(exc, InputError)))


def _train_in_parallel(
    jobs: dict[int, tuple[dict | None, str | None]], config: TrainConfig, show_bars: bool, notify
) -> dict[int, str]:
    """Run the jobs in spawned processes; returns each seed's status. A failing seed stops the others
    (they save a checkpoint) and its message is raised. Ctrl-C reaches every process by itself; a
    SIGTERM to this one is passed on to the seeds."""
    context = multiprocessing.get_context("spawn")  # fresh interpreters: torch and fork do not mix
    messages = context.Queue()
    processes = {
        k: context.Process(target=_train_one, args=(k, data, resume, messages), daemon=False)
        for k, (data, resume) in jobs.items()
    }
    statuses: dict[int, str] = {}
    failure: tuple[str, bool] | None = None

    def stop_running_seeds() -> None:
        """Ctrl-C in each seed still running: it saves a checkpoint and ends."""
        for k, process in processes.items():
            if k not in statuses and process.is_alive():
                os.kill(process.pid, signal.SIGINT)

    def on_stop_signal(signum, frame) -> None:
        notify("stopping: each seed saves a checkpoint")
        if signum == signal.SIGTERM:  # Ctrl-C reaches the seeds by itself; a `kill` reaches only us
            stop_running_seeds()

    previous = signal.signal(signal.SIGINT, on_stop_signal)
    previous_term = signal.signal(signal.SIGTERM, on_stop_signal)
    bars = _Bars(jobs, config, show_bars)
    try:
        for process in processes.values():
            process.start()
        while len(statuses) < len(processes):
            try:
                message = messages.get(timeout=1.0)
            except queue_module.Empty:
                for k, process in processes.items():
                    if k not in statuses and not process.is_alive():
                        statuses[k] = "failed"
                        failure = failure or (f"seed {config.seed + k} stopped unexpectedly "
                                              f"(exit code {process.exitcode})", False)
                continue
            kind, k = message[0], message[1]
            if kind == "step":
                bars.update(k, message[2], message[3])
            elif kind == "say":
                # A seed's own "interrupted ... --resume RUN/seed-k" hint is replaced by the parent's.
                text = message[2]
                if not (bars.shown and text.startswith("step ")) and not text.startswith("interrupted"):
                    notify(f"seed {config.seed + k}: {text}")
            else:
                statuses[k] = message[2] if kind == "done" else "failed"
                if kind == "error" and failure is None:
                    failure = (f"seed {config.seed + k}: {message[2]}", message[3])
                    stop_running_seeds()
        for process in processes.values():
            process.join()
    finally:
        bars.close()
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
    if failure is not None:
        raise InputError(failure[0]) if failure[1] else RuntimeError(failure[0])
    return statuses


class _Bars:
    """One Rich progress bar per seed, fed by the seeds' step messages."""

    def __init__(self, jobs: dict, config: TrainConfig, shown: bool) -> None:
        self.shown = shown
        self.progress = None
        if not shown:
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]seed {task.fields[seed]}"), BarColumn(),
            TextColumn("{task.completed} steps  loss {task.fields[loss]}"), TimeElapsedColumn(),
            console=Console(stderr=True),
        )
        self.tasks = {k: self.progress.add_task("", total=None, seed=config.seed + k, loss="-") for k in jobs}
        self.progress.start()

    def update(self, index: int, step: int, loss: float) -> None:
        if self.progress is not None:
            self.progress.update(self.tasks[index], completed=step, loss=f"{loss:.3f}")

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _average(config: TrainConfig, run_dir: Path) -> TrainResult:
    """Average the finished seeds into run_dir (adapter, tokenizer, decoding, metrics)."""
    from peft import PeftModel

    from adcraft.models import load_causal_lm
    folders = [run_dir / SEED_DIR.format(k) for k in range(config.seeds)]
    seed_metrics = [json.loads((f / METRICS_FILE).read_text(encoding="utf-8")) for f in folders]
    base, tokenizer = load_causal_lm(config.model)
    model = PeftModel.from_pretrained(base, str(folders[0]), adapter_name=folders[0].name)
    for folder in folders[1:]:
        model.load_adapter(str(folder), adapter_name=folder.name)
    names = [f.name for f in folders]
    model.add_weighted_adapter(names, [1 / len(names)] * len(names), "default", combination_type="cat")
    model.set_adapter("default")
    for name in names:
        model.delete_adapter(name)
    model.peft_config["default"].base_model_name_or_path = config.model  # as wrap_model does

    val_loss = None
    train, val, _ = load_datasets(config, notify=lambda _: None)
    if val:
        _, val_set, vocab = tokenized_sets(config, tokenizer, model, train, val)
        val_loss = validation_loss(model, val_set, vocab, tokenizer.pad_token_id, config)
    statuses = {m["status"] for m in seed_metrics}
    metrics: dict[str, Any] = {
        "status": "finished" if statuses == {"finished"} else sorted(statuses - {"finished"})[0],
        "steps": max(m["steps"] for m in seed_metrics),
        "total_steps": max(m["total_steps"] for m in seed_metrics),
        "epochs": max(m["epochs"] for m in seed_metrics),
        "train_loss": sum(m["train_loss"] for m in seed_metrics) / len(seed_metrics),
        "best_val_loss": val_loss,  # of the averaged adapter
        "best_step": max(m["steps"] for m in seed_metrics) if val_loss is not None else None,
        "history": [],
        "train_seconds": max(m["train_seconds"] for m in seed_metrics),  # side by side: the slowest
        "tokens_per_second": round(sum(m["tokens_per_second"] for m in seed_metrics), 1),
        "train_examples": seed_metrics[0]["train_examples"],
        "val_examples": seed_metrics[0]["val_examples"],
        "method": config.method,
        "base_model": config.model,
        "seeds": [
            {"seed": config.seed + k, "folder": folders[k].name} | {
                key: m.get(key) for key in ("status", "steps", "train_loss", "best_val_loss", "best_step",
                                            "train_seconds", "tokens_per_second", "threads")
            }
            for k, m in enumerate(seed_metrics)
        ],
    }
    decoding = json.loads((folders[0] / DECODING_FILE).read_text(encoding="utf-8"))
    save_run(run_dir, model, tokenizer, decoding, TrainResult(metrics["status"], metrics))
    for folder in folders:  # the run folder has the tokenizer; a seed folder then loads the base's
        for name in TOKENIZER_FILES:
            (folder / name).unlink(missing_ok=True)
    return TrainResult(metrics["status"], metrics)
