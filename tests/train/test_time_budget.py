"""`--time-budget-minutes`: a schedule that would overrun the budget is shortened, its decay laid over
the steps that fit, lengthened again when the speed recovers, and a resumed run keeps the plan."""

from __future__ import annotations

import pytest
import torch
from conftest import run_saved_without
from safetensors.torch import load_file
from test_bad_input import _cli, _flags  # the CLI as a user runs it
from test_training import _interrupt_at

from adcraft.train import build_config, train
from adcraft.train.config import load_run_config
from adcraft.train.sft import budget
from adcraft.train.sft.budget import Progress, should_replan, steps_within_budget


def test_steps_that_fit_at_the_measured_speed():
    # 10 steps of 100 tokens took 100 s: 10 s a step. 300 s x 0.97 = 291 s leaves 19 more steps.
    done = Progress(step=10, elapsed_s=100.0, tokens=1000)
    assert steps_within_budget(done, [100] * 50, 50, 300.0) == 29
    assert steps_within_budget(done, [100] * 50, 50, 10_000.0) == 50  # everything fits
    assert steps_within_budget(done, [100] * 50, 50, 90.0) == 10  # already spent: stop here
    assert steps_within_budget(Progress(0, 0.0, 0), [100] * 50, 50, 1.0) == 50  # nothing measured yet
    # longer steps ahead cost more: 200-token steps take 20 s each
    assert steps_within_budget(done, [100] * 10 + [200] * 40, 50, 300.0) == 19


def test_validations_ahead_are_paid_for():
    # 20 of the 100 s went to one validation: training runs at 0.08 s a token (8 s a step), and each
    # validation ahead (after steps 20 and 30) costs 20 s. 100 + 10 x 8 + 20 = 200 after step 20;
    # step 30 brings 280 + 20 = 300 > 291, so 29 steps fit.
    done = Progress(step=10, elapsed_s=100.0, tokens=1000, eval_s=20.0, evals=1)
    assert steps_within_budget(done, [100] * 50, 50, 300.0, eval_steps=10, val_tokens=500) == 29
    assert steps_within_budget(done, [100] * 50, 50, 300.0) == 33  # (291 - 100) / 8 = 23.9 more


def test_only_real_differences_change_the_schedule():
    assert not should_replan(318, 318, 10)
    assert not should_replan(318, 316, 10)  # under 1%: keep the learning rate where it is
    assert should_replan(318, 290, 10)
    assert should_replan(318, 10, 10)  # the budget is spent
    assert should_replan(265, 300, 100)  # the speed recovered: lengthen it again
    assert not should_replan(316, 318, 100)  # but not for under 1%


def test_a_spent_budget_ends_the_run_at_the_next_plan(fast_options):
    said: list[str] = []
    options = fast_options | {"max_steps": 30, "time_budget_minutes": 1e-6, "eval_steps": 0}
    run_dir, result = train(build_config(None, **options), notify=said.append)
    assert result.status == "finished"
    assert result.metrics["steps"] == result.metrics["total_steps"] == budget.PLAN_EVERY
    assert result.metrics["full_schedule_steps"] == 30
    assert any("training 10 of 30 steps" in line for line in said), said
    assert (run_dir / "adapter_model.safetensors").is_file()


def _learning_rates(run_dir) -> list[float]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir / "tensorboard"))
    events.Reload()
    return [e.value for e in events.Scalars("train/lr")]


def _plan(steps: int):
    def fixed_plan(done, step_tokens, total_steps, budget_s, **kwargs) -> int:
        return min(steps, total_steps)

    return fixed_plan


