"""Statistics of click-through rates: intervals, probability of being best, A/B tests.

Every function checks its inputs (clicks k, impressions n with 0 <= k <= n) and raises InputError
naming the bad one. The sequential test is the normal-approximation mixture SPRT of Johari, Pekelis
& Walsh (2017, "Always valid inference"), which may be looked at after every impression without
inflating the false-positive rate.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from adcraft.core.errors import InputError


def _count(name: str, value: Any) -> int:
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a whole number >= 0, got {value!r}") from None
    if not math.isfinite(as_float) or as_float < 0 or as_float != int(as_float):
        raise InputError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(as_float)


def _counts(k: Any, n: Any, label: str = "") -> tuple[int, int]:
    k, n = _count(f"clicks{label}", k), _count(f"impressions{label}", n)
    if k > n:
        raise InputError(f"clicks{label} ({k}) cannot exceed impressions{label} ({n})")
    return k, n


def _level(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 < value < 1.0:
        raise InputError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return value


def wilson_interval(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n (Wilson 1927); (0, 1) when n = 0.

        z = Phi^-1(1 - (1 - conf)/2),  p = k/n
        centre = (p + z^2/(2n)) / (1 + z^2/n)
        half   = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2))
    """
    k, n = _counts(k, n)
    z = float(norm.ppf(1.0 - (1.0 - _level("conf", conf)) / 2.0))
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def prob_best(successes, trials, draws: int = 10_000, rng: np.random.Generator | None = None,
              alpha: float = 1.0, beta: float = 1.0) -> np.ndarray:
    """P(arm i has the highest CTR) under independent Beta(alpha + s_i, beta + n_i - s_i) posteriors.

    Monte Carlo: the share of `draws` joint posterior draws in which arm i is the largest.
    """
    s = np.asarray(successes, dtype=float).ravel()
    n = np.asarray(trials, dtype=float).ravel()
    if s.size == 0 or s.shape != n.shape:
        raise InputError("successes and trials must be non-empty and of the same length")
    if not (np.all(np.isfinite(n)) and np.all(s >= 0) and np.all(s <= n)):
        raise InputError("each arm needs 0 <= successes <= trials (finite)")
    if int(draws) != draws or draws < 1:
        raise InputError(f"draws must be a positive integer, got {draws!r}")
    rng = rng if rng is not None else np.random.default_rng()
    a, b = alpha + s, beta + (n - s)
    wins = np.zeros(s.size)
    chunk = max(1, 4_000_000 // s.size)  # bound memory for long arm lists
    for start in range(0, int(draws), chunk):
        m = min(chunk, int(draws) - start)
        wins += np.bincount(rng.beta(a, b, size=(m, s.size)).argmax(axis=1), minlength=s.size)
    return wins / draws


@dataclass(frozen=True)
class TwoProportionResult:
    """Fixed-horizon two-sided z test of H0: p_a = p_b (valid only if looked at once, at the planned n).

        z = (p_b - p_a) / sqrt(p (1 - p) (1/n_a + 1/n_b)),  p = (k_a + k_b) / (n_a + n_b)
        p_value = 2 (1 - Phi(|z|))
        ci (of p_b - p_a) = (p_b - p_a) +- Phi^-1(1 - (1-conf)/2) sqrt(p_a(1-p_a)/n_a + p_b(1-p_b)/n_b)
    """

    p_a: float
    p_b: float
    diff: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    conf: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def two_proportion_test(k1: int, n1: int, k2: int, n2: int, conf: float = 0.95) -> TwoProportionResult:
    """Compare A = k1/n1 with B = k2/n2; see TwoProportionResult for the formulas."""
    k1, n1 = _counts(k1, n1, "_a")
    k2, n2 = _counts(k2, n2, "_b")
    if n1 == 0 or n2 == 0:
        raise InputError("both creatives need at least one impression for a z test")
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = 0.0 if se0 == 0 else (p2 - p1) / se0
    zc = float(norm.ppf(1.0 - (1.0 - _level("conf", conf)) / 2.0))
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return TwoProportionResult(p1, p2, p2 - p1, z, float(2 * norm.sf(abs(z))), p2 - p1 - zc * se,
                               p2 - p1 + zc * se, conf)


@dataclass(frozen=True)
class SequentialResult:
    """Mixture SPRT for theta = p_b - p_a, normal approximation (Johari et al. 2017), H0: theta = 0.

    With the mixing distribution theta ~ N(0, tau^2), tau = the minimum detectable effect, and
    V = pt_a(1-pt_a)/n_a + pt_b(1-pt_b)/n_b (pt = (k + 0.5)/(n + 1), never a zero variance):
        Lambda = sqrt(V / (V + tau^2)) exp(tau^2 theta_hat^2 / (2 V (V + tau^2)))
        p_value = min(previous p_value, 1 / Lambda)       (always valid)
        reject when p_value <= alpha                         (Ville: P(ever reject | H0) <= alpha)
    Always-valid confidence sequence for theta (the thetas the test would not reject):
        theta_hat +- sqrt(V (V + tau^2) / tau^2 * (2 ln(1/alpha) + ln((V + tau^2) / V)))
    """

    theta_hat: float
    variance: float
    tau: float
    likelihood_ratio: float
    p_value: float
    ci_low: float
    ci_high: float
    alpha: float
    reject: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sequential_test(k1: int, n1: int, k2: int, n2: int, *, mde: float, alpha: float = 0.05,
                    previous_p: float = 1.0) -> SequentialResult:
    """Always-valid test of A = k1/n1 against B = k2/n2; may be re-run after every impression.

    `mde` is the absolute CTR difference worth detecting (0.005 = half a point) and sets tau;
    pass the last p_value as `previous_p` to keep it monotone across looks.
    """
    k1, n1 = _counts(k1, n1, "_a")
    k2, n2 = _counts(k2, n2, "_b")
    tau = float(mde)
    if not 0.0 < tau < 1.0:
        raise InputError(f"mde must be an absolute CTR difference in (0, 1), e.g. 0.005; got {mde!r}")
    alpha = _level("alpha", alpha)
    previous_p = float(previous_p)
    if not 0.0 <= previous_p <= 1.0:
        raise InputError(f"previous_p must lie in [0, 1], got {previous_p!r}")
    if n1 == 0 or n2 == 0:
        return SequentialResult(0.0, math.inf, tau, 1.0, previous_p, -1.0, 1.0, alpha, previous_p <= alpha)
    theta = k2 / n2 - k1 / n1
    pa, pb = (k1 + 0.5) / (n1 + 1), (k2 + 0.5) / (n2 + 1)
    v = pa * (1 - pa) / n1 + pb * (1 - pb) / n2
    t2 = tau * tau
    log_lr = 0.5 * math.log(v / (v + t2)) + t2 * theta * theta / (2 * v * (v + t2))
    p_value = min(previous_p, 1.0, math.exp(-log_lr))
    half = math.sqrt(v * (v + t2) / t2 * (2 * math.log(1 / alpha) + math.log((v + t2) / v)))
    lr = math.exp(min(log_lr, 700.0))
    return SequentialResult(theta, v, tau, lr, p_value, theta - half, theta + half, alpha, p_value <= alpha)


def required_sample_size(p_base: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Impressions per creative for a two-sided z test to detect p_base -> p_base + mde (Fleiss):

        n = (z_{1-alpha/2} sqrt(2 pbar (1 - pbar)) + z_power sqrt(p1(1-p1) + p2(1-p2)))^2 / mde^2
    with p1 = p_base, p2 = p_base + mde, pbar = (p1 + p2) / 2.
    """
    p1 = _level("p_base", p_base)
    p2 = p1 + float(mde)
    if float(mde) <= 0 or p2 >= 1:
        raise InputError(f"mde must be > 0 with p_base + mde < 1, got p_base={p_base!r}, mde={mde!r}")
    za, zb = norm.ppf(1 - _level("alpha", alpha) / 2), norm.ppf(_level("power", power))
    pbar = (p1 + p2) / 2
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2
    return math.ceil(n / (p2 - p1) ** 2)


def ab_report(k1: int, n1: int, k2: int, n2: int, *, mde: float, alpha: float = 0.05, power: float = 0.8,
              draws: int = 20_000, rng: np.random.Generator | None = None,
              previous_p: float = 1.0) -> dict[str, Any]:
    """Everything about creative A (k1 clicks / n1 impressions) against B, with a decision.

    decision: "B wins" / "A wins" when the sequential test rejects (sign of p_b - p_a); "no difference
    at MDE" when its always-valid interval for p_b - p_a lies inside (-mde, +mde); else "keep testing".
    The fixed-horizon z test is reported for reference; only the sequential test drives the decision,
    so the report may be refreshed at any time (pass the last report's sequential p_value as
    `previous_p` to keep it monotone).
    """
    k1, n1 = _counts(k1, n1, "_a")
    k2, n2 = _counts(k2, n2, "_b")
    seq = sequential_test(k1, n1, k2, n2, mde=mde, alpha=alpha, previous_p=previous_p)
    conf = 1 - alpha
    z = two_proportion_test(k1, n1, k2, n2, conf=conf).to_dict() if n1 and n2 else None
    p_base = min(max((k1 + 0.5) / (n1 + 1), 1e-4), 0.5)
    if seq.reject:
        decision = "B wins" if seq.theta_hat > 0 else "A wins"
    elif -mde < seq.ci_low and seq.ci_high < mde:
        decision = "no difference at MDE"
    else:
        decision = "keep testing"
    pb = prob_best([k1, k2], [n1, n2], draws=draws, rng=rng)

    def arm(k: int, n: int) -> dict[str, Any]:
        lo, hi = wilson_interval(k, n, conf)
        return {"clicks": k, "impressions": n, "ctr": k / n if n else None, "ci_low": lo, "ci_high": hi}

    return {
        "a": arm(k1, n1),
        "b": arm(k2, n2),
        "diff": seq.theta_hat if n1 and n2 else None,
        "mde": float(mde),
        "alpha": alpha,
        "prob_b_better": float(pb[1]),
        "z_test": z,
        "sequential": seq.to_dict(),
        "required_impressions_per_arm": required_sample_size(p_base, mde, alpha, power)
        if p_base + mde < 1 else None,
        "decision": decision,
    }
