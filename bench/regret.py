"""Simulated regret: adcraft's Thompson sampling vs an equal-split A/B test, same visitors and clicks.

10 creatives (hidden CTRs 1-6% times a per-segment taste factor), 3 segments, 20,000 visitors,
5 seeds; both arms of the comparison see the same visitors and click draws (adcraft.optimize.simulate).
Prints ONE JSON line; `ratio` = TS regret / A/B regret (goal <= 0.5).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from adcraft.optimize.simulate import run_simulation

SEEDS, ROUNDS, CREATIVES, SEGMENTS = range(5), 20_000, 10, 3


def main() -> None:
    policy = sys.argv[1] if len(sys.argv) > 1 else "ts"
    runs = [run_simulation(policy, creatives=CREATIVES, segments=SEGMENTS, rounds=ROUNDS, seed=s).summary()
            for s in SEEDS]
    ours = np.array([r["policy_result"]["cumulative_regret"] for r in runs])
    ab = np.array([r["ab_result"]["cumulative_regret"] for r in runs])
    print(json.dumps({
        "bench": "regret",
        "policy": policy,
        "rounds": ROUNDS, "creatives": CREATIVES, "segments": SEGMENTS, "seeds": len(SEEDS),
        "adcraft_regret": round(float(ours.mean()), 1),
        "ab_regret": round(float(ab.mean()), 1),
        "ratio": round(float(ours.sum() / ab.sum()), 3),
        "ratio_per_seed": [round(float(x), 3) for x in ours / ab],
        "adcraft_clicks": round(float(np.mean([r["policy_result"]["clicks"] for r in runs])), 1),
        "ab_clicks": round(float(np.mean([r["ab_result"]["clicks"] for r in runs])), 1),
    }))


if __name__ == "__main__":
    main()
