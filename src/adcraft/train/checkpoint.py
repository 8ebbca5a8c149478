"""Checkpoints that resume exactly, written so that a crash never leaves half of one.

A checkpoint is a folder `<run>/checkpoint/` holding the trainable weights, the best weights seen
so far, the optimizer and scheduler states, the RNG state and the loop's counters. It is written
into `<run>/.checkpoint-tmp-*` and renamed into place; the previous checkpoint is removed only after.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from adcraft.core.errors import InputError

CHECKPOINT_DIR = "checkpoint"
_STATE_FILE = "trainer_state.json"
_EXTRA_FILE = "method_state.pt"
_MB = 1024 * 1024


def trainable_state(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def load_trainable_state(model, state: dict[str, torch.Tensor]) -> None:
    params = dict(model.named_parameters())
    missing = [n for n in state if n not in params]
    if missing:
        raise InputError(
            f"the checkpoint does not fit this model (e.g. {missing[0]!r} is not one of its parameters); "
            "resume with the base model and method the run was started with"
        )
    with torch.no_grad():
        for name, value in state.items():
            if params[name].shape != value.shape:
                raise InputError(
                    f"the checkpoint's {name!r} has shape {tuple(value.shape)}, the model's "
                    f"{tuple(params[name].shape)}: it was trained on another base model"
                )
            params[name].copy_(value)


def checkpoint_bytes(model) -> int:
    """Room a checkpoint needs: weights, best weights and AdamW's two moments, plus 10% and 1 MB."""
    trainable = sum(p.numel() * p.element_size() for p in model.parameters() if p.requires_grad)
    return int(trainable * 4 * 1.1) + _MB


def ensure_disk_space(folder: Path, needed: int, what: str = "a checkpoint") -> None:
    probe = folder if folder.exists() else folder.parent
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < needed:
        raise InputError(
            f"not enough disk space for {what} in {folder}: needs {needed / _MB:.0f} MB, "
            f"{free / _MB:.0f} MB free; free some space or choose another --out"
        )


def save_checkpoint(
    run_dir: Path, model, optimizer, scheduler, state: dict[str, Any], best: dict[str, torch.Tensor] | None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write the checkpoint atomically; raises InputError (nothing written) if the disk is too full.

    `extra` is state a method keeps outside its parameters (AdaLoRA's rank allocator), restored by
    `load_extra`."""
    ensure_disk_space(run_dir, checkpoint_bytes(model))
    tmp = Path(tempfile.mkdtemp(prefix=".checkpoint-tmp-", dir=run_dir))
    try:
        torch.save(trainable_state(model), tmp / "weights.pt")
        if best is not None:
            torch.save(best, tmp / "best_weights.pt")
        torch.save(
            {
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "torch_rng": torch.get_rng_state(),
            },
            tmp / "optimizer.pt",
        )
        if extra is not None:
            torch.save(extra, tmp / _EXTRA_FILE)
        (tmp / _STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")
        final = run_dir / CHECKPOINT_DIR
        old = run_dir / ".checkpoint-old"
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
        return final
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def has_checkpoint(run_dir: Path) -> bool:
    return (run_dir / CHECKPOINT_DIR / _STATE_FILE).is_file()


def load_checkpoint(run_dir: Path, model, optimizer, scheduler) -> tuple[dict[str, Any], dict | None]:
    """Restore weights, optimizer, scheduler and RNG; return the loop's state and the best weights."""
    folder = run_dir / CHECKPOINT_DIR
    state = json.loads((folder / _STATE_FILE).read_text(encoding="utf-8"))
    load_trainable_state(model, torch.load(folder / "weights.pt", weights_only=True))
    saved = torch.load(folder / "optimizer.pt", weights_only=True)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    torch.set_rng_state(saved["torch_rng"])
    best_path = folder / "best_weights.pt"
    best = torch.load(best_path, weights_only=True) if best_path.is_file() else None
    return state, best


def load_extra(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / CHECKPOINT_DIR / _EXTRA_FILE
    return torch.load(path, weights_only=True) if path.is_file() else None


def remove_checkpoint(run_dir: Path) -> None:
    shutil.rmtree(run_dir / CHECKPOINT_DIR, ignore_errors=True)
