"""A seeded traffic simulation: a policy against an equal-split A/B test on the same hidden CTRs.

Each round a visitor from a random segment arrives; the policy picks a creative for that segment and
the visitor clicks with the hidden CTR of (segment, creative). The A/B test shows creatives in turn
(equal split, segments ignored). Both see the same visitors and the same click draws (common random
numbers), so the difference in regret is the policy's doing. Regret is the expected (pseudo-)regret:
    regret_t = max_a ctr[s_t, a] - ctr[s_t, a_t]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from adcraft.core.errors import InputError
from adcraft.optimize.policies import make_policy, policy_class

LIMITS = {"creatives": (2, 500), "segments": (1, 64), "rounds": (10, 5_000_000)}


def check_simulation_args(policy: str, creatives: int, segments: int, rounds: int, seed: int) -> None:
    policy_class(policy)
    for name, value in (("creatives", creatives), ("segments", segments), ("rounds", rounds)):
        lo, hi = LIMITS[name]
        if not isinstance(value, int | np.integer) or not lo <= value <= hi:
            raise InputError(f"--{name} must be an integer from {lo} to {hi}, got {value!r}")
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"--seed must be an integer >= 0, got {seed!r}")


def hidden_ctrs(creatives: int, segments: int, rng: np.random.Generator) -> np.ndarray:
    """(segments, creatives) CTRs: a base CTR per creative (1-6%) times a per-segment taste factor."""
    base = rng.uniform(0.01, 0.06, size=creatives)
    taste = rng.lognormal(0.0, 0.35, size=(segments, creatives))
    return np.clip(base * taste, 0.001, 0.5)


@dataclass
class SimulationResult:
    policy: str
    ctr: np.ndarray  # hidden (segments, creatives)
    regret_policy: np.ndarray  # cumulative, per round
    regret_ab: np.ndarray
    clicks_policy: int
    clicks_ab: int
    shows_policy: np.ndarray  # (segments, creatives) impressions
    seed: int

    def summary(self) -> dict[str, Any]:
        best = self.ctr.argmax(axis=1)
        rounds = int(self.regret_policy.size)
        on_best = sum(int(self.shows_policy[s, best[s]]) for s in range(self.ctr.shape[0]))
        reg_p, reg_ab = float(self.regret_policy[-1]), float(self.regret_ab[-1])
        return {
            "policy": self.policy,
            "creatives": int(self.ctr.shape[1]),
            "segments": int(self.ctr.shape[0]),
            "rounds": rounds,
            "seed": self.seed,
            "hidden_ctr": self.ctr.round(5).tolist(),
            "best_creative_per_segment": best.tolist(),
            "policy_result": {"cumulative_regret": reg_p, "clicks": self.clicks_policy,
                              "ctr": self.clicks_policy / rounds, "share_on_best": on_best / rounds,
                              "impressions": self.shows_policy.tolist()},
            "ab_result": {"cumulative_regret": reg_ab, "clicks": self.clicks_ab,
                          "ctr": self.clicks_ab / rounds},
            "regret_ratio": reg_p / reg_ab if reg_ab > 0 else None,
            "extra_clicks": self.clicks_policy - self.clicks_ab,
        }


def run_simulation(policy: str = "ts", *, creatives: int = 10, segments: int = 3, rounds: int = 20_000,
                   seed: int = 0, policy_params: dict[str, Any] | None = None) -> SimulationResult:
    """Run `policy` and the equal-split A/B test for `rounds` visitors; see the module docstring."""
    check_simulation_args(policy, creatives, segments, rounds, seed)
    world = np.random.default_rng(seed)
    ctr = hidden_ctrs(creatives, segments, world)
    visitor_segment = world.integers(segments, size=rounds)
    click_draw = world.random(rounds)
    best = ctr.max(axis=1)

    params = dict(policy_params or {})
    names = [f"segment-{s}" for s in range(segments)]
    if policy in ("lints", "linucb"):
        params.setdefault("segments", names)
        params.setdefault("max_segments", segments)
    bandit = make_policy(policy, **params)
    arms = tuple(range(creatives))
    policy_rng = np.random.default_rng([seed, 1])
    chosen = np.empty(rounds, dtype=np.intp)
    clicks = 0
    for t in range(rounds):
        s = int(visitor_segment[t])
        arm = bandit.select(arms, segment=names[s], rng=policy_rng).arm
        click = click_draw[t] < ctr[s, arm]
        clicks += int(click)
        bandit.update(arm, 1.0 if click else 0.0, segment=names[s])
        chosen[t] = arm

    split = np.arange(rounds) % creatives
    rows = np.arange(rounds)
    seg_ctr = ctr[visitor_segment]
    shows = np.zeros_like(ctr, dtype=np.int64)
    np.add.at(shows, (visitor_segment, chosen), 1)
    return SimulationResult(
        policy=policy,
        ctr=ctr,
        regret_policy=np.cumsum(best[visitor_segment] - seg_ctr[rows, chosen]),
        regret_ab=np.cumsum(best[visitor_segment] - seg_ctr[rows, split]),
        clicks_policy=clicks,
        clicks_ab=int(np.sum(click_draw < seg_ctr[rows, split])),
        shows_policy=shows,
        seed=seed,
    )


def plot_regret(result: SimulationResult, path) -> None:
    """Cumulative regret curves of the policy and the A/B test, and the policy's traffic per creative."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    x = np.arange(1, result.regret_policy.size + 1)
    left.plot(x, result.regret_ab, label="equal-split A/B test", color="tab:gray")
    left.plot(x, result.regret_policy, label=f"policy: {result.policy}", color="tab:blue")
    left.set_xlabel("visitors")
    left.set_ylabel("cumulative regret (expected clicks lost)")
    left.set_title("Regret against the best creative per segment")
    left.legend()
    share = result.shows_policy.sum(axis=0) / max(1, result.shows_policy.sum())
    right.bar(np.arange(share.size), share, color="tab:blue")
    right.set_xlabel("creative")
    right.set_ylabel("share of the policy's traffic")
    right.set_title("Where the traffic went")
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)