def test_a_shortened_schedule_decays_fully_and_resumes_exactly(fast_options, tmp_path, monkeypatch):
    # The plan is fixed (a real one depends on the machine's speed) to test what the trainer does with it.
    options = fast_options | {"max_steps": 30, "time_budget_minutes": 60, "eval_steps": 0, "save_steps": 4,
                              "warmup_ratio": 0.1, "dropout": 0.1}
    monkeypatch.setattr(budget, "steps_within_budget", _plan(15))
    straight_dir, straight = train(build_config(None, **options | {"out": str(tmp_path / "straight")}))
    assert straight.metrics["steps"] == straight.metrics["total_steps"] == 15
    rates = _learning_rates(straight_dir)
    assert len(rates) == 15 and rates[-1] < 0.02 * max(rates)  # the decay reached its end at step 15

    run_dir, first = train(build_config(None, **options | {"out": str(tmp_path / "split")}),
                           on_step=_interrupt_at(12))
    assert first.status == "interrupted"
    monkeypatch.setattr(budget, "steps_within_budget", _plan(30))  # a new plan would train all 30
    run_dir, second = train(None, resume=str(run_dir))
    assert second.metrics["steps"] == 15  # the checkpoint's plan, not a new one
    a = load_file(str(straight_dir / "adapter_model.safetensors"))
    b = load_file(str(run_dir / "adapter_model.safetensors"))
    assert all(torch.equal(a[name], b[name]) for name in a)


def test_a_recovered_speed_lengthens_the_schedule_again(fast_options, monkeypatch):
    # A slow spell at the start plans 25 of 30 steps; at step 20 the speed has recovered and all 30 fit.
    def recovering(done, step_tokens, total_steps, budget_s, **kwargs) -> int:
        assert total_steps == 30  # plans are made against the full schedule, not the current one
        return 25 if done.step < 20 else total_steps

    monkeypatch.setattr(budget, "steps_within_budget", recovering)
    said: list[str] = []
    options = fast_options | {"max_steps": 30, "time_budget_minutes": 60, "eval_steps": 0}
    run_dir, result = train(build_config(None, **options), notify=said.append)
    assert result.metrics["steps"] == result.metrics["total_steps"] == 30
    plans = [line for line in said if line.startswith("time budget")]
    assert len(plans) == 2 and "training 25 of 30" in plans[0] and "training 30 of 30" in plans[1], said
    rates = _learning_rates(run_dir)
    assert len(rates) == 30 and rates[-1] < 0.02 * max(rates)  # the decay ends at the new last step


@pytest.mark.parametrize(("plan", "pruned"), [(15, True), (11, False)])
def test_adalora_prunes_within_the_shortened_schedule(fast_options, monkeypatch, plan, pruned):
    # Of 120 steps AdaLoRA would keep every rank for 12, prune until 96 and hold its ranks after.
    # Cut to 15 at step 10, its final allocation comes at step 15 - 15 // 5 = 12. Cut to 11, that step
    # (9) has passed with no allocation yet: it keeps every rank, and peft does not fail.
    import json

    monkeypatch.setattr(budget, "steps_within_budget", _plan(plan))
    options = fast_options | {"max_steps": 120, "time_budget_minutes": 60, "eval_steps": 0,
                              "method": "adalora"}
    run_dir, result = train(build_config(None, **options))
    assert result.status == "finished" and result.metrics["steps"] == plan
    saved = json.loads((run_dir / "adapter_config.json").read_text(encoding="utf-8"))
    assert (saved["total_step"], saved["tfinal"]) == (plan, plan // 5)
    assert (saved["rank_pattern"] is not None) is pruned


def test_flag_default_and_old_runs(fast_options, tmp_path):
    assert build_config(None, **fast_options).time_budget_minutes == 28.0  # the recipe
    bad = _cli("train", *_flags(fast_options | {"time_budget_minutes": -1, "out": str(tmp_path / "bad")}))
    assert bad.exit_code == 2 and "time_budget_minutes" in bad.output
    assert not (tmp_path / "bad").exists()
    # a run saved before the option existed trained every step: resuming it must too
    old = run_saved_without("time_budget_minutes", fast_options, tmp_path / "old")
    assert load_run_config(old).time_budget_minutes == 0.0


def test_no_budget_trains_every_step(fast_options):
    options = fast_options | {"max_steps": 12, "time_budget_minutes": 0, "eval_steps": 0}
    _, result = train(build_config(None, **options))
    assert result.metrics["steps"] == 12
