"""Off-policy estimators: formulas by hand, and unbiasedness on logs from a real adcraft policy."""

from __future__ import annotations

import numpy as np
import pytest

from adcraft.core.errors import InputError
from adcraft.optimize import EpsilonGreedy
from adcraft.optimize.ope import DR, IPS, SNIPS

REWARD, PSCORE, ACTION_PROB = np.array([1.0, 0.0, 1.0]), np.array([0.5, 0.5, 0.25]), np.array([1.0, 0.0, 0.5])


def test_formulas_by_hand():
    w = ACTION_PROB / PSCORE  # [2, 0, 2]
    assert IPS().estimate_policy_value(REWARD, PSCORE, ACTION_PROB) == pytest.approx((2 + 0 + 2) / 3)
    assert SNIPS().estimate_policy_value(REWARD, PSCORE, ACTION_PROB) == pytest.approx(4 / w.sum())
    q_logged, q_policy = np.array([0.5, 0.2, 0.5]), np.array([0.4, 0.4, 0.4])
    expected = np.mean(q_policy + w * (REWARD - q_logged))
    dr = DR().estimate_policy_value(REWARD, PSCORE, ACTION_PROB, q_logged, q_policy)
    assert dr == pytest.approx(expected)


def test_estimators_recover_the_value_of_a_policy_from_epsilon_greedy_logs():
    ctr = {"a": 0.02, "b": 0.06, "c": 0.04}
    arms = tuple(ctr)
    logger = EpsilonGreedy(epsilon=0.5)
    rng, world = np.random.default_rng(0), np.random.default_rng(1)
    rewards, pscores, target, q_logged = [], [], [], []
    for _ in range(30_000):
        choice = logger.select(arms, rng=rng)
        click = float(world.random() < ctr[choice.arm])
        logger.update(choice.arm, click)
        rewards.append(click)
        pscores.append(choice.propensity)
        target.append(1.0 if choice.arm == "c" else 0.0)  # evaluate "always show c": true value 0.04
        q_logged.append(ctr[choice.arm])  # a perfect reward model
    value, low, high = IPS().estimate_interval(rewards, pscores, target)
    assert low < 0.04 < high and high - low < 0.02
    assert SNIPS().estimate_policy_value(rewards, pscores, target) == pytest.approx(0.04, abs=0.006)
    _, dr_low, dr_high = DR().estimate_interval(rewards, pscores, target, q_logged, [0.04] * len(rewards))
    assert dr_low < 0.04 < dr_high and dr_high - dr_low < high - low  # same truth, no more variance than IPS


def test_bad_input_is_an_input_error():
    with pytest.raises(InputError, match="pscore"):
        IPS().estimate_policy_value([1.0], [0.0], [1.0])
    with pytest.raises(InputError, match="same length"):
        SNIPS().estimate_policy_value([1.0, 0.0], [0.5], [1.0])
    with pytest.raises(InputError, match="action_prob"):
        IPS().estimate_policy_value([1.0], [0.5], [1.5])
