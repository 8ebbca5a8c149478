"""Off-policy estimators: the CTR a new policy would have had, from decisions logged by another.

Inputs per logged decision i (what adcraft's decisions table holds):
    reward[i]       the click (0/1) or value observed for the logged arm
    pscore[i]       the logging policy's propensity of the logged arm (Choice.propensity)
    action_prob[i]  the evaluated policy's probability of choosing that same arm
and w_i = action_prob[i] / pscore[i]. As in Open Bandit Pipeline's `obp.ope`, each estimator is a
small dataclass with one `estimate_policy_value` method; `estimate_interval` adds a normal interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from adcraft.core.errors import InputError


def _vectors(**arrays) -> dict[str, np.ndarray]:
    out = {name: np.asarray(a, dtype=float).ravel() for name, a in arrays.items()}
    sizes = {v.size for v in out.values()}
    if len(sizes) != 1 or 0 in sizes:
        raise InputError(f"{', '.join(out)} must be non-empty arrays of the same length")
    for name, v in out.items():
        if not np.all(np.isfinite(v)):
            raise InputError(f"{name} has non-finite values")
    if np.any(out["pscore"] <= 0) or np.any(out["pscore"] > 1):
        raise InputError("pscore must lie in (0, 1]: a logged arm had probability > 0 of being chosen")
    if np.any(out["action_prob"] < 0) or np.any(out["action_prob"] > 1):
        raise InputError("action_prob must lie in [0, 1]")
    return out


def _interval(samples: np.ndarray, alpha: float) -> tuple[float, float, float]:
    if not 0 < alpha < 1:
        raise InputError(f"alpha must lie in (0, 1), got {alpha!r}")
    mean = float(samples.mean())
    if samples.size < 2:
        return mean, -np.inf, np.inf
    half = float(norm.ppf(1 - alpha / 2) * samples.std(ddof=1) / np.sqrt(samples.size))
    return mean, mean - half, mean + half


@dataclass(frozen=True)
class InverseProbabilityWeighting:
    """IPS:  V = (1/n) sum_i w_i r_i,  w_i = pi_e(a_i | x_i) / pi_b(a_i | x_i).  Unbiased."""

    name: str = "ips"

    def estimate_policy_value(self, reward, pscore, action_prob) -> float:
        v = _vectors(reward=reward, pscore=pscore, action_prob=action_prob)
        return float(np.mean(v["action_prob"] / v["pscore"] * v["reward"]))

    def estimate_interval(self, reward, pscore, action_prob,
                          alpha: float = 0.05) -> tuple[float, float, float]:
        v = _vectors(reward=reward, pscore=pscore, action_prob=action_prob)
        return _interval(v["action_prob"] / v["pscore"] * v["reward"], alpha)


@dataclass(frozen=True)
class SelfNormalizedInverseProbabilityWeighting:
    """SNIPS:  V = sum_i w_i r_i / sum_i w_i.  Slightly biased, far lower variance than IPS."""

    name: str = "snips"

    def estimate_policy_value(self, reward, pscore, action_prob) -> float:
        v = _vectors(reward=reward, pscore=pscore, action_prob=action_prob)
        w = v["action_prob"] / v["pscore"]
        if w.sum() == 0:
            raise InputError("the evaluated policy never picks a logged arm: SNIPS is undefined")
        return float(np.sum(w * v["reward"]) / np.sum(w))


@dataclass(frozen=True)
class DoublyRobust:
    """DR (Dudik et al. 2011) with a reward model q_hat:

        V = (1/n) sum_i [ q_hat(x_i, pi_e) + w_i (r_i - q_hat(x_i, a_i)) ]
    estimated_rewards_by_policy[i] = sum_a pi_e(a | x_i) q_hat(x_i, a);
    estimated_rewards_logged[i] = q_hat(x_i, a_i). Unbiased if either q_hat or pscore is right.
    """

    name: str = "dr"

    def _terms(self, reward, pscore, action_prob, estimated_rewards_logged,
               estimated_rewards_by_policy) -> np.ndarray:
        v = _vectors(reward=reward, pscore=pscore, action_prob=action_prob,
                     estimated_rewards_logged=estimated_rewards_logged,
                     estimated_rewards_by_policy=estimated_rewards_by_policy)
        w = v["action_prob"] / v["pscore"]
        return v["estimated_rewards_by_policy"] + w * (v["reward"] - v["estimated_rewards_logged"])

    def estimate_policy_value(self, reward, pscore, action_prob, estimated_rewards_logged,
                              estimated_rewards_by_policy) -> float:
        return float(np.mean(self._terms(reward, pscore, action_prob, estimated_rewards_logged,
                                         estimated_rewards_by_policy)))

    def estimate_interval(self, reward, pscore, action_prob, estimated_rewards_logged,
                          estimated_rewards_by_policy, alpha: float = 0.05) -> tuple[float, float, float]:
        return _interval(self._terms(reward, pscore, action_prob, estimated_rewards_logged,
                                     estimated_rewards_by_policy), alpha)


IPS = InverseProbabilityWeighting
SNIPS = SelfNormalizedInverseProbabilityWeighting
DR = DoublyRobust
