"""The supervised fine-tuning loop: plain code, one optimizer step at a time (nanoGPT-style).

    for each step:  micro-batches -> loss on the creative's tokens -> backward (token-weighted)
                    -> clip -> AdamW step -> schedule step -> log
                    every eval_steps: validation loss, early stopping;  every save_steps: checkpoint

A resumed run reloads weights, optimizer, scheduler, RNG and counters and recomputes the same data
order (see `dataset.LengthGroupedOrder`), so it ends with the same weights as an uninterrupted run.
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from adcraft.core.errors import InputError
from adcraft.train import checkpoint as ckpt
from adcraft.train.config import TrainConfig
from adcraft.train.dataset import LengthGroupedOrder, TokenizedExample, collate
from adcraft.train.methods import LossVocabulary, adalora_schedule, add_embedding_noise, target_loss
from adcraft.train.sft import budget

WARMUP_STEPS_FOR_BASELINE = 5  # the first steps' mean loss is what "exploding" is measured against
LOG_EVERY = 10  # steps between log lines when there is no progress bar


class TrainingDiverged(InputError):
    """The loss became NaN/inf or exploded: the settings (usually the learning rate) need changing."""


@dataclass
class TrainResult:
    status: str  # finished | early_stopped | time_limit | interrupted
    metrics: dict[str, Any] = field(default_factory=dict)


def lr_lambda(total_steps: int, warmup_steps: int, kind: str) -> Callable[[int], float]:
    """Linear warm-up to the peak, then cosine or linear decay to zero (or constant)."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        if kind == "constant":
            return 1.0
        progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
        return 0.5 * (1 + math.cos(math.pi * progress)) if kind == "cosine" else 1.0 - progress

    return factor


