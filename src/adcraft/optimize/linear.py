"""Contextual bandits with one ridge regression per arm (disjoint model): LinUCB and LinTS.

Features x = [one-hot of the segment, context features, 1]. Segment names get a one-hot slot the
first time they are seen, up to `max_segments`; later new segments share the all-zero slot (their
estimate comes from context and bias alone). Per arm a, with lam the ridge penalty:
    A_a = lam I + sum x x^T,   b_a = sum r x,   theta_a = A_a^-1 b_a
A_a^-1 is kept up to date with the Sherman-Morrison identity, O(d^2) per event and no refit:
    A^-1 <- A^-1 - (A^-1 x)(A^-1 x)^T / (1 + x^T A^-1 x)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from adcraft.core.errors import InputError
from adcraft.optimize.base import (
    ArmId,
    Choice,
    argmax_ties,
    check_arms,
    check_positive,
    check_reward,
    register_arm,
)


@dataclass
class _LinearPolicy:
    name: ClassVar[str] = ""
    n_features: int = 0
    segments: list[str] = field(default_factory=list)
    max_segments: int = 16
    ridge: float = 1.0
    ids: list[ArmId] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if int(self.n_features) != self.n_features or self.n_features < 0:
            raise InputError(f"n_features must be an integer >= 0, got {self.n_features!r}")
        if int(self.max_segments) != self.max_segments or self.max_segments < 0:
            raise InputError(f"max_segments must be an integer >= 0, got {self.max_segments!r}")
        check_positive("ridge", self.ridge)
        self.segments = list(self.segments)
        if len(self.segments) > self.max_segments or len(set(self.segments)) != len(self.segments):
            raise InputError(f"segments must be distinct and at most max_segments={self.max_segments}")
        self.dim = self.max_segments + self.n_features + 1
        self._seg_slot = {s: i for i, s in enumerate(self.segments)}
        self.index: dict[ArmId, int] = {}
        ids, self.ids = self.ids, []
        self.A_inv = np.zeros((0, self.dim, self.dim))
        self.b = np.zeros((0, self.dim))
        self.theta = np.zeros((0, self.dim))
        for arm in ids:
            self._slot(arm)

    def params(self) -> dict[str, Any]:
        return {"n_features": self.n_features, "segments": list(self.segments),
                "max_segments": self.max_segments, "ridge": self.ridge}

    def features(self, segment: str | None = None, context: Sequence[float] | None = None) -> np.ndarray:
        """x = [segment one-hot (max_segments), context (n_features), 1]."""
        x = np.zeros(self.dim)
        if segment is not None:
            if not isinstance(segment, str):
                raise InputError(f"segment must be a string or None, got {type(segment).__name__}")
            slot = self._seg_slot.get(segment)
            if slot is None and len(self.segments) < self.max_segments:
                slot = self._seg_slot[segment] = len(self.segments)
                self.segments.append(segment)
            if slot is not None:
                x[slot] = 1.0
        if context is not None:
            c = np.asarray(context, dtype=float).ravel()
            if c.size != self.n_features or not np.all(np.isfinite(c)):
                raise InputError(
                    f"context must be {self.n_features} finite numbers (n_features), got {c.size} values"
                )
            x[self.max_segments:self.max_segments + self.n_features] = c
        x[-1] = 1.0
        return x

    def _slot(self, arm: ArmId) -> int:
        i = self.index.get(arm)
        if i is None:
            i = register_arm(self.index, self.ids, arm)
            if i >= self.A_inv.shape[0]:
                grow = max(8, self.A_inv.shape[0])
                eye = np.broadcast_to(np.eye(self.dim) / self.ridge, (grow, self.dim, self.dim))
                self.A_inv = np.concatenate([self.A_inv, eye])
                self.b = np.concatenate([self.b, np.zeros((grow, self.dim))])
                self.theta = np.concatenate([self.theta, np.zeros((grow, self.dim))])
        return i

    def update(self, arm: ArmId, reward: float, *, segment: str | None = None, context=None) -> None:
        """One observation (x, r) of `arm`: Sherman-Morrison on A^-1, b += r x, theta = A^-1 b."""
        r, x, i = check_reward(reward), self.features(segment, context), self._slot(arm)
        a_inv = self.A_inv[i]
        ax = a_inv @ x
        a_inv -= np.outer(ax, ax) / (1.0 + x @ ax)
        self.b[i] += r * x
        self.theta[i] = a_inv @ self.b[i]

    def add_reward(self, arm: ArmId, reward: float, *, segment: str | None = None, context=None) -> None:
        """A late reward for an observation already recorded with reward 0: b += r x (A unchanged)."""
        r, x, i = check_reward(reward), self.features(segment, context), self._slot(arm)
        self.b[i] += r * x
        self.theta[i] = self.A_inv[i] @ self.b[i]

    def estimate(self, key: tuple, segment: str | None, context) -> tuple[np.ndarray, np.ndarray]:
        """Per active arm: x^T theta_a and x^T A_a^-1 x."""
        x = self.features(segment, context)
        idx = np.fromiter((self._slot(a) for a in key), dtype=np.intp, count=len(key))
        return self.theta[idx] @ x, (self.A_inv[idx] @ x) @ x

    def to_dict(self) -> dict[str, Any]:
        n = len(self.ids)
        return {"policy": self.name, "params": self.params(), "arms": list(self.ids),
                "A_inv": self.A_inv[:n].tolist(), "b": self.b[:n].tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        if data.get("policy") != cls.name:
            raise InputError(f"policy state is for {data.get('policy')!r}, not {cls.name!r}")
        try:
            policy = cls(**data["params"], ids=list(data["arms"]))
            n = len(policy.ids)
            policy.A_inv[:n] = np.asarray(data["A_inv"], dtype=float).reshape(n, policy.dim, policy.dim)
            policy.b[:n] = np.asarray(data["b"], dtype=float).reshape(n, policy.dim)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"policy state is malformed ({exc!r}); pass what to_dict() returned") from None
        policy.theta[:n] = np.einsum("kij,kj->ki", policy.A_inv[:n], policy.b[:n])
        return policy

    def probabilities(self, arms: Sequence[ArmId], *, segment: str | None = None, context=None,
                      rng: np.random.Generator) -> dict[ArmId, float]:
        key = check_arms(arms)
        return dict(zip(key, self._probs(key, segment, context, rng).tolist(), strict=True))


@dataclass
class LinUCB(_LinearPolicy):
    """LinUCB, disjoint model (Li et al. 2010):  score_a = x^T theta_a + alpha sqrt(x^T A_a^-1 x).

    The choice is the argmax (uniform among exact ties): propensity 1 / number of tied arms.
    """

    name: ClassVar[str] = "linucb"
    alpha: float = 1.0

    def __post_init__(self) -> None:
        check_positive("alpha", self.alpha, allow_zero=True)
        super().__post_init__()

    def params(self) -> dict[str, Any]:
        return {**super().params(), "alpha": self.alpha}

    def scores(self, arms: Sequence[ArmId], *, segment: str | None = None, context=None) -> np.ndarray:
        mean, var = self.estimate(check_arms(arms), segment, context)
        return mean + self.alpha * np.sqrt(np.maximum(var, 0.0))

    def _probs(self, key, segment, context, rng) -> np.ndarray:
        s = self.scores(key, segment=segment, context=context)
        best = s == s.max()
        return best / best.sum()

    def select(self, arms: Sequence[ArmId], *, segment: str | None = None, context=None,
               rng: np.random.Generator) -> Choice:
        key = check_arms(arms)
        i, ties = argmax_ties(self.scores(key, segment=segment, context=context), rng)
        return Choice(key[i], 1.0 / ties)


@dataclass
class LinTS(_LinearPolicy):
    """Linear Thompson sampling, disjoint model (Agrawal & Goyal 2013).

    theta~_a ~ N(theta_a, v^2 A_a^-1), so each arm's sampled score is a normal:
        s_a = x^T theta~_a ~ N(x^T theta_a, v^2 x^T A_a^-1 x)
    Choice: argmax_a s_a. Propensity: the frequency of the chosen arm among `draws` joint draws of
    the scores; the choice is one of those draws picked uniformly, so it is the exact probability.
    """

    name: ClassVar[str] = "lints"
    v: float = 0.5
    draws: int = 500

    def __post_init__(self) -> None:
        check_positive("v", self.v)
        if int(self.draws) != self.draws or self.draws < 1:
            raise InputError(f"draws must be a positive integer, got {self.draws!r}")
        super().__post_init__()

    def params(self) -> dict[str, Any]:
        return {**super().params(), "v": self.v, "draws": self.draws}

    def _winners(self, key, segment, context, rng) -> tuple[np.ndarray, np.ndarray]:
        mean, var = self.estimate(key, segment, context)
        scores = mean + self.v * np.sqrt(np.maximum(var, 0.0)) * rng.standard_normal((self.draws, len(key)))
        winners = scores.argmax(axis=1)
        return winners, np.bincount(winners, minlength=len(key)) / self.draws

    def _probs(self, key, segment, context, rng) -> np.ndarray:
        return self._winners(key, segment, context, rng)[1]

    def select(self, arms: Sequence[ArmId], *, segment: str | None = None, context=None,
               rng: np.random.Generator) -> Choice:
        key = check_arms(arms)
        winners, probs = self._winners(key, segment, context, rng)
        i = int(winners[rng.integers(self.draws)])
        return Choice(key[i], float(probs[i]))
