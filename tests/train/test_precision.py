"""bf16 or fp32, and the thread count: chosen on this CPU when unset, saved with the run, kept on resume,
forced by flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from test_bad_input import _cli, _flags  # the CLI as a user runs it
from test_training import _interrupt_at

from adcraft.train import build_config, precision, train
from adcraft.train.config import CONFIG_FILE, load_run_config


def test_bf16_only_where_it_is_clearly_faster():
    assert precision.bf16_pays_off(fp32_seconds=1.0, bf16_seconds=0.4)  # native bf16 (AMX, AVX512-BF16)
    assert not precision.bf16_pays_off(fp32_seconds=1.0, bf16_seconds=150.0)  # emulated (AVX2)
    assert not precision.bf16_pays_off(fp32_seconds=1.0, bf16_seconds=0.9)  # no real gain: exact fp32
    assert "fp32" in precision.describe(1.0, 150.0) and "150.0x" in precision.describe(1.0, 150.0)
    assert "bf16 autocast" in precision.describe(1.0, 0.4)


def test_the_probe_times_both_precisions_on_this_cpu():
    fp32_seconds, bf16_seconds = precision.matmul_seconds()
    assert 0 < fp32_seconds < 5 and 0 < bf16_seconds < 60


def _saved_bf16(run_dir: Path) -> object:
    return yaml.safe_load((run_dir / CONFIG_FILE).read_text(encoding="utf-8"))["bf16"]


def test_unset_precision_is_measured_saved_and_reported(fast_options, monkeypatch):
    # The CPU's answer is pinned both ways, so the test checks the choice on any machine.
    for bf16_seconds, expected in ((0.25, True), (40.0, False)):
        monkeypatch.setattr(precision, "matmul_seconds", lambda s=bf16_seconds: (1.0, s))
        out = Path(fast_options["out"] + f"-{expected}")
        options = {k: v for k, v in fast_options.items() if k != "bf16"} | {"out": str(out), "max_steps": 2}
        result = _cli("train", *_flags(options))
        assert result.exit_code == 0, result.output
        assert ("precision: bf16 autocast" if expected else "precision: fp32") in result.output
        assert _saved_bf16(out) is expected
        metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
        assert metrics["precision"] == ("bf16" if expected else "fp32")


@pytest.mark.parametrize("flag", ["--bf16", "--fp32"])
def test_a_precision_flag_skips_the_probe(fast_options, monkeypatch, flag):
    def no_probe() -> tuple[float, float]:
        raise AssertionError("probed although the precision was given")

    monkeypatch.setattr(precision, "matmul_seconds", no_probe)
    options = {k: v for k, v in fast_options.items() if k != "bf16"} | {"max_steps": 2}
    result = _cli("train", flag, *_flags(options))
    assert result.exit_code == 0, result.output
    assert "precision:" not in result.output
    assert _saved_bf16(Path(fast_options["out"])) is (flag == "--bf16")


def test_resume_keeps_the_saved_precision_without_probing(fast_options, monkeypatch):
    monkeypatch.setattr(precision, "matmul_seconds", lambda: (1.0, 0.25))  # bf16 "pays off" at the start
    config = build_config(None, **fast_options | {"bf16": None})

    run_dir, result = train(config, on_step=_interrupt_at(3))
    assert result.status == "interrupted" and _saved_bf16(run_dir) is True

    def no_probe() -> tuple[float, float]:
        raise AssertionError("a resumed run measured its precision again")

    monkeypatch.setattr(precision, "matmul_seconds", no_probe)
    _, result = train(None, resume=str(run_dir))
    assert result.status == "finished" and result.metrics["precision"] == "bf16"


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return set()
    line = next((line for line in text.splitlines() if line.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


def test_the_probe_chooses_bf16_exactly_where_the_cpu_has_it():
    """Native bf16 (AMX or AVX512-BF16) must win the probe; emulated bf16 (AVX2 only) must lose it.
    A probe on too few rows timed AMX bf16 at 1.2x fp32 (the weight cast outweighed the matmul), and
    the recipe trained in fp32 at less than half the speed it could."""
    flags = _cpu_flags()
    if not flags:
        pytest.skip("no /proc/cpuinfo flags to tell native from emulated bf16")
    native = bool(flags & {"amx_bf16", "avx512_bf16"})
    fp32_seconds, bf16_seconds = precision.matmul_seconds()
    assert precision.bf16_pays_off(fp32_seconds, bf16_seconds) == native, (fp32_seconds, bf16_seconds)


def test_resume_keeps_the_thread_count_chosen_at_the_start(fast_options, monkeypatch):
    # A busy machine at the start picks one thread; an idle one at resume would pick all cores and
    # sum in another order, so the resumed weights would differ from an uninterrupted run's.
    from adcraft.train.sft import workflow

    monkeypatch.setattr(workflow.os, "getloadavg", lambda: (1000.0, 0.0, 0.0))
    config = build_config(None, **fast_options | {"threads": 0})

    run_dir, result = train(config, on_step=_interrupt_at(3))
    assert result.status == "interrupted" and load_run_config(run_dir).threads == 1

    monkeypatch.setattr(workflow.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(workflow.os, "cpu_count", lambda: 2)  # all cores would now be 2
    _, result = train(None, resume=str(run_dir))
    assert result.status == "finished" and result.metrics["threads"] == 1
