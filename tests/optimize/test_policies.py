"""Bandit policies against their closed forms, propensities, seeded runs, arm churn, persistence."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import integrate, stats

from adcraft.core.errors import InputError
from adcraft.optimize import (
    UCB1,
    EpsilonGreedy,
    LinTS,
    LinUCB,
    ThompsonSampling,
    make_policy,
    policy_from_dict,
)

ALL = ["ts", "ucb", "eps", "lints", "linucb"]


def feed(policy, arm, clicks: int, impressions: int, segment=None) -> None:
    for i in range(impressions):
        policy.update(arm, 1.0 if i < clicks else 0.0, segment=segment)


def p_second_beats_first(a1, b1, a2, b2) -> float:
    """P(X2 > X1) for independent Betas, by quadrature: integral of f2(x) F1(x) dx."""
    val, _ = integrate.quad(lambda x: stats.beta.pdf(x, a2, b2) * stats.beta.cdf(x, a1, b1), 0, 1, limit=200)
    return val


def test_thompson_posterior_is_beta_of_clicks_and_non_clicks():
    ts = ThompsonSampling(alpha=2.0, beta=3.0)
    feed(ts, "x", clicks=7, impressions=20)
    feed(ts, 42, clicks=1, impressions=50)
    a, b = ts.posterior(["x", 42, "new"])
    np.testing.assert_allclose(a, [2 + 7, 2 + 1, 2])
    np.testing.assert_allclose(b, [3 + 13, 3 + 49, 3])
    np.testing.assert_allclose(a / (a + b), [9 / 25, 3 / 55, 2 / 5])  # posterior means


def test_thompson_segment_is_shrunk_towards_the_other_segments():
    ts = ThompsonSampling(prior_strength=10.0)
    feed(ts, "a", clicks=20, impressions=100, segment="young")  # other segments: 100 imps, 20 clicks
    feed(ts, "a", clicks=1, impressions=4, segment="old")
    a, b = ts.posterior(["a"], segment="old")
    w = 10 / 100
    assert a[0] == pytest.approx(1 + w * 20 + 1)
    assert b[0] == pytest.approx(1 + w * 80 + 3)
    a_new, b_new = ts.posterior(["a"], segment="never-seen")  # all 104 imps are "other": capped at 10
    assert a_new[0] == pytest.approx(1 + 10 / 104 * 21)
    assert b_new[0] == pytest.approx(1 + 10 / 104 * 83)


def test_thompson_propensity_matches_the_closed_form_and_the_choices():
    ts = ThompsonSampling(draws=20_000)
    feed(ts, "a", clicks=3, impressions=60)
    feed(ts, "b", clicks=6, impressions=60)
    exact = p_second_beats_first(1 + 3, 1 + 57, 1 + 6, 1 + 54)
    rng = np.random.default_rng(0)
    probs = ts.probabilities(["a", "b"], rng=rng)
    assert sum(probs.values()) == pytest.approx(1.0)
    assert probs["b"] == pytest.approx(exact, abs=0.01)
    choices = [ts.select(("a", "b"), rng=rng) for _ in range(20_000)]  # one buffer of draws
    share_b = np.mean([c.arm == "b" for c in choices])
    assert share_b == pytest.approx(probs["b"], abs=0.015)
    assert {c.propensity for c in choices if c.arm == "b"} == {probs["b"]}


def test_thompson_concentrates_on_the_best_arm():
    ctr = {"a": 0.02, "b": 0.05, "c": 0.03, "d": 0.01}
    ts, rng, world = ThompsonSampling(), np.random.default_rng(1), np.random.default_rng(2)
    arms = tuple(ctr)
    picks = []
    for _ in range(6000):
        arm = ts.select(arms, rng=rng).arm
        ts.update(arm, float(world.random() < ctr[arm]))
        picks.append(arm)
    assert np.mean([p == "b" for p in picks[-2000:]]) > 0.7
    assert ts.probabilities(arms, rng=rng)["b"] > 0.7


def test_thompson_refreshes_after_every_event_when_growth_is_zero():
    ts = ThompsonSampling(refresh_growth=0.0, draws=4000)
    rng = np.random.default_rng(0)
    before = ts.probabilities(["a", "b"], rng=rng)["a"]
    feed(ts, "a", clicks=30, impressions=30)
    assert before == pytest.approx(0.5, abs=0.05)
    # P(Beta(31, 1) > Uniform) = 1 - E[1 - X] = 31/32
    assert ts.probabilities(["a", "b"], rng=rng)["a"] == pytest.approx(31 / 32, abs=0.01)


def test_ucb1_scores_follow_the_formula_and_try_unseen_arms_first():
    ucb = UCB1(c=0.7)
    rng = np.random.default_rng(0)
    first = ucb.select(["a", "b", "c"], rng=rng)
    assert first.propensity == pytest.approx(1 / 3)  # three untried arms tie at +inf
    feed(ucb, "a", 3, 10)
    feed(ucb, "b", 1, 30)
    choice = ucb.select(["a", "b", "c"], rng=rng)
    assert (choice.arm, choice.propensity) == ("c", 1.0)
    feed(ucb, "c", 2, 5)
    n, r = np.array([10, 30, 5.0]), np.array([3, 1, 2.0])
    expected = r / n + 0.7 * np.sqrt(2 * np.log(45) / n)
    np.testing.assert_allclose(ucb.scores(["a", "b", "c"]), expected)
    best = ["a", "b", "c"][int(expected.argmax())]
    assert ucb.select(["a", "b", "c"], rng=rng) == ucb.select(["a", "b", "c"], rng=rng)
    assert ucb.select(["a", "b", "c"], rng=rng).arm == best
    assert ucb.probabilities(["a", "b", "c"], rng=rng)[best] == 1.0


def test_epsilon_greedy_propensity_is_the_closed_form_and_matches_frequencies():
    eps = EpsilonGreedy(epsilon=0.3)
    feed(eps, 1, 5, 10)
    feed(eps, 2, 1, 10)
    feed(eps, 3, 2, 10)
    rng = np.random.default_rng(3)
    probs = eps.probabilities([1, 2, 3], rng=rng)
    assert probs == pytest.approx({1: 0.1 + 0.7, 2: 0.1, 3: 0.1})
    picks = [eps.select([1, 2, 3], rng=rng) for _ in range(20_000)]
    for arm in (1, 2, 3):
        assert np.mean([c.arm == arm for c in picks]) == pytest.approx(probs[arm], abs=0.015)
        assert all(c.propensity == pytest.approx(probs[arm]) for c in picks if c.arm == arm)


def _linear_data(seed: int, n: int, n_features: int):
    rng = np.random.default_rng(seed)
    segments = rng.choice(["s1", "s2", "s3"], size=n)
    contexts = rng.normal(size=(n, n_features))
    rewards = rng.random(n) < 0.3
    return segments, contexts, rewards


@pytest.mark.parametrize("cls", [LinUCB, LinTS])
def test_linear_ridge_solution_and_sherman_morrison_match_direct_algebra(cls):
    policy = cls(n_features=2, max_segments=4, ridge=0.5)
    segments, contexts, rewards = _linear_data(0, 300, 2)
    rows, ys = [], []
    for s, x, r in zip(segments, contexts, rewards, strict=True):
        policy.update("arm", float(r), segment=str(s), context=x)
        rows.append(policy.features(str(s), x))
        ys.append(float(r))
    policy.add_reward("arm", 1.0, segment=str(segments[0]), context=contexts[0])  # late click, row 0
    ys[0] += 1.0
    X, y = np.array(rows), np.array(ys)
    A = 0.5 * np.eye(policy.dim) + X.T @ X
    i = policy.index["arm"]
    np.testing.assert_allclose(policy.A_inv[i], np.linalg.inv(A), atol=1e-10)
    np.testing.assert_allclose(policy.theta[i], np.linalg.solve(A, X.T @ y), atol=1e-10)


def test_linucb_score_is_mean_plus_alpha_times_width():
    policy = LinUCB(n_features=1, max_segments=2, alpha=0.8)
    segments, contexts, rewards = _linear_data(1, 200, 1)
    for s, x, r in zip(segments, contexts, rewards, strict=True):
        policy.update("a" if x[0] > 0 else "b", float(r), segment=str(s), context=x)
    x = policy.features("s1", [0.4])
    expected = [policy.theta[policy.index[a]] @ x
                + 0.8 * np.sqrt(x @ policy.A_inv[policy.index[a]] @ x) for a in ("a", "b")]
    np.testing.assert_allclose(policy.scores(["a", "b"], segment="s1", context=[0.4]), expected)


def test_lints_propensities_match_frequencies():
    policy = LinTS(n_features=0, max_segments=2, v=1.0, draws=2000)
    feed(policy, "a", 3, 20, segment="s1")
    feed(policy, "b", 5, 20, segment="s1")
    rng = np.random.default_rng(5)
    probs = policy.probabilities(["a", "b"], segment="s1", rng=rng)
    picks = [policy.select(["a", "b"], segment="s1", rng=rng) for _ in range(4000)]
    share_b = np.mean([c.arm == "b" for c in picks])
    assert 0.5 < probs["b"] < 0.99
    assert share_b == pytest.approx(probs["b"], abs=0.03)
    assert np.mean([c.propensity for c in picks if c.arm == "b"]) == pytest.approx(probs["b"], abs=0.03)


def test_contextual_policy_learns_the_segment_preference():
    ctr = {("s1", "a"): 0.3, ("s1", "b"): 0.05, ("s2", "a"): 0.05, ("s2", "b"): 0.3}
    policy, rng, world = LinUCB(max_segments=2, alpha=0.5), np.random.default_rng(0), np.random.default_rng(1)
    for t in range(3000):
        seg = "s1" if t % 2 else "s2"
        arm = policy.select(["a", "b"], segment=seg, rng=rng).arm
        policy.update(arm, float(world.random() < ctr[(seg, arm)]), segment=seg)
    assert policy.select(["a", "b"], segment="s1", rng=rng).arm == "a"
    assert policy.select(["a", "b"], segment="s2", rng=rng).arm == "b"


@pytest.mark.parametrize("name", ALL)
def test_propensities_sum_to_one_and_choice_is_an_active_arm(name):
    policy = make_policy(name)
    rng = np.random.default_rng(0)
    for arm, clicks in (("a", 2), ("b", 5), ("c", 0)):
        feed(policy, arm, clicks, 40, segment="s")
    for arms in (["a", "b", "c"], ["a", "c"], ["c"]):
        probs = policy.probabilities(arms, segment="s", rng=rng)
        assert list(probs) == arms
        assert sum(probs.values()) == pytest.approx(1.0)
        choice = policy.select(arms, segment="s", rng=rng)
        assert choice.arm in arms and 0 < choice.propensity <= 1


@pytest.mark.parametrize("name", ALL)
def test_seeded_runs_are_reproducible(name):
    def run(seed):
        policy, rng, world = make_policy(name), np.random.default_rng(seed), np.random.default_rng(99)
        out = []
        for t in range(300):
            c = policy.select(("a", "b", "c"), segment=f"s{t % 2}", rng=rng)
            policy.update(c.arm, float(world.random() < 0.1), segment=f"s{t % 2}")
            out.append((c.arm, c.propensity))
        return out

    assert run(7) == run(7)
    if name in ("ts", "lints", "eps"):
        assert run(7) != run(8)


@pytest.mark.parametrize("name", ALL)
def test_state_round_trips_through_json(name):
    policy, rng = make_policy(name), np.random.default_rng(0)
    for t in range(200):
        c = policy.select([1, "two", 3], segment=None if t % 3 else "s", rng=rng)
        policy.update(c.arm, float(t % 7 == 0), segment=None if t % 3 else "s")
    restored = policy_from_dict(json.loads(json.dumps(policy.to_dict())))
    assert type(restored) is type(policy)
    assert restored.to_dict() == policy.to_dict()
    if name in ("ucb", "eps", "linucb"):  # deterministic given state
        assert restored.probabilities([1, "two", 3], segment="s", rng=rng) == \
            policy.probabilities([1, "two", 3], segment="s", rng=rng)


def test_arms_can_be_paused_added_and_resumed():
    ts, rng = ThompsonSampling(), np.random.default_rng(0)
    feed(ts, "old-winner", 30, 100)
    feed(ts, "loser", 1, 100)
    picks = {ts.select(["loser", "fresh"], rng=rng).arm for _ in range(200)}  # old-winner paused
    assert picks <= {"loser", "fresh"} and "fresh" in picks  # a new creative gets traffic
    assert ts.stats(["old-winner"])["old-winner"] == (100.0, 30.0)  # its history survives the pause
    resumed = [ts.select(["old-winner", "loser", "fresh"], rng=rng).arm for _ in range(300)]
    # the resumed winner (Beta(31, 71)) takes traffic from the loser at once; the untested fresh
    # creative (Beta(1, 1)) beats ~0.3 most of the time, so it still gets most: P = 1 - E[X] ~ 0.7
    assert resumed.count("loser") < 5
    assert resumed.count("old-winner") == pytest.approx(300 * 0.30, abs=30)


def test_add_counts_bulk_loads_totals():
    ts = ThompsonSampling()
    ts.add_counts(5, 1000, 40, segment="s")
    ts.add_counts(5, 10, 0)  # a row without segment adds to the pooled counts only
    assert ts.stats([5])[5] == (1010.0, 40.0)
    assert ts.stats([5], segment="s")[5] == (1000.0, 40.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p, r: p.select([], rng=r), "arms is empty"),
        (lambda p, r: p.select(["a", "a"], rng=r), "duplicate"),
        (lambda p, r: p.select("ab", rng=r), "list of creative ids"),
        (lambda p, r: p.select([["unhashable"]], rng=r), "ints or strings"),
        (lambda p, r: p.update("a", 2.0), r"\[0, 1\]"),
        (lambda p, r: p.update("a", float("nan")), "finite"),
    ],
)
def test_bad_input_to_thompson_is_an_input_error(call, message):
    with pytest.raises(InputError, match=message):
        call(ThompsonSampling(), np.random.default_rng(0))


def test_bad_construction_and_state_are_input_errors():
    with pytest.raises(InputError, match="unknown policy"):
        make_policy("greedy-ish")
    with pytest.raises(InputError, match="bad parameters"):
        make_policy("ts", temperature=3)
    with pytest.raises(InputError, match="epsilon"):
        EpsilonGreedy(epsilon=1.5)
    with pytest.raises(InputError, match="alpha"):
        ThompsonSampling(alpha=0)
    with pytest.raises(InputError, match="context must be 2"):
        LinUCB(n_features=2).select(["a"], context=[1.0], rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="malformed"):
        policy_from_dict({"policy": "ts", "params": {}, "counts": {"arms": [1]}})
    with pytest.raises(InputError, match="not 'ucb'"):
        UCB1.from_dict(ThompsonSampling().to_dict())
    assert isinstance(make_policy("thompson"), ThompsonSampling)
    assert isinstance(make_policy("UCB1"), UCB1)
