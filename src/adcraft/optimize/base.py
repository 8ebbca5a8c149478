"""What every policy shares: the Choice it returns, the Policy protocol, input checks, and a count table.

Arms are keyed by id (a creative id: int or str), never by position, so a caller passes the arms that
are active right now (a paused creative is simply left out, a new one simply appears) and the policy
keeps each arm's statistics under its id until it is shown again.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from adcraft.core.errors import InputError

ArmId = Hashable  # creative ids: int or str (JSON round-trips both)
GLOBAL = None  # segment key of the statistics pooled over every segment


def register_arm(index: dict, ids: list, arm: ArmId) -> int:
    """Give a new arm id the next slot; ids must be hashable (creative ids: int or str)."""
    try:
        hash(arm)
    except TypeError:
        raise InputError(f"arm id must be an int or str, got {type(arm).__name__}") from None
    index[arm] = len(ids)
    ids.append(arm)
    return index[arm]


@dataclass(frozen=True, slots=True)
class Choice:
    """The arm to show and the probability that the policy picks it in this state (for IPS / DR)."""

    arm: ArmId
    propensity: float


@runtime_checkable
class Policy(Protocol):
    name: str

    def select(
        self,
        arms: Sequence[ArmId],
        *,
        segment: str | None = None,
        context: np.ndarray | None = None,
        rng: np.random.Generator,
    ) -> Choice: ...

    def probabilities(
        self,
        arms: Sequence[ArmId],
        *,
        segment: str | None = None,
        context: np.ndarray | None = None,
        rng: np.random.Generator,
    ) -> dict[ArmId, float]: ...

    def update(
        self, arm: ArmId, reward: float, *, segment: str | None = None, context: np.ndarray | None = None
    ) -> None: ...

    def add_reward(
        self, arm: ArmId, reward: float, *, segment: str | None = None, context: np.ndarray | None = None
    ) -> None: ...

    def to_dict(self) -> dict[str, Any]: ...


def check_arms(arms: Sequence[ArmId]) -> tuple[ArmId, ...]:
    """The active arms as a tuple; empty, duplicated or unhashable ids are the caller's mistake."""
    if isinstance(arms, str | bytes) or not isinstance(arms, Sequence | np.ndarray):
        raise InputError(f"arms must be a list of creative ids, got {type(arms).__name__}")
    key = tuple(arms.tolist()) if isinstance(arms, np.ndarray) else tuple(arms)
    if not key:
        raise InputError("arms is empty: pass at least one active creative id")
    try:
        if len(set(key)) != len(key):
            raise InputError(f"arms has duplicate ids: {list(key)}")
    except TypeError as exc:
        raise InputError(f"arm ids must be ints or strings: {exc}") from None
    return key


def check_reward(reward: float) -> float:
    value = float(reward)
    if not np.isfinite(value):
        raise InputError(f"reward must be a finite number, got {reward!r}")
    return value


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name} must be a finite number {bound}, got {value!r}")
    return value


def check_rng(rng: np.random.Generator) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise InputError("rng must be a numpy Generator, e.g. np.random.default_rng(seed)")
    return rng


def argmax_ties(scores: np.ndarray, rng: np.random.Generator) -> tuple[int, int]:
    """Index of a maximum (uniform among exact ties) and how many arms tie for it."""
    best = np.flatnonzero(scores == scores.max())
    if best.size == 1:
        return int(best[0]), 1
    return int(best[rng.integers(best.size)]), int(best.size)


class CountTable:
    """Per-arm trials and summed rewards, pooled (segment None) and per segment; O(1) per event.

    Arrays grow by doubling when an unseen arm id arrives; a selection gathers the active arms'
    counts by index (the index array of a recurring arm set is cached).
    """

    def __init__(self) -> None:
        self.ids: list[ArmId] = []
        self.index: dict[ArmId, int] = {}
        self.trials: dict[str | None, np.ndarray] = {GLOBAL: np.zeros(8)}
        self.rewards: dict[str | None, np.ndarray] = {GLOBAL: np.zeros(8)}
        self._gather_cache: dict[tuple, np.ndarray] = {}

    def slot(self, arm: ArmId) -> int:
        i = self.index.get(arm)
        if i is None:
            i = register_arm(self.index, self.ids, arm)
            capacity = self.trials[GLOBAL].size
            if i >= capacity:
                for table in (self.trials, self.rewards):
                    for seg, arr in table.items():
                        table[seg] = np.concatenate([arr, np.zeros(capacity)])
        return i

    def indices(self, arms: tuple[ArmId, ...]) -> np.ndarray:
        idx = self._gather_cache.get(arms)
        if idx is None:
            idx = np.fromiter((self.slot(a) for a in arms), dtype=np.intp, count=len(arms))
            if len(self._gather_cache) > 1024:  # arm sets churn as creatives pause: keep it bounded
                self._gather_cache.clear()
            self._gather_cache[arms] = idx
        return idx

    def segment_arrays(self, segment: str | None) -> tuple[np.ndarray, np.ndarray]:
        if segment not in self.trials:
            if segment is not None and not isinstance(segment, str):
                raise InputError(f"segment must be a string or None, got {type(segment).__name__}")
            size = self.trials[GLOBAL].size
            self.trials[segment], self.rewards[segment] = np.zeros(size), np.zeros(size)
        return self.trials[segment], self.rewards[segment]

    def add(self, arm: ArmId, segment: str | None, trials: float, reward: float) -> None:
        i = self.slot(arm)
        keys = (GLOBAL,) if segment is None else (GLOBAL, segment)
        for key in keys:
            t, r = self.segment_arrays(key)
            t[i] += trials
            r[i] += reward

    def gather(self, idx: np.ndarray, segment: str | None) -> tuple[np.ndarray, np.ndarray]:
        if segment not in self.trials:
            return np.zeros(idx.size), np.zeros(idx.size)
        return self.trials[segment][idx], self.rewards[segment][idx]

    def to_dict(self) -> dict[str, Any]:
        n = len(self.ids)
        return {
            "arms": list(self.ids),
            "segments": [
                {"segment": seg, "trials": self.trials[seg][:n].tolist(),
                 "rewards": self.rewards[seg][:n].tolist()}
                for seg in self.trials
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CountTable:
        table = cls()
        try:
            for arm in data["arms"]:
                table.slot(arm)
            for entry in data["segments"]:
                t, r = table.segment_arrays(entry["segment"])
                n = len(entry["trials"])
                if n != len(table.ids) or len(entry["rewards"]) != n:
                    raise InputError("policy state: per-segment counts do not match the arm list")
                t[:n], r[:n] = entry["trials"], entry["rewards"]
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"policy state is malformed ({exc!r}); pass what to_dict() returned") from None
        return table
