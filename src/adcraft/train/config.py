"""Training options: one pydantic model, filled from defaults < YAML file < command-line flags.

The defaults are the recipe measured on the ADGEN sample (see README, "Training"): they are what
`adcraft train --data FILE` runs with no other option. The resolved config is saved in the run
folder as `train_config.yaml`, so a run can be resumed and reproduced from it alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from adcraft.core.errors import InputError

METHODS = ("lora", "full", "prefix", "prompt", "adalora")
CONFIG_FILE = "train_config.yaml"

# Decoding that goes with the recipe: written to <run>/decoding.json, read by `adcraft generate` and
# `adcraft evaluate`. Measured on the 124 ADGEN val rows after the 2-epoch recipe (BLEU-4 / ROUGE-L):
# greedy 7.09 / 24.13 (72 of 106 characters: BLEU's brevity penalty); a minimum length of the
# training creatives' 10th percentile 8.06 / 24.58, 25th 8.17 / 24.25, 50th 7.94 / 23.96; beam search
# (3) 8.18 / 24.00; repetition penalty 1.0 7.72 / 24.36 (phrase loops). With the 10th percentile (61),
# the consensus (adcraft.evaluate.consensus) of the greedy creative and 16 samples at temperature 0.7,
# top-p 0.95 gave 8.23 / 24.73 (mean over draws of 16 from 32; 32 samples 8.24 / 24.74: it levels off).
# Epsilon sampling at temperature 1.0 (every token of probability >= 0.02 may be drawn; Freitag et al.
# 2023 found it the best sampler for MBR) gives 8.15 / 24.90 with 16 samples (mean over draws of 16
# from 48) and 8.19 / 24.96 with 32: more varied candidates, a better consensus. 32 cost twice the
# evaluation time for +0.06, so 16 it is (`--consensus-samples 0` turns it off: ~10x faster).
RECIPE_DECODING: dict[str, Any] = {
    "do_sample": False,
    "max_new_tokens": 160,
    # "auto": the MIN_LENGTH_QUANTILE of the training creatives' token counts, fixed when the run is
    # saved. Greedy decoding ends a creative at its first likely full stop, shorter than its data.
    "min_new_tokens": "auto",
    "repetition_penalty": 1.05,
    "no_repeat_ngram_size": 4,
    "temperature": 1.0,
    "top_p": 1.0,
    "epsilon_cutoff": 0.02,
    "consensus_samples": 16,  # `adcraft evaluate` only; `adcraft generate` makes its own N variants
}

MIN_LENGTH_QUANTILE = 0.10


def decoding_for_run(decoding: dict[str, Any], target_lengths: list[int]) -> dict[str, Any]:
    """The decoding settings to save with a run: `min_new_tokens: auto` becomes a token count."""
    resolved = dict(decoding)
    if resolved.get("min_new_tokens") == "auto":
        lengths = sorted(target_lengths)
        floor = lengths[int(MIN_LENGTH_QUANTILE * (len(lengths) - 1))] if lengths else 0
        resolved["min_new_tokens"] = min(floor, int(resolved.get("max_new_tokens", floor)))
    return resolved


class TrainConfig(BaseModel):
    """Every option of a training run. Field names are the YAML keys and (with - for _) the CLI flags."""

    model_config = ConfigDict(extra="forbid")

    # what
    model: str = Field("gemma-3-270m", description="base model: default, HF id or folder")
    data: str = Field("", description="training file (AdvertiseGen JSONL, adcraft JSONL, CSV)")
    val: str | None = Field(None, description="validation file; default: a product split of --data")
    val_fraction: float = Field(0.05, ge=0.0, lt=1.0, description="share of products held out if no --val")
    columns: str | None = Field(None, description="CSV column mapping, e.g. 'content=attrs,summary=ad'")
    out: str | None = Field(None, description="run folder; default $ADCRAFT_HOME/runs/<method>-<time>")

    # how
    method: Literal["lora", "full", "prefix", "prompt", "adalora"] = "lora"
    lora_r: int = Field(32, ge=1)
    lora_alpha: int = Field(64, ge=1)
    # 0 (was 0.05): a dropout mask costs a draw from PyTorch's serial CPU generator per input element of
    # every LoRA layer, a quarter of a training step on a 2-core fp32 CPU (7.5 -> 5.5 s). Scores held:
    # greedy 8.07 / 25.55 against 8.24 / 25.50 (BLEU-4 / ROUGE-L, README "Training time on a slow host").
    dropout: float = Field(0.0, ge=0.0, lt=1.0, description="LoRA/AdaLoRA dropout; attention dropout (full)")
    target_modules: str = Field("all-linear", description="LoRA targets: all-linear or comma-separated names")
    num_virtual_tokens: int = Field(16, ge=1, description="prefix / prompt tuning length")
    # 0.1 (Szegedy et al. 2016; the Transformer's MT recipe): on the ADGEN val sample the recipe's greedy
    # scores went from 8.06 / 24.58 to 8.24 / 25.50 (BLEU-4 / ROUGE-L), ROUGE-1 28.65 -> 30.04 (README).
    # A smoothed target keeps the model from betting everything on the training creatives' exact words.
    label_smoothing: float = Field(
        0.1, ge=0.0, lt=1.0, description="share of each target spread over the loss vocabulary; 0 = off"
    )
    neftune_alpha: float = Field(
        0.0, ge=0, description="NEFTune: noise alpha/sqrt(length x width) on input embeddings; 0 = off"
    )

    # optimisation
    epochs: float = Field(2.0, gt=0)
    max_steps: int = Field(0, ge=0, description="optimizer steps; 0 = from epochs")
    batch_size: int = Field(4, ge=1)
    grad_accum: int = Field(1, ge=1)
    lr: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.05, ge=0, lt=1)
    scheduler: Literal["cosine", "linear", "constant"] = "cosine"
    max_grad_norm: float = Field(1.0, gt=0)
    max_length: int = Field(256, ge=8, description="tokens per example (prompt + creative)")
    # None: measured when the run starts (adcraft.train.precision) and saved as true/false with the run.
    bf16: bool | None = Field(
        None, description="bfloat16 autocast for matmuls (fp32 master weights); default: if faster here"
    )
    loss_vocab: Literal["full", "language"] = Field(
        "language", description="softmax over the whole vocabulary, or the tokens a creative may contain"
    )
    # AdvertiseGen's `<UNK>` / `BRAND` and the PII scrubber's `<PHONE>`, ... (adcraft.data.PLACEHOLDER):
    # kept in the input, left out of the loss, so the model does not learn to write them.
    mask_placeholders: bool = Field(False, description="no loss on data placeholders (<UNK>, BRAND, <PHONE>)")
    seed: int = 0
    # --seeds 2 trains 2 LoRA runs (seeds seed, seed+1) side by side, one core each, and averages them
    # (adcraft.train.seeds). On the ADGEN val sample it lowers the val loss (3.38 each -> 3.32) in the
    # same wall time, but the averaged recipe run scored 7.82 / 24.57 (BLEU-4 / ROUGE-L, consensus 16)
    # against the single run's 8.27 / 24.97, so one run stays the default (README, "Measured").
    seeds: int = Field(1, ge=1, le=8, description="LoRA runs with seeds seed, seed+1, ... averaged into one")
    split_seed: int | None = Field(None, description="seed of the train/val product split; default: seed")
    threads: int = Field(
        0, ge=0, description="CPU threads in all (split among seeds); 0 = all cores, or 1 if busy; "
        "the run saves the choice, so --resume keeps it"
    )

    # validation, checkpoints, stopping
    eval_steps: int = Field(40, ge=0, description="validation loss every N steps; 0 = only at the end")
    patience: int = Field(3, ge=0, description="stop after N evaluations without improvement; 0 = never")
    min_delta: float = Field(1e-3, ge=0, description="a validation loss must drop this much to count")
    save_steps: int = Field(20, ge=1, description="checkpoint every N optimizer steps")
    explode_ratio: float = Field(5.0, gt=1, description="stop if loss exceeds N x the first steps' loss")
    # The recipe runs at 85-340 tokens/s on the 2-core CPUs measured (README, "Training time"); on the
    # slowest it needs ~32 min for all its steps. 28 leaves the 2 min left for loading and saving
    # the model (0.4 min measured) and for speed drift.
    time_budget_minutes: float = Field(
        28.0, ge=0, description="shorten the schedule to end within N minutes; 0 = off"
    )
    time_limit_minutes: float = Field(
        0.0, ge=0, description="stop (and keep the best) after N minutes; 0 = none"
    )
    progress: bool = True

    decoding: dict[str, Any] = Field(default_factory=lambda: dict(RECIPE_DECODING))

    @field_validator("method", mode="before")
    @classmethod
    def _known_method(cls, value: object) -> object:
        if isinstance(value, str) and value not in METHODS:
            raise ValueError(f"unknown method {value!r}; choose one of: {', '.join(METHODS)}")
        return value

    @model_validator(mode="after")
    def _needs_data(self) -> TrainConfig:
        if not self.data:
            raise ValueError("no training data; pass --data FILE (or `data:` in the YAML config)")
        return self

    @model_validator(mode="after")
    def _seeds_need_lora(self) -> TrainConfig:
        """Averaging is for LoRA adapters."""
        if self.seeds > 1 and self.method != "lora":
            raise ValueError(
                f"--seeds {self.seeds} averages LoRA adapters; train method {self.method} with --seeds 1"
            )
        return self

    def product_split_seed(self) -> int:
        """The seed of the train/val product split: split_seed, else seed."""
        return self.seed if self.split_seed is None else self.split_seed

    def lora_targets(self) -> str | list[str]:
        if self.target_modules == "all-linear":
            return "all-linear"
        return [name.strip() for name in self.target_modules.split(",") if name.strip()]

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), allow_unicode=True, sort_keys=False)


def _format_error(error: ValidationError, source: str) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())) or "config"
        msg = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return f"invalid training option ({source}): " + "; ".join(parts)


def read_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"config file {path} does not exist; pass an existing YAML file to --config")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"config file {path} must hold a mapping of option: value")
    return data


def build_config(yaml_path: str | Path | None = None, **flags: Any) -> TrainConfig:
    """Defaults, overridden by the YAML file, overridden by flags that were given (not None)."""
    values: dict[str, Any] = read_yaml(yaml_path) if yaml_path else {}
    values.update({k: v for k, v in flags.items() if v is not None})
    return _validated(values, str(yaml_path) if yaml_path else "flags")


def _validated(values: dict[str, Any], source: str) -> TrainConfig:
    try:
        return TrainConfig.model_validate(values)
    except ValidationError as exc:
        raise InputError(_format_error(exc, source)) from None


# Options added after runs were saved without them, and the value those runs were trained with:
# a resumed run must go on as it started, not switch to a later default.
OPTIONS_BEFORE_THEY_EXISTED = {"label_smoothing": 0.0, "time_budget_minutes": 0.0}


def load_run_config(run_dir: Path) -> TrainConfig:
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        raise InputError(f"{run_dir} is not an adcraft training run (no {CONFIG_FILE}); pass a run folder")
    return _validated({**OPTIONS_BEFORE_THEY_EXISTED, **read_yaml(path)}, str(path))
