"""Training on the tiny random Gemma: learning, exact resume, early stopping, divergence, every method."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import torch
from conftest import loss_inputs
from safetensors.torch import load_file

from adcraft.train import METHODS, TrainingDiverged, build_config, export_merged, train


def _adapter_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return load_file(str(run_dir / "adapter_model.safetensors"))


def _untrained_loss(config) -> float:
    """The loss on the training rows before any step, through the trainer's own loss code."""
    from adcraft.train.methods import target_loss

    model, batch, vocab = loss_inputs(config)
    with torch.no_grad():
        loss, _ = target_loss(model, batch, vocab, bf16=False)
    return loss.item()


def test_loss_falls_on_a_small_fixed_set(fast_options, small_data):
    # validation = the training rows themselves: the loss the model is fitting. Full fine-tuning, since
    # the tiny random model's logits are too small for a LoRA to move the loss much in a few steps.
    config = build_config(
        None,
        **fast_options
        | {"val": str(small_data), "max_steps": 12, "eval_steps": 12, "lr": 1e-2, "method": "full"},
    )
    before = _untrained_loss(config)
    _, result = train(config)
    assert result.status == "finished"
    assert result.metrics["best_val_loss"] < 0.8 * before, (before, result.metrics["best_val_loss"])


def _interrupt_at(step_to_stop: int, signum: int = signal.SIGINT):
    def on_step(step: int, loss: float) -> None:
        if step == step_to_stop:
            os.kill(os.getpid(), signum)  # the real Ctrl-C (or `kill`) path

    return on_step


# AdaLoRA: 10 steps put the interruption inside the rank-pruning phase (steps 1..8), where the
# allocator's smoothed importance scores decide which ranks are masked. NEFTune: its noise comes from
# the same saved generator as dropout's. SIGTERM (a `kill`, a container stop) stops like Ctrl-C.
@pytest.mark.parametrize(
    ("method", "steps", "stop_at", "neftune", "signum"),
    [("lora", 6, 3, 0.0, signal.SIGINT), ("adalora", 10, 5, 0.0, signal.SIGINT),
     ("lora", 6, 3, 5.0, signal.SIGINT), ("lora", 6, 3, 0.0, signal.SIGTERM)],
)
def test_resume_after_ctrl_c_ends_with_the_same_weights(
    method, steps, stop_at, neftune, signum, fast_options, tmp_path
):
    options = fast_options | {"dropout": 0.1, "max_steps": steps, "grad_accum": 2, "batch_size": 2,
                              "method": method, "neftune_alpha": neftune}
    straight_dir, straight = train(build_config(None, **options | {"out": str(tmp_path / "straight")}))
    assert straight.status == "finished"

    split = options | {"out": str(tmp_path / "split")}
    term_handler = signal.getsignal(signal.SIGTERM)
    run_dir, first = train(build_config(None, **split), on_step=_interrupt_at(stop_at, signum))
    assert first.status == "interrupted" and first.metrics["steps"] == stop_at
    assert (run_dir / "checkpoint").is_dir() and not (run_dir / "adapter_model.safetensors").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored
    assert signal.getsignal(signal.SIGTERM) is term_handler

    run_dir, second = train(None, resume=str(run_dir))
    assert second.status == "finished" and second.metrics["steps"] == steps
    a, b = _adapter_weights(straight_dir), _adapter_weights(run_dir)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    assert straight.metrics["history"] == second.metrics["history"]
    assert not (run_dir / "checkpoint").exists()  # finished runs drop their checkpoint


def test_neftune_noise_only_while_training_and_within_its_bound(tiny_model_dir):
    from adcraft.models import load_causal_lm
    from adcraft.train.methods import add_embedding_noise

    model, _ = load_causal_lm(str(tiny_model_dir))
    ids = torch.tensor([[5, 6, 7, 8, 9, 10]])
    embed = model.get_input_embeddings()
    clean = embed(ids).detach()
    handle = add_embedding_noise(model, alpha=5.0)
    bound = 5.0 / (ids.shape[1] * clean.shape[-1]) ** 0.5
    model.train()
    noise = embed(ids).detach() - clean
    assert noise.abs().max() > 0.5 * bound and noise.abs().max() <= bound * (1 + 1e-5)
    assert not torch.equal(embed(ids), embed(ids))  # fresh noise on every call
    model.eval()
    assert torch.equal(embed(ids), clean)  # validation and generation see the clean embeddings
    handle.remove()


