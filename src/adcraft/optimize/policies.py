"""Build a policy by name, or restore one from the state its `to_dict()` returned."""

from __future__ import annotations

from typing import Any

from adcraft.core.errors import InputError
from adcraft.optimize.bandits import UCB1, EpsilonGreedy, ThompsonSampling
from adcraft.optimize.base import Policy
from adcraft.optimize.linear import LinTS, LinUCB

POLICIES: dict[str, type] = {
    "ts": ThompsonSampling,
    "ucb": UCB1,
    "eps": EpsilonGreedy,
    "lints": LinTS,
    "linucb": LinUCB,
}
ALIASES = {"thompson": "ts", "thompson_sampling": "ts", "ucb1": "ucb", "epsilon_greedy": "eps",
           "egreedy": "eps", "lin_ts": "lints", "lin_ucb": "linucb"}


def policy_class(name: str) -> type:
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in POLICIES:
        raise InputError(f"unknown policy {name!r}: choose one of {', '.join(POLICIES)}")
    return POLICIES[key]


def make_policy(name: str, **params: Any) -> Policy:
    """A fresh policy: make_policy("ts"), make_policy("linucb", n_features=3, alpha=0.5), ..."""
    cls = policy_class(name)
    try:
        return cls(**params)
    except TypeError as exc:
        raise InputError(f"bad parameters for policy {name!r}: {exc}") from None


def policy_from_dict(state: dict[str, Any]) -> Policy:
    """Restore a policy from `policy.to_dict()` (JSON-serialisable)."""
    if not isinstance(state, dict) or "policy" not in state:
        raise InputError("policy state must be the dict that Policy.to_dict() returned")
    return policy_class(state["policy"]).from_dict(state)
