"""`adcraft train` (fine-tune; options by flags or a YAML file) and `adcraft export RUN_DIR --merge OUT`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from adcraft.cli.errors import fail, guarded

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_INTERRUPTED = 130


def _opt(help_text: str, *names: str):
    return typer.Option(*names, help=help_text, show_default=False)


def train(
    data: Annotated[
        str | None, _opt("training file (AdvertiseGen JSONL, adcraft JSONL or CSV)", "--data")
    ] = None,
    val: Annotated[str | None, _opt("validation file (default: products split off --data)", "--val")] = None,
    config: Annotated[Path | None, _opt("YAML file of options (flags override it)", "--config")] = None,
    method: Annotated[str | None, _opt("lora (default), full, prefix, prompt or adalora", "--method")] = None,
    out: Annotated[str | None, _opt("run folder (default ADCRAFT_HOME/runs/METHOD-TIME)", "--out")] = None,
    resume: Annotated[
        str | None, _opt("continue the run in this folder from its checkpoint", "--resume")
    ] = None,
    model: Annotated[str | None, _opt("base model: default, HF id or folder", "--model")] = None,
    columns: Annotated[str | None, _opt("CSV columns, e.g. product=title,text=copy", "--columns")] = None,
    epochs: Annotated[float | None, _opt("passes over the training data (default 2)", "--epochs")] = None,
    max_steps: Annotated[int | None, _opt("optimizer steps (overrides --epochs)", "--max-steps")] = None,
    batch_size: Annotated[int | None, _opt("examples per micro-batch (default 4)", "--batch-size")] = None,
    grad_accum: Annotated[int | None, _opt("micro-batches per optimizer step", "--grad-accum")] = None,
    lr: Annotated[float | None, _opt("peak learning rate (default 1e-3)", "--lr")] = None,
    weight_decay: Annotated[float | None, _opt("AdamW weight decay", "--weight-decay")] = None,
    warmup_ratio: Annotated[float | None, _opt("share of steps warming up", "--warmup-ratio")] = None,
    scheduler: Annotated[str | None, _opt("cosine, linear or constant", "--scheduler")] = None,
    max_grad_norm: Annotated[float | None, _opt("gradient clipping threshold", "--max-grad-norm")] = None,
    max_length: Annotated[int | None, _opt("tokens per example (prompt + creative)", "--max-length")] = None,
    lora_r: Annotated[int | None, _opt("LoRA rank", "--lora-r")] = None,
    lora_alpha: Annotated[int | None, _opt("LoRA alpha", "--lora-alpha")] = None,
    dropout: Annotated[float | None, _opt("LoRA dropout (attention dropout for full)", "--dropout")] = None,
    num_virtual_tokens: Annotated[int | None, _opt("prefix/prompt length", "--num-virtual-tokens")] = None,
    label_smoothing: Annotated[
        float | None, _opt("label smoothing of the training loss (0 = off)", "--label-smoothing")
    ] = None,
    neftune_alpha: Annotated[
        float | None, _opt("NEFTune embedding noise alpha (0 = off)", "--neftune-alpha")
    ] = None,
    eval_steps: Annotated[int | None, _opt("validation loss every N steps", "--eval-steps")] = None,
    patience: Annotated[int | None, _opt("early stop after N evaluations without gain", "--patience")] = None,
    save_steps: Annotated[int | None, _opt("checkpoint every N steps", "--save-steps")] = None,
    val_fraction: Annotated[float | None, _opt("share of products held out", "--val-fraction")] = None,
    loss_vocab: Annotated[str | None, _opt("language (default) or full", "--loss-vocab")] = None,
    mask_placeholders: Annotated[
        bool | None,
        typer.Option("--mask-placeholders/--learn-placeholders", show_default=False,
                     help="no loss on data placeholders like <UNK>, BRAND (default: learn them)"),
    ] = None,
    time_budget: Annotated[
        float | None, _opt("fit the schedule into N minutes (28; 0: all steps)", "--time-budget-minutes")
    ] = None,
    time_limit: Annotated[float | None, _opt("stop after N minutes", "--time-limit-minutes")] = None,
    seed: Annotated[int | None, _opt("random seed", "--seed")] = None,
    seeds: Annotated[
        int | None, _opt("LoRA runs side by side, averaged (default 1)", "--seeds")
    ] = None,
    threads: Annotated[
        int | None, _opt("CPU threads in all, split among --seeds (default: all cores)", "--threads")
    ] = None,
    bf16: Annotated[
        bool | None,
        typer.Option("--bf16/--fp32", help="bf16 autocast (default: if faster here)", show_default=False),
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="progress bar")] = True,
) -> None:
    """Fine-tune a model on (brief -> creative) examples; the run folder works as `--model`."""

    def run() -> None:
        from adcraft.train import build_config
        from adcraft.train import train as train_model

        if resume:
            run_dir, result = train_model(
                None,
                resume,
                base_model=model,
                progress=progress,
                notify=lambda m: err.print(m, style="yellow", soft_wrap=True),
            )
        else:
            flags = dict(
                data=data,
                val=val,
                method=method,
                out=out,
                model=model,
                columns=columns,
                epochs=epochs,
                max_steps=max_steps,
                batch_size=batch_size,
                grad_accum=grad_accum,
                lr=lr,
                weight_decay=weight_decay,
                warmup_ratio=warmup_ratio,
                scheduler=scheduler,
                max_grad_norm=max_grad_norm,
                max_length=max_length,
                lora_r=lora_r,
                lora_alpha=lora_alpha,
                dropout=dropout,
                num_virtual_tokens=num_virtual_tokens,
                neftune_alpha=neftune_alpha,
                label_smoothing=label_smoothing,
                eval_steps=eval_steps,
                patience=patience,
                save_steps=save_steps,
                val_fraction=val_fraction,
                loss_vocab=loss_vocab,
                mask_placeholders=mask_placeholders,
                time_budget_minutes=time_budget,
                time_limit_minutes=time_limit,
                seed=seed,
                seeds=seeds,
                threads=threads,
                bf16=bf16,
                progress=progress,
            )
            run_dir, result = train_model(
                build_config(config, **flags),
                notify=lambda m: err.print(m, style="yellow", soft_wrap=True),
            )
        if result.status == "interrupted":
            raise SystemExit(EXIT_INTERRUPTED)
        m = result.metrics
        best = m.get("best_val_loss")
        console.print(
            f"[bold green]{result.status}[/]: {m['steps']} steps ({m['epochs']:.2f} epochs) in "
            f"{m['train_seconds'] / 60:.1f} min, {m['tokens_per_second']:.0f} tokens/s, train loss "
            f"{m['train_loss']:.3f}" + (f", best val loss {best:.3f} (step {m['best_step']})" if best else "")
        )
        if m.get("seeds"):
            each = ", ".join(
                f"seed {s['seed']}" + (f" {s['best_val_loss']:.3f}" if s.get("best_val_loss") else "")
                for s in m["seeds"]
            )
            averaged = f"; averaged {best:.3f}" if best else ""
            console.print(f"averaged {len(m['seeds'])} LoRA runs (val loss {each}{averaged})")
        console.print(f"run folder: {run_dir}  — try `adcraft generate --model {run_dir}`")

    guarded(run)


def export(
    run_dir: Annotated[str, typer.Argument(help="a finished `adcraft train` run folder")],
    merge: Annotated[str | None, typer.Option("--merge", help="write a merged standalone model here")] = None,
) -> None:
    """Export a training run as a standalone model (adapter merged into the base weights)."""

    def run() -> None:
        from adcraft.train import export_merged

        if not merge:
            fail("say where to write the model: adcraft export RUN_DIR --merge OUT")
        path = export_merged(run_dir, merge)
        console.print(f"merged model written to {path}")

    guarded(run)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command(name="train")(train)
    app.command(name="export")(export)