def test_early_stopping_fires(fast_options):
    # A learning rate too small to move the validation loss by min_delta: no evaluation improves.
    options = fast_options | {"lr": 1e-9, "max_steps": 20, "eval_steps": 1, "patience": 2}
    _, result = train(build_config(None, **options))
    assert result.status == "early_stopped"
    assert result.metrics["steps"] == 3  # best at step 1, no gain at steps 2 and 3
    assert result.metrics["best_step"] == 1


def test_nan_loss_stops_with_a_clear_message(fast_options, monkeypatch):
    import adcraft.train.sft.trainer as trainer_module

    real = trainer_module.target_loss

    def poisoned(*args, **kwargs):
        loss, n = real(*args, **kwargs)
        return loss * float("nan"), n

    monkeypatch.setattr(trainer_module, "target_loss", poisoned)
    with pytest.raises(TrainingDiverged, match=r"loss became nan.*--lr"):
        train(build_config(None, **fast_options))


@pytest.mark.parametrize("method", METHODS)
def test_every_method_trains_a_step_and_generates(method, fast_options, tiny_model_dir):
    from adcraft.models import load_generator

    options = fast_options | {"method": method, "max_steps": 1, "eval_steps": 1}
    run_dir, result = train(build_config(None, **options))
    assert result.status == "finished"
    assert json.loads((run_dir / "metrics.json").read_text())["method"] == method
    decoding = json.loads((run_dir / "decoding.json").read_text())
    assert decoding["max_new_tokens"] > 0
    assert isinstance(decoding["min_new_tokens"], int)  # "auto" resolved from the training creatives
    assert decoding["epsilon_cutoff"] > 0 and decoding["consensus_samples"] > 0  # the recipe's consensus
    if method == "full":
        assert (run_dir / "config.json").is_file()
    else:
        adapter = json.loads((run_dir / "adapter_config.json").read_text())
        assert adapter["base_model_name_or_path"] == str(tiny_model_dir)
    if method in ("prefix", "prompt"):
        # load_generator merges every adapter, which virtual-token adapters cannot do (yet): load
        # base + adapter with peft and generate through it instead.
        from peft import PeftModel

        from adcraft.models import load_causal_lm

        base, tokenizer = load_causal_lm(str(tiny_model_dir))
        lm = PeftModel.from_pretrained(base, str(run_dir)).eval()
        ids = tokenizer(["为以下商品写一段广告文案。"], return_tensors="pt")
        with torch.no_grad():
            out = lm.generate(**ids, max_new_tokens=4, do_sample=False)
        assert out.shape[1] == ids["input_ids"].shape[1] + 4
        return
    generator = load_generator(str(run_dir))
    outputs = generator.complete(["为以下商品写一段广告文案。"], n=1, max_new_tokens=4, do_sample=False)
    assert len(outputs) == 1 and isinstance(outputs[0][0], str)


def test_export_merges_lora_into_a_standalone_model(fast_options, tmp_path):
    from adcraft.models import load_causal_lm

    run_dir, _ = train(build_config(None, **fast_options | {"max_steps": 1}))
    out = export_merged(run_dir, tmp_path / "merged")
    assert not (out / "adapter_config.json").exists() and (out / "config.json").is_file()
    assert (out / "decoding.json").is_file()
    merged, tok = load_causal_lm(str(out))
    adapted, _ = load_causal_lm(str(run_dir))  # base + adapter, merged in memory
    ids = tok("类型#裙", return_tensors="pt")
    with torch.no_grad():
        assert torch.allclose(merged(**ids).logits, adapted(**ids).logits, atol=1e-4)


def test_auto_min_length_is_a_quantile_of_the_training_creatives():
    from adcraft.train.config import MIN_LENGTH_QUANTILE, decoding_for_run

    lengths = list(range(100, 0, -1))  # 1..100 tokens, unordered
    auto = decoding_for_run({"min_new_tokens": "auto", "max_new_tokens": 160}, lengths)
    assert auto["min_new_tokens"] == int(MIN_LENGTH_QUANTILE * 99) + 1
    assert decoding_for_run({"min_new_tokens": "auto", "max_new_tokens": 10}, lengths)["min_new_tokens"] == 10
    assert decoding_for_run({"min_new_tokens": 7}, lengths)["min_new_tokens"] == 7
    assert decoding_for_run({"min_new_tokens": "auto"}, [])["min_new_tokens"] == 0
