"""--seeds N: LoRA runs side by side in their own processes, averaged exactly into one adapter."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from adcraft.core.errors import InputError
from adcraft.train import build_config, train
from adcraft.train.seeds import seed_config


def _updates(folder: Path) -> dict[str, torch.Tensor]:
    """Each LoRA module's weight update scaling x B @ A, by module name."""
    config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    scaling = config["lora_alpha"] / config["r"]
    weights = load_file(str(folder / "adapter_model.safetensors"))
    a_names = [name for name in weights if name.endswith(".lora_A.weight")]
    return {
        a.removesuffix(".lora_A.weight"): scaling * (weights[a.replace("lora_A", "lora_B")] @ weights[a])
        for a in a_names
    }


def _seed_options(fast_options: dict) -> dict:
    # threads=2: one per seed on any machine, the same as the in-process seed runs below use.
    return fast_options | {"seeds": 2, "max_steps": 4, "dropout": 0.1, "threads": 2, "method": "lora"}


def test_two_seeds_train_apart_and_average_exactly(fast_options):
    from test_bad_input import _cli, _flags  # the CLI as a user runs it; --progress: a bar per seed

    from adcraft.models import load_generator

    options = _seed_options(fast_options) | {"progress": True}
    result = _cli("train", *_flags(options))
    assert result.exit_code == 0, result.output
    assert "averaged 2 LoRA runs (val loss seed 0 " in result.output
    run_dir = Path(options["out"])
    seeds = [run_dir / "seed-0", run_dir / "seed-1"]
    for folder in seeds:
        assert json.loads((folder / "metrics.json").read_text())["status"] == "finished"
        assert not (folder / "checkpoint").exists()
        assert not (folder / "tokenizer.json").exists()  # one copy, in the run folder
    first, second, averaged = _updates(seeds[0]), _updates(seeds[1]), _updates(run_dir)
    assert averaged.keys() == first.keys() == second.keys()
    name = next(iter(first))
    assert not torch.allclose(first[name], second[name])  # the seeds really differ
    for name in first:
        torch.testing.assert_close(averaged[name], (first[name] + second[name]) / 2, rtol=1e-5, atol=1e-7)

    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert [s["seed"] for s in metrics["seeds"]] == [0, 1]
    assert metrics["best_val_loss"] is not None and metrics["steps"] == 4
    saved = build_config(run_dir / "train_config.yaml")
    assert saved.seeds == 2 and (run_dir / "decoding.json").is_file()
    outputs = load_generator(str(run_dir)).complete(["商品：裙"], n=1, max_new_tokens=4, do_sample=False)
    assert isinstance(outputs[0][0], str)  # the run folder works as --model
    assert load_generator(str(seeds[1])).complete(["商品：裙"], n=1, max_new_tokens=2, do_sample=False)


def test_resume_finishes_an_interrupted_seed_and_averages_the_same(fast_options, tmp_path):
    options = _seed_options(fast_options)
    straight_dir, _ = train(build_config(None, **options | {"out": str(tmp_path / "straight")}))

    # The state Ctrl-C leaves: seed 0 finished, seed 1 stopped at step 2 with its checkpoint.
    config = build_config(None, **options | {"out": str(tmp_path / "split")})
    run_dir = Path(config.out)
    run_dir.mkdir()
    (run_dir / "train_config.yaml").write_text(config.to_yaml(), encoding="utf-8")
    train(seed_config(config, 0, run_dir, threads=1))

    def interrupt(step: int, loss: float) -> None:
        if step == 2:
            os.kill(os.getpid(), signal.SIGINT)

    _, stopped = train(seed_config(config, 1, run_dir, threads=1), on_step=interrupt)
    assert stopped.status == "interrupted"

    _, result = train(None, resume=str(run_dir))
    assert result.status == "finished"
    a, b = load_file(str(straight_dir / "adapter_model.safetensors")), load_file(
        str(run_dir / "adapter_model.safetensors")
    )
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    with pytest.raises(InputError, match="already finished"):
        train(None, resume=str(run_dir))


def test_a_failing_seed_stops_the_run_with_its_message(fast_options):
    options = _seed_options(fast_options) | {"lr": 1e12, "max_steps": 6, "max_grad_norm": 1e12}
    with pytest.raises(InputError, match=r"seed \d: training stopped at step \d+: the loss"):
        train(build_config(None, **options))


def test_seeds_are_for_lora(fast_options):
    with pytest.raises(InputError, match="--seeds 2 averages LoRA adapters; train method prefix with"):
        build_config(None, **fast_options | {"method": "prefix", "seeds": 2})
    options = {k: v for k, v in fast_options.items() if k != "seeds"}
    assert build_config(None, **options | {"method": "prefix"}).seeds == 1
    assert build_config(None, **options).seeds == 1  # the recipe: one run


def test_sigterm_to_the_parent_stops_every_seed_with_a_checkpoint(fast_options):
    """`kill PID` (or a container stop) reaches only the parent: it passes the stop on to the seeds,
    which checkpoint and end, so no seed keeps training on its own."""
    import subprocess
    import sys
    import time

    from test_bad_input import _flags

    from adcraft.cli.train_cmd import EXIT_INTERRUPTED

    options = _seed_options(fast_options) | {"max_steps": 100_000, "save_steps": 2, "eval_steps": 0}
    run_dir = Path(options["out"])
    command = [str(Path(sys.executable).parent / "adcraft"), "train", *_flags(options)]
    parent = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 240
    while not all((run_dir / f"seed-{k}" / "checkpoint").is_dir() for k in (0, 1)):
        assert parent.poll() is None and time.monotonic() < deadline, parent.communicate()[0]
        time.sleep(0.2)
    parent.send_signal(signal.SIGTERM)
    output, _ = parent.communicate(timeout=120)  # returns once the parent has joined both seeds
    assert parent.returncode == EXIT_INTERRUPTED, output
    assert "stopping: each seed saves a checkpoint" in output and "adcraft train --resume" in output
    assert "Traceback" not in output and "stopped unexpectedly" not in output
    for k in (0, 1):  # each seed stopped at a checkpoint, unfinished
        assert (run_dir / f"seed-{k}" / "checkpoint").is_dir()
        assert not (run_dir / f"seed-{k}" / "metrics.json").exists()
