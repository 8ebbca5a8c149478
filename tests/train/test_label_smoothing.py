"""`--label-smoothing`: the training loss spreads a share of each target over the loss vocabulary;
validation loss stays plain cross-entropy, so runs with and without it compare on one scale."""

from __future__ import annotations

import math

import pytest
import torch
import yaml
from conftest import loss_inputs, run_saved_without
from test_bad_input import _cli, _flags  # the CLI as a user runs it

from adcraft.core import InputError
from adcraft.train import build_config
from adcraft.train.config import CONFIG_FILE, load_run_config


def test_smoothed_loss_is_the_mix_of_cross_entropy_and_the_uniform_term(fast_options):
    from adcraft.train.methods import target_loss

    model, batch, vocab = loss_inputs(build_config(None, **fast_options | {"loss_vocab": "language"}))
    with torch.no_grad():
        plain, n = target_loss(model, batch, vocab, bf16=False)
        smoothed, m = target_loss(model, batch, vocab, bf16=False, label_smoothing=0.1)
        uniform, _ = target_loss(model, batch, vocab, bf16=False, label_smoothing=1.0 - 1e-9)
    assert n == m > 0
    # (1 - eps) * CE + eps * mean over the kept vocabulary of -log p: linear in eps
    assert math.isclose(smoothed.item(), 0.9 * plain.item() + 0.1 * uniform.item(), rel_tol=1e-4)
    assert uniform.item() != pytest.approx(plain.item())


def test_recipe_default_flag_and_range(fast_options, tmp_path):
    assert build_config(None, **fast_options).label_smoothing == 0.1  # the recipe
    result = _cli("train", *_flags(fast_options | {"max_steps": 2, "label_smoothing": 0.2}))
    assert result.exit_code == 0, result.output
    saved = yaml.safe_load((tmp_path / "run" / CONFIG_FILE).read_text(encoding="utf-8"))
    assert saved["label_smoothing"] == 0.2
    with pytest.raises(InputError, match="label_smoothing"):
        build_config(None, **fast_options | {"label_smoothing": 1.0})
    bad = _cli("train", *_flags(fast_options | {"label_smoothing": -0.1, "out": str(tmp_path / "bad")}))
    assert bad.exit_code == 2 and "label_smoothing" in bad.output
    assert not (tmp_path / "bad").exists()


def test_a_run_saved_before_the_option_resumes_without_it(fast_options, tmp_path):
    """Runs saved before label smoothing existed were trained without it: resume keeps it off."""
    run_dir = run_saved_without("label_smoothing", fast_options, tmp_path / "old")
    assert load_run_config(run_dir).label_smoothing == 0.0
