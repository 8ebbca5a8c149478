"""bf16 or fp32 for training matmuls: measured on this CPU, once per run, unless the config says.

bfloat16 autocast is what makes training fast on CPUs with native bf16 (AVX512-BF16, AMX): the
recipe's 25-minute run was measured on one. On a CPU without it (AVX2 only, e.g. AMD EPYC Zen 3)
oneDNN emulates bf16: the probe below takes 30-50x the time of fp32 there, and `adcraft train
--seeds 2` in bf16 trained at 3.5 tokens/s per seed (fp32 there: ~90 tokens/s with one thread, 140
with two). The probe times a layer of the model's shape in both and keeps bf16 only
where it is clearly faster. The chosen value is saved in the run's config, so `--resume` continues
with the same precision without probing again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache

import torch

from adcraft.train.config import TrainConfig

# Gemma 3 270M's MLP up-projection (640 -> 2048) on 512 token rows, about one micro-batch (4 creatives
# with their prompts). The shape must be a training one: autocast casts the weight on every call, and
# on 64 rows that cast outweighs the matmul. On a CPU with AMX (Xeon, Sapphire Rapids) a 64 x 640 x 640
# probe timed bf16 at 1.1-1.6x fp32, so training ran in fp32 at 117 tokens/s, while at this shape bf16
# takes 0.24-0.27x (1 and 2 threads) and the training matmuls (800 rows) 0.19-0.27x. Where bf16 is
# emulated (AVX2 only, ~38x fp32) a bf16 call of this shape should take ~0.3 s, ~1.2 s for the probe.
PROBE_SHAPE = (512, 640, 2048)
# bf16 must take under this share of fp32's time to be chosen: at equal speed fp32 is exact.
BF16_MAX_TIME_RATIO = 0.8


def _seconds(run: Callable[[], object], repeats: int) -> float:
    run()  # warm-up: first calls pick kernels and allocate
    started = time.perf_counter()
    for _ in range(repeats):
        run()
    return (time.perf_counter() - started) / repeats


def matmul_seconds() -> tuple[float, float]:
    """(fp32 seconds, bf16-autocast seconds) for one probe matmul, at torch's current thread count."""
    return _matmul_seconds(torch.get_num_threads())


@cache  # the CPU does not change while a process runs: measure once per thread count
def _matmul_seconds(threads: int) -> tuple[float, float]:
    rows, width, out = PROBE_SHAPE
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(rows, width, generator=generator)
    weight = torch.randn(width, out, generator=generator)

    def in_bf16() -> object:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return inputs @ weight

    fp32 = _seconds(lambda: inputs @ weight, repeats=20)
    bf16 = _seconds(in_bf16, repeats=3)  # slow where emulated: few repeats
    return fp32, bf16


def bf16_pays_off(fp32_seconds: float, bf16_seconds: float) -> bool:
    return bf16_seconds < BF16_MAX_TIME_RATIO * fp32_seconds


def describe(fp32_seconds: float, bf16_seconds: float) -> str:
    """One line for the run's log: which precision, and the measured speeds behind it."""
    ratio = bf16_seconds / max(fp32_seconds, 1e-12)
    if bf16_pays_off(fp32_seconds, bf16_seconds):
        return f"precision: bf16 autocast (this CPU runs bf16 matmuls in {ratio:.2f}x the time of fp32)"
    return (f"precision: fp32 (bf16 matmuls take {ratio:.1f}x the time of fp32 on this CPU; "
            "--bf16 forces bf16)")


def resolve_precision(config: TrainConfig, notify: Callable[[str], None]) -> TrainConfig:
    """`config` with `bf16` decided: as given, or (unset) by timing both on this CPU now."""
    if config.bf16 is not None:
        return config
    fp32_seconds, bf16_seconds = matmul_seconds()
    notify(describe(fp32_seconds, bf16_seconds))
    return config.model_copy(update={"bf16": bf16_pays_off(fp32_seconds, bf16_seconds)})
