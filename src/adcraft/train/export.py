"""`adcraft export RUN_DIR --merge OUT`: a standalone model folder from a training run.

LoRA and AdaLoRA adapters are folded into the base weights (`merge_and_unload`); a full fine-tune
is already standalone and is copied. Prefix and prompt tuning add virtual tokens in front of every
input, which no weight of the base model can express, so they cannot be merged.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from adcraft.core.errors import InputError
from adcraft.train.checkpoint import ensure_disk_space

_UNMERGEABLE = {"PREFIX_TUNING": "prefix tuning", "PROMPT_TUNING": "prompt tuning", "P_TUNING": "p-tuning"}
_DECODING_FILE = "decoding.json"


def export_merged(run_dir: str | Path, out: str | Path) -> Path:
    """Write a merged, standalone model (weights, config, tokenizer, decoding.json) to `out`."""
    run_dir, out = Path(run_dir), Path(out)
    if not run_dir.is_dir():
        raise InputError(f"run folder {run_dir} does not exist; pass the folder `adcraft train` wrote")
    if out.exists():
        raise InputError(f"{out} already exists; choose a new folder for the merged model")
    adapter_config = run_dir / "adapter_config.json"
    if adapter_config.is_file():
        peft_type = json.loads(adapter_config.read_text(encoding="utf-8")).get("peft_type", "")
        if peft_type in _UNMERGEABLE:
            raise InputError(
                f"{run_dir} holds a {_UNMERGEABLE[peft_type]} adapter: its virtual tokens are not weights "
                "of the base model, so it cannot be merged; use the run folder itself (--model "
                f"{run_dir}), or train with --method lora to get a mergeable model"
            )
    elif not (run_dir / "config.json").is_file():
        raise InputError(
            f"{run_dir} holds no finished model (no adapter_config.json or config.json); "
            "finish or resume the training run first"
        )
    ensure_disk_space(out.parent.resolve(), 2 * 1024**3, "the merged model")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-tmp-", dir=out.parent))
    try:
        if adapter_config.is_file():
            from adcraft.models import load_causal_lm

            model, tokenizer = load_causal_lm(str(run_dir))  # base + adapter, merge_and_unload
            model.save_pretrained(str(staging))
            tokenizer.save_pretrained(str(staging))
        else:
            shutil.copytree(
                run_dir,
                staging,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("checkpoint", "tensorboard", ".*"),
            )
        if (run_dir / _DECODING_FILE).is_file():
            shutil.copy2(run_dir / _DECODING_FILE, staging / _DECODING_FILE)
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out