def count_total_steps(config: TrainConfig, n_examples: int) -> int:
    """Optimizer steps of a run: --max-steps, or the epochs' micro-batches / grad_accum."""
    micro_total = math.ceil(round(config.epochs * math.ceil(n_examples / config.batch_size), 6))
    return config.max_steps or max(1, micro_total // config.grad_accum)


def make_optimizer(model, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW; weight decay on matrices only (not on norms, biases or 1-D prompt vectors)."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.dim() >= 2]
    no_decay = [p for p in trainable if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": config.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=config.lr, betas=(0.9, 0.999))


@torch.no_grad()
def validation_loss(
    model, val_set: list[TokenizedExample], vocab: LossVocabulary, pad_id: int, config: TrainConfig
) -> float:
    """Token-weighted mean loss on the validation creatives (model left in eval mode)."""
    model.eval()
    ordered = sorted(val_set, key=lambda e: len(e.input_ids))
    size = config.batch_size * 2
    total, count = 0.0, 0
    for start in range(0, len(ordered), size):
        loss, n = target_loss(model, collate(ordered[start : start + size], pad_id), vocab, config.bf16)
        total += loss.item() * n
        count += n
    return total / max(1, count)


class SFTTrainer:
    def __init__(
        self,
        model,
        config: TrainConfig,
        run_dir: Path,
        train_set: list[TokenizedExample],
        val_set: list[TokenizedExample],
        vocab: LossVocabulary,
        pad_id: int,
        on_step: Callable[[int, float], None] | None = None,
    ) -> None:
        self.model = model
        self.config = config
        self.run_dir = run_dir
        self.train_set = train_set
        self.val_set = val_set
        self.vocab = vocab
        self.pad_id = pad_id
        self.on_step = on_step  # called after each step (tests use it to interrupt)
        self.order = LengthGroupedOrder([len(e.input_ids) for e in train_set], config.batch_size, config.seed)
        self.full_steps = count_total_steps(config, len(train_set))  # the schedule without a budget
        self.total_steps = self.full_steps  # less if it does not fit the time budget
        self.optimizer = make_optimizer(model, config)
        self.warmup_steps = int(config.warmup_ratio * self.full_steps)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lr_lambda(self.total_steps, self.warmup_steps, config.scheduler)
        )
        if config.neftune_alpha > 0:
            add_embedding_noise(model, config.neftune_alpha)
        self._stop_requested = False
        self._tokens_per_step: list[int] | None = None
        self._val_tokens = sum(len(e.input_ids) for e in val_set)  # what one validation processes
        self.log: Callable[[str], None] | None = None  # plain log lines when there is no progress bar

    # ---- one step -------------------------------------------------------------------------
    def _micro_batches(self, step: int) -> list[list[TokenizedExample]]:
        first = step * self.config.grad_accum
        return [
            [self.train_set[i] for i in self.order.micro_batch(first + k)]
            for k in range(self.config.grad_accum)
        ]

    def train_step(self, step: int, state: dict[str, Any]) -> tuple[float, float, int]:
        """One optimizer step; returns (loss, grad norm, tokens processed)."""
        self.model.train()
        micro = self._micro_batches(step)
        n_targets = sum(e.n_target for batch in micro for e in batch)
        loss_sum, tokens = 0.0, 0
        for batch in micro:
            inputs = collate(batch, self.pad_id)
            loss, n = target_loss(self.model, inputs, self.vocab, self.config.bf16,
                                  self.config.label_smoothing)
            self._check_loss(loss.item(), step, state)
            (loss * (n / n_targets)).backward()  # token-weighted mean over the accumulated batches
            loss_sum += loss.item() * n
            tokens += int(inputs["attention_mask"].sum())
        grad_norm = torch.nn.utils.clip_grad_norm_(
            [p for p in self.model.parameters() if p.requires_grad], self.config.max_grad_norm
        )
        self.optimizer.step()
        self.scheduler.step()
        if self.config.method == "adalora":
            self._allocate_ranks(step)
        self.optimizer.zero_grad(set_to_none=True)
        return loss_sum / n_targets, float(grad_norm), tokens

    def _check_loss(self, loss: float, step: int, state: dict[str, Any]) -> None:
        hint = (
            f"lower the learning rate (now {self.config.lr:g}, --lr) or the clipping threshold "
            f"(--max-grad-norm {self.config.max_grad_norm:g})"
        )
        if not math.isfinite(loss):
            raise TrainingDiverged(f"training stopped at step {step + 1}: the loss became {loss}; {hint}")
        baseline = state.get("baseline_loss")
        if baseline is not None and loss > self.config.explode_ratio * baseline:
            raise TrainingDiverged(
                f"training stopped at step {step + 1}: the loss exploded to {loss:.3g} "
                f"(> {self.config.explode_ratio:g} x the first steps' {baseline:.3g}); {hint}"
            )

    def validation_loss(self) -> float:
        return validation_loss(self.model, self.val_set, self.vocab, self.pad_id, self.config)

    # ---- the loop -------------------------------------------------------------------------
    def run(self, resume: bool = False, progress=None, writer=None) -> TrainResult:
        state: dict[str, Any] = {
            "step": 0,
            "best_val": None,
            "bad_evals": 0,
            "tokens": 0,
            "elapsed_s": 0.0,
            "first_losses": [],
            "baseline_loss": None,
            "history": [],
            "last_loss": None,
            "eval_s": 0.0,
            "evals": 0,
            "planned_steps": None,
        }
        best: dict[str, torch.Tensor] | None = None
        if resume:
            defaults = state
            state, best = ckpt.load_checkpoint(self.run_dir, self.model, self.optimizer, self.scheduler)
            state = {**defaults, **state}  # a checkpoint from before the time budget lacks its keys
            self._load_method_state(ckpt.load_extra(self.run_dir))
            if state["planned_steps"]:
                self._set_total_steps(state["planned_steps"])  # the schedule it was following
        task = (
            progress.add_task("training", total=self.total_steps, completed=state["step"], loss="-", val="-")
            if progress
            else None
        )
        previous_handlers = self._install_stop_handlers()
        started = time.monotonic() - state["elapsed_s"]
        status = "finished"
        try:
            while state["step"] < self.total_steps:
                step = state["step"]
                loss, grad_norm, tokens = self.train_step(step, state)
                state["step"] = step + 1
                state["tokens"] += tokens
                state["elapsed_s"] = time.monotonic() - started
                state["last_loss"] = loss
                self._update_baseline(state, loss)
                self._log(writer, state, loss, grad_norm)
                if self._fit_to_budget(state) and progress:
                    progress.update(task, total=self.total_steps)
                if progress:
                    progress.update(task, completed=state["step"], loss=f"{loss:.3f}")
                elif self.log and state["step"] % LOG_EVERY == 0:
                    self.log(self._status_line(state, loss))
                if self._evaluation_due(state["step"]):
                    best, stop = self._evaluate(state, best, writer)
                    if progress:
                        progress.update(task, val=f"{state['history'][-1]['val_loss']:.3f}")
                    if stop:
                        status = "early_stopped"
                        break
                if self.on_step:
                    self.on_step(state["step"], loss)
                if self._stop_requested:
                    self._save_checkpoint(state, best)
                    return TrainResult("interrupted", self._metrics(state, "interrupted"))
                limit = self.config.time_limit_minutes
                if limit and state["elapsed_s"] > limit * 60:
                    status = "time_limit"
                    break
                if state["step"] % self.config.save_steps == 0 and state["step"] < self.total_steps:
                    self._save_checkpoint(state, best)
        finally:
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)
        if self.val_set and (not state["history"] or state["history"][-1]["step"] != state["step"]):
            best, _ = self._evaluate(state, best, writer)
        if best is not None:
            ckpt.load_trainable_state(self.model, best)  # the run folder keeps the best weights
        return TrainResult(status, self._metrics(state, status))

    # ---- the time budget (see adcraft.train.sft.budget) -----------------------------------------
    def _step_tokens(self) -> list[int]:
        """Training tokens of each optimizer step of the full schedule (padding excluded)."""
        if self._tokens_per_step is None:
            self._tokens_per_step = [
                sum(len(e.input_ids) for batch in self._micro_batches(step) for e in batch)
                for step in range(self.full_steps)
            ]
        return self._tokens_per_step

    def _fit_to_budget(self, state: dict[str, Any]) -> bool:
        """Every PLAN_EVERY steps: shorten the schedule if the rest would overrun the budget, or
        lengthen it again (at most to the full schedule) if the measured speed has recovered."""
        minutes = self.config.time_budget_minutes
        if not minutes or state["step"] % budget.PLAN_EVERY or state["step"] >= self.total_steps:
            return False
        done = budget.Progress(
            state["step"], state["elapsed_s"], state["tokens"], state["eval_s"], state["evals"]
        )
        fits = budget.steps_within_budget(
            done, self._step_tokens(), self.full_steps, minutes * 60,
            eval_steps=self.config.eval_steps, val_tokens=self._val_tokens,
        )
        if not budget.should_replan(self.total_steps, fits, state["step"]):
            return False
        self._set_total_steps(fits)
        state["planned_steps"] = fits
        if self.log:
            rate = state["tokens"] / max(1e-9, state["elapsed_s"])
            epochs = fits * self.config.grad_accum / self.order.batches_per_epoch
            self.log(
                f"time budget {minutes:g} min: training {fits} of {self.full_steps} steps "
                f"({epochs:.2f} epochs) at the measured "
                f"{rate:.0f} tokens/s"
                + ("" if fits == self.full_steps else "; --time-budget-minutes 0 trains them all")
            )
        return True

    def _set_total_steps(self, total: int) -> None:
        """Lay the schedule's decay over `total` steps (warm-up stays as planned for the full run)."""
        self.total_steps = total
        factor = lr_lambda(total, min(self.warmup_steps, max(0, total - 1)), self.config.scheduler)
        self.scheduler.lr_lambdas = [factor] * len(self.optimizer.param_groups)
        if self.config.method == "adalora":  # or it would still be pruning ranks at the last step
            _, adalora = self._adalora()
            for key, value in adalora_schedule(total).items():
                setattr(adalora, key, value)

    def _save_checkpoint(self, state: dict[str, Any], best: dict[str, torch.Tensor] | None) -> None:
        ckpt.save_checkpoint(self.run_dir, self.model, self.optimizer, self.scheduler, state, best,
                             self._method_state())

    # AdaLoRA's rank allocator keeps smoothed importance scores and the rank pattern outside the
    # parameters; without them a resumed run would prune different ranks than an uninterrupted one.
    _ALLOCATOR_STATE = ("ipt", "exp_avg_ipt", "exp_avg_unc")

    def _adalora(self):  # -> (RankAllocator, AdaLoraConfig)
        tuner = self.model.base_model
        return tuner.rankallocator, tuner.peft_config[tuner.trainable_adapter_name]

    def _allocate_ranks(self, step: int) -> None:
        _, adalora = self._adalora()
        if adalora.rank_pattern is None and step > adalora.total_step - adalora.tfinal:
            return  # a budget cut skipped AdaLoRA's pruning: it keeps every rank (peft would fail here)
        self.model.base_model.update_and_allocate(step)

    def _method_state(self) -> dict[str, Any] | None:
        if self.config.method != "adalora":
            return None
        allocator, config = self._adalora()
        return {**{name: getattr(allocator, name) for name in self._ALLOCATOR_STATE},
                "rank_pattern": config.rank_pattern}

    def _load_method_state(self, saved: dict[str, Any] | None) -> None:
        if saved is None or self.config.method != "adalora":
            return
        allocator, config = self._adalora()
        for name in self._ALLOCATOR_STATE:
            setattr(allocator, name, saved[name])
        config.rank_pattern = saved["rank_pattern"]

    def _install_stop_handlers(self) -> dict:
        """Ctrl-C and SIGTERM (`kill`, a service or container stop) save a checkpoint and stop; a
        second one stops at once. Returns the handlers they replaced."""

        def request_stop(signum, frame) -> None:
            if self._stop_requested:
                raise KeyboardInterrupt
            self._stop_requested = True

        previous = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                previous[signum] = signal.signal(signum, request_stop)
            except ValueError:  # not the main thread: signals are not ours to handle
                pass
        return previous

    def _status_line(self, state: dict[str, Any], loss: float) -> str:
        rate = state["step"] / max(1e-9, state["elapsed_s"])
        eta = (self.total_steps - state["step"]) / max(1e-9, rate)
        return (
            f"step {state['step']}/{self.total_steps} loss {loss:.3f} "
            f"lr {self.scheduler.get_last_lr()[0]:.2e} "
            f"{state['tokens'] / max(1e-9, state['elapsed_s']):.0f} tokens/s, "
            f"elapsed {state['elapsed_s'] / 60:.1f} min, ETA {eta / 60:.1f} min"
        )

    def _update_baseline(self, state: dict[str, Any], loss: float) -> None:
        if state["baseline_loss"] is None:
            state["first_losses"].append(loss)
            if len(state["first_losses"]) >= WARMUP_STEPS_FOR_BASELINE:
                state["baseline_loss"] = sum(state["first_losses"]) / len(state["first_losses"])

    def _evaluation_due(self, step: int) -> bool:
        every = self.config.eval_steps
        return bool(self.val_set) and bool(every) and step % every == 0

    def _evaluate(self, state: dict[str, Any], best, writer) -> tuple[dict | None, bool]:
        started = time.monotonic()
        val_loss = self.validation_loss()
        state["eval_s"] += time.monotonic() - started
        state["evals"] += 1
        state["history"].append(
            {"step": state["step"], "val_loss": val_loss, "train_loss": state["last_loss"]}
        )
        if writer:
            writer.add_scalar("val/loss", val_loss, state["step"])
        if state["best_val"] is None or val_loss < state["best_val"] - self.config.min_delta:
            state["best_val"] = val_loss
            state["best_step"] = state["step"]
            state["bad_evals"] = 0
            return ckpt.trainable_state(self.model), False
        state["bad_evals"] += 1
        patience = self.config.patience
        return best, bool(patience) and state["bad_evals"] >= patience

    def _log(self, writer, state: dict[str, Any], loss: float, grad_norm: float) -> None:
        if writer is None:
            return
        step = state["step"]
        writer.add_scalar("train/loss", loss, step)
        writer.add_scalar("train/lr", self.scheduler.get_last_lr()[0], step)
        writer.add_scalar("train/grad_norm", grad_norm, step)
        writer.add_scalar("train/tokens_per_s", state["tokens"] / max(1e-9, state["elapsed_s"]), step)

    def _metrics(self, state: dict[str, Any], status: str) -> dict[str, Any]:
        return {
            "status": status,
            "steps": state["step"],
            "total_steps": self.total_steps,
            "full_schedule_steps": self.full_steps,
            "time_budget_minutes": self.config.time_budget_minutes,
            "epochs": state["step"] * self.config.grad_accum / self.order.batches_per_epoch,
            "train_loss": state["last_loss"],
            "best_val_loss": state["best_val"],
            "best_step": state.get("best_step"),
            "history": state["history"],
            "train_seconds": round(state["elapsed_s"], 1),
            "tokens_per_second": round(state["tokens"] / max(1e-9, state["elapsed_s"]), 1),
            "train_examples": len(self.train_set),
            "val_examples": len(self.val_set),
        }
