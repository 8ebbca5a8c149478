"""Decisions per second, in process: adcraft's Thompson sampling vs MABWiser's, 20 creatives, same data.

Both learn the same 50,000 logged impressions (20 creatives, hidden CTRs 1-8%), then
- decide: time `select` (adcraft, with its propensity) and `predict` (MABWiser) with no learning between;
- decide+learn: one decision then one reward per step (adcraft `update`, MABWiser `partial_fit`).
Prints ONE JSON line; `ratio` = adcraft decide/s over MABWiser decide/s (goal >= 10).
"""

from __future__ import annotations

import json
import time

import numpy as np
from mabwiser.mab import MAB, LearningPolicy

from adcraft.optimize import ThompsonSampling

K, LOGGED, SEED = 20, 50_000, 0


def per_second(step, seconds: float = 1.5, batch: int = 200) -> float:
    """Calls per second of step(), timed over at least `seconds` after a warm-up."""
    for _ in range(batch):
        step()
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(batch):
            step()
        calls += batch
    return calls / elapsed


def main() -> None:
    rng = np.random.default_rng(SEED)
    ctr = rng.uniform(0.01, 0.08, K)
    arms = list(range(K))
    decisions = rng.integers(0, K, LOGGED)
    rewards = (rng.random(LOGGED) < ctr[decisions]).astype(int)

    ours = ThompsonSampling()
    for a, r in zip(decisions.tolist(), rewards.tolist(), strict=True):
        ours.update(a, r)
    theirs = MAB(arms, LearningPolicy.ThompsonSampling(), seed=SEED)
    theirs.fit(decisions, rewards)

    arm_tuple = tuple(arms)
    our_rng = np.random.default_rng(SEED)
    ours_decide = per_second(lambda: ours.select(arm_tuple, rng=our_rng))
    theirs_decide = per_second(theirs.predict)

    click = np.random.default_rng(SEED + 1)

    def ours_step() -> None:
        arm = ours.select(arm_tuple, rng=our_rng).arm
        ours.update(arm, 1.0 if click.random() < ctr[arm] else 0.0)

    def theirs_step() -> None:
        arm = theirs.predict()
        theirs.partial_fit([arm], [1 if click.random() < ctr[arm] else 0])

    ours_learn = per_second(ours_step)
    theirs_learn = per_second(theirs_step, batch=20)
    print(json.dumps({
        "bench": "decide_speed",
        "creatives": K,
        "adcraft_decisions_per_s": round(ours_decide),
        "mabwiser_decisions_per_s": round(theirs_decide),
        "ratio": round(ours_decide / theirs_decide, 1),
        "adcraft_decide_learn_per_s": round(ours_learn),
        "mabwiser_decide_learn_per_s": round(theirs_learn),
        "decide_learn_ratio": round(ours_learn / theirs_learn, 1),
        "adcraft_includes_propensity": True,
    }))


if __name__ == "__main__":
    main()
