"""A/B statistics against known values, scipy, closed forms and seeded simulations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from adcraft.core.errors import InputError
from adcraft.optimize.stats import (
    ab_report,
    prob_best,
    required_sample_size,
    sequential_test,
    two_proportion_test,
    wilson_interval,
)


def test_wilson_interval_known_values_and_scipy():
    assert wilson_interval(10, 100) == pytest.approx((0.0552291, 0.1743657), abs=1e-6)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775328), abs=1e-6)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    for k, n, conf in [(1, 3, 0.95), (37, 1200, 0.9), (999, 1000, 0.99), (50, 50, 0.95)]:
        ref = sps.binomtest(k, n).proportion_ci(confidence_level=conf, method="wilson")
        assert wilson_interval(k, n, conf) == pytest.approx((ref.low, ref.high), abs=1e-9)


def test_two_proportion_z_test_agrees_with_scipy_chi_square():
    for k1, n1, k2, n2 in [(50, 1000, 70, 1000), (12, 400, 3, 380), (500, 10_000, 510, 9_000)]:
        result = two_proportion_test(k1, n1, k2, n2)
        table = np.array([[k1, n1 - k1], [k2, n2 - k2]])
        chi2, p, _, _ = sps.chi2_contingency(table, correction=False)
        assert result.z ** 2 == pytest.approx(chi2)
        assert result.p_value == pytest.approx(p)
        se = np.sqrt(k1 / n1 * (1 - k1 / n1) / n1 + k2 / n2 * (1 - k2 / n2) / n2)
        assert result.ci_high - result.diff == pytest.approx(sps.norm.ppf(0.975) * se)


def test_required_sample_size_formula_and_achieved_power():
    assert required_sample_size(0.10, 0.02) == 3841  # textbook value for 10% -> 12%
    n = required_sample_size(0.05, 0.01, alpha=0.05, power=0.8)
    rng = np.random.default_rng(0)
    ka, kb = rng.binomial(n, 0.05, 4000), rng.binomial(n, 0.06, 4000)
    p_values = [two_proportion_test(a, n, b, n).p_value for a, b in zip(ka, kb, strict=True)]
    assert np.mean(np.array(p_values) < 0.05) == pytest.approx(0.8, abs=0.03)


def test_prob_best_matches_the_two_arm_closed_form():
    a1, b1, a2, b2 = 1 + 30, 1 + 970, 1 + 42, 1 + 958
    exact, _ = integrate.quad(lambda x: sps.beta.pdf(x, a2, b2) * sps.beta.cdf(x, a1, b1), 0, 1, limit=200)
    probs = prob_best([30, 42], [1000, 1000], draws=200_000, rng=np.random.default_rng(0))
    assert probs.sum() == pytest.approx(1.0)
    assert probs[1] == pytest.approx(exact, abs=0.005)


def _peeking_false_positives(experiments: int, peeks: int, every: int, p: float, mde: float, seed: int):
    rng = np.random.default_rng(seed)
    ka = rng.binomial(every, p, size=(experiments, peeks)).cumsum(axis=1)
    kb = rng.binomial(every, p, size=(experiments, peeks)).cumsum(axis=1)
    sequential = naive = 0
    for e in range(experiments):
        looks = [(ka[e, j], kb[e, j], (j + 1) * every) for j in range(peeks)]
        sequential += any(sequential_test(a, n, b, n, mde=mde).reject for a, b, n in looks)
        naive += any(two_proportion_test(a, n, b, n).p_value < 0.05 for a, b, n in looks)
    return sequential / experiments, naive / experiments


def test_sequential_test_keeps_false_positives_under_alpha_over_many_peeks():
    seq_fpr, naive_fpr = _peeking_false_positives(200, 60, 100, p=0.05, mde=0.01, seed=11)
    assert seq_fpr <= 0.05
    assert naive_fpr > 0.15  # the z test, peeked at 60 times, would have cried wolf far more often


def test_sequential_test_finds_a_real_difference_and_its_direction():
    rng = np.random.default_rng(4)
    n = 20_000
    hits = [sequential_test(rng.binomial(n, 0.05), n, rng.binomial(n, 0.065), n, mde=0.01) for _ in range(50)]
    assert all(h.reject and h.theta_hat > 0 and h.ci_low > 0 for h in hits)


def test_sequential_p_value_is_monotone_with_previous_and_matches_the_formula():
    r = sequential_test(50, 1000, 70, 1000, mde=0.01)
    pa, pb = 50.5 / 1001, 70.5 / 1001
    v = pa * (1 - pa) / 1000 + pb * (1 - pb) / 1000
    lr = np.sqrt(v / (v + 1e-4)) * np.exp(1e-4 * 0.02**2 / (2 * v * (v + 1e-4)))
    assert r.likelihood_ratio == pytest.approx(lr)
    assert r.p_value == pytest.approx(min(1.0, 1 / lr))
    assert sequential_test(50, 1000, 70, 1000, mde=0.01, previous_p=0.2).p_value == 0.2


def test_ab_report_decisions():
    assert ab_report(500, 10_000, 700, 10_000, mde=0.01)["decision"] == "B wins"
    assert ab_report(700, 10_000, 500, 10_000, mde=0.01)["decision"] == "A wins"
    assert ab_report(5, 100, 7, 100, mde=0.01)["decision"] == "keep testing"
    assert ab_report(5_000, 100_000, 5_020, 100_000, mde=0.01)["decision"] == "no difference at MDE"
    report = ab_report(50, 1000, 70, 1000, mde=0.01, rng=np.random.default_rng(0))
    assert set(report) >= {"a", "b", "diff", "prob_b_better", "z_test", "sequential",
                           "required_impressions_per_arm", "decision"}
    assert report["a"]["ctr"] == 0.05 and report["b"]["ci_low"] == pytest.approx(wilson_interval(70, 1000)[0])
    assert 0.9 < report["prob_b_better"] < 1.0
    assert ab_report(0, 0, 0, 0, mde=0.01)["decision"] == "keep testing"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: wilson_interval(5, 3), "cannot exceed"),
        (lambda: wilson_interval(-1, 3), "whole number"),
        (lambda: wilson_interval(1.5, 3), "whole number"),
        (lambda: wilson_interval(1, 3, conf=1.2), "conf"),
        (lambda: two_proportion_test(0, 0, 1, 10), "at least one impression"),
        (lambda: sequential_test(1, 10, 1, 10, mde=0), "mde"),
        (lambda: required_sample_size(0.99, 0.02), "mde"),
        (lambda: prob_best([1, 2], [1], draws=10), "same length"),
        (lambda: ab_report(1, 10, 11, 10, mde=0.01), "clicks_b"),
    ],
)
def test_bad_input_is_an_input_error(call, message):
    with pytest.raises(InputError, match=message):
        call()
