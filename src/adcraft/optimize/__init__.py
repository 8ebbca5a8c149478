"""adcraft.optimize: bandit policies that pick a creative, A/B statistics, off-policy estimators.

numpy only, no web code. Policies take the active arm ids at every decision, return a `Choice(arm,
propensity)`, and update incrementally; `to_dict()` / `policy_from_dict()` persist their state.
"""

from adcraft.optimize.bandits import UCB1, EpsilonGreedy, ThompsonSampling
from adcraft.optimize.base import ArmId, Choice, Policy
from adcraft.optimize.linear import LinTS, LinUCB
from adcraft.optimize.policies import POLICIES, make_policy, policy_from_dict

__all__ = [
    "POLICIES",
    "UCB1",
    "ArmId",
    "Choice",
    "EpsilonGreedy",
    "LinTS",
    "LinUCB",
    "Policy",
    "ThompsonSampling",
    "make_policy",
    "policy_from_dict",
]
