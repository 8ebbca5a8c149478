"""Context-free bandits over click counts: Thompson sampling, UCB1, epsilon-greedy.

Each keeps, per arm id, impressions n and summed reward r, pooled and per segment (`CountTable`).
`update(arm, reward)` records one impression with its reward; `add_reward(arm, reward)` adds a
late reward (a click that arrives after its impression was recorded) without a new impression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from adcraft.core.errors import InputError
from adcraft.optimize.base import (
    GLOBAL,
    ArmId,
    Choice,
    CountTable,
    argmax_ties,
    check_arms,
    check_positive,
    check_reward,
)


@dataclass
class _CountingPolicy:
    name: ClassVar[str] = ""
    counts: CountTable = field(default_factory=CountTable, repr=False)
    updates: int = field(default=0, repr=False)  # events seen: cached draws compare against it

    def update(self, arm: ArmId, reward: float, *, segment: str | None = None, context=None) -> None:
        """One impression of `arm` with its reward: n += 1, r += reward (pooled and in `segment`)."""
        self.counts.add(arm, segment, 1.0, self._check(reward))
        self.updates += 1

    def add_reward(self, arm: ArmId, reward: float, *, segment: str | None = None, context=None) -> None:
        """A late reward for an impression already recorded with `update(arm, 0)`: r += reward."""
        self.counts.add(arm, segment, 0.0, self._check(reward))
        self.updates += 1

    def add_counts(self, arm: ArmId, impressions: float, rewards: float, *,
                   segment: str | None = None) -> None:
        """Bulk-load stored totals (the store's counters at start-up): n += impressions, r += rewards.

        A row with segment=None adds to the pooled counts only; a segment row adds to both.
        """
        n, r = check_reward(impressions), check_reward(rewards)
        if n < 0 or r < 0:
            raise InputError(f"impressions and rewards must be >= 0, got {impressions!r}, {rewards!r}")
        self.counts.add(arm, segment, n, r)
        self.updates += max(1, int(n))  # evidence grew by n events: cached draws go stale accordingly

    def _check(self, reward: float) -> float:
        return check_reward(reward)

    def params(self) -> dict[str, Any]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.name, "params": self.params(), "updates": self.updates,
                "counts": self.counts.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        if data.get("policy") != cls.name:
            raise InputError(f"policy state is for {data.get('policy')!r}, not {cls.name!r}")
        policy = cls(**data.get("params", {}))
        policy.counts = CountTable.from_dict(data["counts"])
        policy.updates = int(data.get("updates", 0))
        return policy

    def stats(self, arms: Sequence[ArmId], segment: str | None = None) -> dict[ArmId, tuple[float, float]]:
        """(impressions, summed reward) of each arm in `segment` (None: pooled)."""
        key = check_arms(arms)
        n, r = self.counts.gather(self.counts.indices(key), segment)
        return {a: (float(n[i]), float(r[i])) for i, a in enumerate(key)}

    def probabilities(self, arms: Sequence[ArmId], *, segment: str | None = None, context=None,
                      rng: np.random.Generator) -> dict[ArmId, float]:
        key = check_arms(arms)
        return dict(zip(key, self._probs(key, segment, rng).tolist(), strict=True))


@dataclass
class _DrawBuffer:
    """Decisions drawn ahead from one posterior: choices[j] is the j-th decision, props[j] its propensity."""

    stale_at: int  # refresh once the policy has seen this many events
    probs: np.ndarray  # per active arm: its share of the posterior draws' winners
    choices: list  # arm ids, one uniform draw of a winner per decision
    props: list  # probs of each choice: exactly P(choice = arm | these draws)
    pos: int = 0


@dataclass
class ThompsonSampling(_CountingPolicy):
    """Bernoulli Thompson sampling with a Beta prior, per segment, shrunk towards the other segments.

    Posterior of arm a in segment s, with (n_s, r_s) the segment's impressions and clicks and
    (n_o, r_o) those of every other segment:
        w = min(1, prior_strength / n_o)
        theta_a ~ Beta(alpha + w r_o + r_s,  beta + w (n_o - r_o) + (n_s - r_s))
    so a new segment starts from the pooled evidence worth at most `prior_strength` impressions, and
    its own data takes over as it grows. segment=None uses the pooled counts alone.
    Choice: argmax_a theta_a. Propensity P(a) = P(a has the largest theta), estimated from `draws`
    joint posterior draws; the choice is drawn from exactly that distribution (a uniform slot of the
    draws), so the logged propensity is the true probability of the logged choice.
    Draws are refreshed once the evidence grew by `refresh_growth` (default 1%) since they were
    taken, and after every event while there are fewer than 1/refresh_growth events
    (refresh_growth=0: after every event, i.e. textbook TS).
    """

    name: ClassVar[str] = "ts"
    alpha: float = 1.0
    beta: float = 1.0
    prior_strength: float = 10.0
    draws: int = 1000
    refresh_growth: float = 0.01
    _buffers: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        check_positive("alpha", self.alpha)
        check_positive("beta", self.beta)
        check_positive("prior_strength", self.prior_strength, allow_zero=True)
        check_positive("refresh_growth", self.refresh_growth, allow_zero=True)
        if int(self.draws) != self.draws or self.draws < 1:
            raise InputError(f"draws must be a positive integer, got {self.draws!r}")

    def params(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "beta": self.beta, "prior_strength": self.prior_strength,
                "draws": self.draws, "refresh_growth": self.refresh_growth}

    def _check(self, reward: float) -> float:
        value = check_reward(reward)
        if not 0.0 <= value <= 1.0:
            raise InputError(f"Thompson sampling takes rewards in [0, 1] (click = 1), got {reward!r}")
        return value

    def posterior(self, arms: Sequence[ArmId], segment: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The Beta parameters (a, b) of each active arm, in the order given."""
        idx = self.counts.indices(check_arms(arms))
        n_all, r_all = self.counts.gather(idx, GLOBAL)
        if segment is None:
            return self.alpha + r_all, self.beta + np.maximum(n_all - r_all, 0.0)
        n_s, r_s = self.counts.gather(idx, segment)
        n_o, r_o = n_all - n_s, r_all - r_s
        w = np.minimum(1.0, self.prior_strength / np.maximum(n_o, 1.0))
        a = self.alpha + w * r_o + r_s
        b = self.beta + w * np.maximum(n_o - r_o, 0.0) + np.maximum(n_s - r_s, 0.0)
        return a, b

    def _refresh(self, key: tuple, segment: str | None, rng: np.random.Generator) -> _DrawBuffer:
        a, b = self.posterior(key, segment)
        winners = rng.beta(a, b, size=(self.draws, len(key))).argmax(axis=1)
        probs = np.bincount(winners, minlength=len(key)) / self.draws
        picked = winners[rng.integers(0, self.draws, self.draws)]  # uniform slot per decision
        stale_at = self.updates + max(1, int(self.refresh_growth * self.updates))
        buf = _DrawBuffer(stale_at, probs, [key[i] for i in picked.tolist()], probs[picked].tolist())
        if len(self._buffers) > 4096:
            self._buffers.clear()
        self._buffers[(segment, key)] = buf
        return buf

    def _buffer(self, key: tuple, segment: str | None, rng: np.random.Generator) -> _DrawBuffer:
        buf = self._buffers.get((segment, key))
        if buf is None or buf.pos >= self.draws or self.updates >= buf.stale_at:
            buf = self._refresh(key, segment, rng)
        return buf

    def _probs(self, key: tuple, segment: str | None, rng: np.random.Generator) -> np.ndarray:
        return self._buffer(key, segment, rng).probs

    def select(self, arms: Sequence[ArmId], *, segment: str | None = None, context=None,
               rng: np.random.Generator) -> Choice:
        buf = self._buffers.get((segment, arms)) if type(arms) is tuple else None
        if buf is None or buf.pos >= self.draws or self.updates >= buf.stale_at:
            buf = self._refresh(check_arms(arms), segment, rng)
        j = buf.pos
        buf.pos = j + 1
        return Choice(buf.choices[j], buf.props[j])


@dataclass
class UCB1(_CountingPolicy):
    """UCB1 (Auer et al. 2002) on the segment's counts (segment=None: pooled).

        score_a = r_a / n_a + c * sqrt(2 ln N / n_a),   N = sum of n_a over the active arms
    Arms never shown score +inf (each is tried once). The choice is the argmax, uniform among exact
    ties, so its propensity is 1 / (number of tied arms): 1 for a unique maximum.
    """

    name: ClassVar[str] = "ucb"
    c: float = 1.0

    def __post_init__(self) -> None:
        check_positive("c", self.c, allow_zero=True)

    def params(self) -> dict[str, Any]:
        return {"c": self.c}

    def scores(self, arms: Sequence[ArmId], segment: str | None = None) -> np.ndarray:
        key = check_arms(arms)
        n, r = self.counts.gather(self.counts.indices(key), segment)
        total = n.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            bonus = self.c * np.sqrt(2.0 * np.log(max(total, 1.0)) / n)
            score = r / n + bonus
        return np.where(n > 0, score, np.inf)

    def _probs(self, key: tuple, segment: str | None, rng: np.random.Generator) -> np.ndarray:
        s = self.scores(key, segment)
        best = s == s.max()
        return best / best.sum()

    def select(self, arms: Sequence[ArmId], *, segment: str | None = None, context=None,
               rng: np.random.Generator) -> Choice:
        key = check_arms(arms)
        i, ties = argmax_ties(self.scores(key, segment), rng)
        return Choice(key[i], 1.0 / ties)


@dataclass
class EpsilonGreedy(_CountingPolicy):
    """Epsilon-greedy on the segment's counts (segment=None: pooled).

    With probability epsilon a uniform arm, else an arm of highest mean r_a / n_a (arms never shown
    count as +inf; uniform among ties). With K active arms and B the set of greedy arms:
        P(a) = epsilon / K + (1 - epsilon) * [a in B] / |B|
    """

    name: ClassVar[str] = "eps"
    epsilon: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.epsilon) <= 1.0:
            raise InputError(f"epsilon must lie in [0, 1], got {self.epsilon!r}")

    def params(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon}

    def means(self, key: tuple, segment: str | None) -> np.ndarray:
        n, r = self.counts.gather(self.counts.indices(key), segment)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, r / n, np.inf)

    def _probs(self, key: tuple, segment: str | None, rng: np.random.Generator) -> np.ndarray:
        m = self.means(key, segment)
        best = m == m.max()
        return self.epsilon / len(key) + (1.0 - self.epsilon) * best / best.sum()

    def select(self, arms: Sequence[ArmId], *, segment: str | None = None, context=None,
               rng: np.random.Generator) -> Choice:
        key = check_arms(arms)
        probs = self._probs(key, segment, rng)
        if rng.random() < self.epsilon:
            i = int(rng.integers(len(key)))
        else:
            i, _ = argmax_ties(self.means(key, segment), rng)
        return Choice(key[i], float(probs[i]))
