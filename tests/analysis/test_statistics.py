"""Evidence-mode statistics on seeded synthetic paired data."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from agent_evals.analysis.results import Interval
from agent_evals.analysis.statistics import (
    MAX_GROWTH,
    SUCCESS_METHOD,
    TOKEN_METHOD,
    classify,
    paired_difference,
    paired_success,
    tasks_needed,
    token_log_ratio,
)
from agent_evals.errors import UsageError
from agent_evals.types import BoundSide

SUCCESS_DROP = -0.02  # the default successRateDrop as a lower bound on the difference


def _success_lanes(
    n: int, incumbent_rate: float, candidate_rate: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Paired 0/1 outcomes that share a per-task difficulty, so the lanes correlate."""
    rng = np.random.default_rng(seed)
    difficulty = rng.random(n)
    noise = rng.random(n) < 0.3
    incumbent = np.where(noise, rng.random(n) < incumbent_rate, difficulty < incumbent_rate)
    candidate = np.where(noise, rng.random(n) < candidate_rate, difficulty < candidate_rate)
    return incumbent.astype(float), candidate.astype(float)


def _edge_gap(interval: Interval, n: int, total: int, bound: float) -> float:
    """How far the tasks_needed model puts the bound-facing edge past the bound at ``total``."""
    factor = math.sqrt(n / total)
    if interval.estimate < bound:
        return bound - (interval.estimate + (interval.high - interval.estimate) * factor)
    return interval.estimate - (interval.estimate - interval.low) * factor - bound


def test_equal_candidate_is_not_failed_on_success() -> None:
    incumbent, candidate = _success_lanes(500, 0.8, 0.8, seed=11)
    result = paired_success(incumbent, candidate, confidence=0.95)
    assert result.n == 500
    assert result.interval.low <= 0.0 <= result.interval.high
    assert result.interval.method == SUCCESS_METHOD
    assert classify(result.interval, SUCCESS_DROP, side="lower") != "fail"


def test_candidate_ten_points_worse_fails_with_evidence() -> None:
    incumbent, candidate = _success_lanes(500, 0.85, 0.75, seed=12)
    result = paired_success(incumbent, candidate, confidence=0.95)
    assert result.interval.high < SUCCESS_DROP
    assert result.p_value < 0.001
    assert classify(result.interval, SUCCESS_DROP, side="lower") == "fail"


def test_twenty_tasks_one_point_apart_is_inconclusive_and_asks_for_more() -> None:
    incumbent, candidate = _success_lanes(20, 0.80, 0.79, seed=13)
    interval = paired_success(incumbent, candidate, confidence=0.95).interval
    assert classify(interval, SUCCESS_DROP, side="lower") == "inconclusive"
    more = tasks_needed(interval, 20, SUCCESS_DROP, side="lower")
    assert isinstance(more, int)
    assert more > 0


def test_mcnemar_p_value_is_the_exact_binomial_on_discordant_pairs() -> None:
    # 3 both succeed, 7 only the candidate, 2 only the incumbent, 4 neither.
    incumbent = [1] * 3 + [0] * 7 + [1] * 2 + [0] * 4
    candidate = [1] * 3 + [1] * 7 + [0] * 2 + [0] * 4
    result = paired_success(incumbent, candidate, confidence=0.95)
    assert (result.discordant_candidate_only, result.discordant_incumbent_only) == (7, 2)
    assert result.p_value == pytest.approx(stats.binomtest(7, 9, 0.5).pvalue, rel=1e-12)
    assert result.p_value == pytest.approx(2 * (1 + 9 + 36) / 2**9, rel=1e-12)


def test_no_discordant_pairs_gives_p_value_one_and_an_interval_around_zero() -> None:
    result = paired_success([1, 1, 0, 0], [1, 1, 0, 0], confidence=0.95)
    assert result.p_value == 1.0
    assert result.interval.low < 0.0 == result.interval.estimate < result.interval.high


def test_success_interval_matches_newcombe_published_example() -> None:
    # Cavo et al. 2012 paired table [[59, 6], [16, 80]] (Fagerland, Lydersen & Laake, ch. 8):
    # estimate -0.0621, 95% CI -0.1186 to -0.0046.
    candidate = [1] * 59 + [1] * 6 + [0] * 16 + [0] * 80
    incumbent = [1] * 59 + [0] * 6 + [1] * 16 + [0] * 80
    interval = paired_success(incumbent, candidate, confidence=0.95).interval
    assert interval.estimate == pytest.approx(-0.0621, abs=5e-5)
    assert interval.low == pytest.approx(-0.1186, abs=5e-5)
    assert interval.high == pytest.approx(-0.0046, abs=5e-5)


def test_epoch_averages_are_used_in_full_and_the_interval_is_of_their_mean_difference() -> None:
    inc, cand = [0.0, 1 / 3, 0.5, 1.0], [2 / 3, 0.5, 0.25, 1.0]
    result = paired_success(inc, cand, confidence=0.95)
    assert (result.discordant_candidate_only, result.discordant_incumbent_only) == (2, 1)
    assert result.interval.estimate == pytest.approx(np.mean(np.subtract(cand, inc)))
    assert result.interval.method.startswith("paired-t-epoch-means")
    assert result.interval.low < result.interval.estimate < result.interval.high


def test_an_estimate_at_its_threshold_says_more_tasks_will_not_settle_it() -> None:
    interval = Interval(-0.0195 - 0.05, -0.0195 + 0.05, -0.0195, "paired-t")
    assert tasks_needed(interval, 616, -0.02, side="lower") is None


def test_token_ratio_interval_contains_the_true_ratio() -> None:
    rng = np.random.default_rng(21)
    covered = 0
    for seed in range(40):
        incumbent = rng.lognormal(10.0, 0.6, size=400)
        candidate = incumbent * 1.3 * rng.lognormal(0.0, 0.25, size=400)
        interval = token_log_ratio(incumbent, candidate, confidence=0.95, resamples=2000, seed=seed)
        covered += interval.low <= 1.3 <= interval.high
        assert interval.estimate == pytest.approx(1.3, rel=0.05)
        assert interval.method == TOKEN_METHOD
    assert covered >= 35  # a 95% interval: about 38 of 40


def test_token_ratio_leaves_out_tasks_without_usage_in_both_lanes() -> None:
    rng = np.random.default_rng(22)
    incumbent = rng.lognormal(10.0, 0.5, size=50)
    candidate = rng.lognormal(10.1, 0.5, size=50)
    holes_incumbent = np.concatenate([incumbent, [0.0, np.nan, 100.0]])
    holes_candidate = np.concatenate([candidate, [100.0, 100.0, 0.0]])
    with_holes = token_log_ratio(
        holes_incumbent, holes_candidate, confidence=0.9, resamples=500, seed=3
    )
    assert with_holes == token_log_ratio(
        incumbent, candidate, confidence=0.9, resamples=500, seed=3
    )


def test_same_seed_gives_identical_output_and_another_seed_differs() -> None:
    rng = np.random.default_rng(23)
    incumbent, candidate = rng.lognormal(9.0, 1.0, size=(2, 300))
    first = token_log_ratio(incumbent, candidate, confidence=0.95, resamples=1000, seed=42)
    again = token_log_ratio(incumbent, candidate, confidence=0.95, resamples=1000, seed=42)
    other = token_log_ratio(incumbent, candidate, confidence=0.95, resamples=1000, seed=43)
    assert first == again
    assert first != other
    lanes = _success_lanes(200, 0.7, 0.7, seed=4)
    assert paired_success(*lanes, confidence=0.95) == paired_success(*lanes, confidence=0.95)


def test_review_interval_is_the_paired_t_interval() -> None:
    rng = np.random.default_rng(31)
    incumbent = rng.poisson(1.3, size=60).astype(float)
    candidate = incumbent + rng.normal(0.8, 1.0, size=60)
    interval = paired_difference(incumbent, candidate, confidence=0.9)
    expected = stats.ttest_rel(candidate, incumbent).confidence_interval(0.9)
    assert (interval.low, interval.high) == pytest.approx((expected.low, expected.high))
    assert interval.estimate == pytest.approx(float(np.mean(candidate - incumbent)))
    assert classify(interval, 0.3, side="upper") == "fail"


@pytest.mark.parametrize(
    ("incumbent", "candidate", "why"),
    [([1.0], [3.0], "fewer than 2 tasks"), ([1.0, 2.0, 0.0], [2.0, 3.0, 1.0], "same amount")],
)
def test_review_interval_collapses_and_says_why(
    incumbent: list[float], candidate: list[float], why: str
) -> None:
    interval = paired_difference(incumbent, candidate, confidence=0.95)
    assert interval.low == interval.estimate == interval.high
    assert why in interval.method


@pytest.mark.parametrize(
    ("low", "high", "side", "verdict"),
    [
        (0.1, 0.3, "upper", "pass"),
        (0.1, 0.3, "lower", "inconclusive"),
        (0.31, 0.5, "upper", "fail"),
        (0.2, 0.4, "upper", "inconclusive"),
        (0.3, 0.5, "lower", "pass"),
        (0.0, 0.29, "lower", "fail"),
    ],
)
def test_classify_against_a_bound_of_point_three(
    low: float, high: float, side: BoundSide, verdict: str
) -> None:
    interval = Interval(low, high, (low + high) / 2, "paired-t")
    assert classify(interval, 0.3, side=side) == verdict


def test_tasks_needed_counts_tasks_until_the_interval_clears_the_bound() -> None:
    interval = Interval(-0.1, 0.1, 0.0, "paired-t")
    # Half-width 0.1 must shrink to the 0.03 gap: 20 x (0.1 / 0.03)^2 = 222.2 tasks, 203 more.
    assert tasks_needed(interval, 20, -0.03, side="lower") == 203
    assert tasks_needed(interval, 20, 0.5, side="upper") == 0
    assert tasks_needed(interval, 20, 0.0, side="upper") is None


def test_tasks_needed_works_on_the_log_scale_for_token_ratios() -> None:
    interval = Interval(1.0, 1.44, 1.2, TOKEN_METHOD)
    # On the log scale: 40 x (log 1.2 / log(1.25 / 1.2))^2 = 797.9 tasks, 758 more
    # (the ratio scale would say 40 x (0.24 / 0.05)^2 = 921.6, 882 more).
    assert tasks_needed(interval, 40, 1.25, side="upper") == 758
    other_log_ratio = Interval(1.0, 1.44, 1.2, "t-interval-log-ratio")
    assert tasks_needed(other_log_ratio, 40, 1.25, side="upper") == 758


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: paired_success([1, 0], [1], confidence=0.95), "same tasks"),
        (lambda: paired_success([], [], confidence=0.95), "no paired tasks"),
        (lambda: paired_success([2], [1], confidence=0.95), "[0, 1]"),
        (lambda: paired_difference([1.0], [np.nan], confidence=0.95), "finite"),
        (lambda: paired_difference([1.0], [2.0], confidence=1.0), "confidence"),
        (
            lambda: token_log_ratio([0, 5], [5, 0], confidence=0.95, resamples=10, seed=1),
            "both lanes",
        ),
        (lambda: tasks_needed(Interval(0, 1, 0.5, "paired-t"), 0, 0.2, side="upper"), "n must"),
    ],
)
def test_bad_input_is_refused_with_the_fix(call: Callable[[], object], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call()


outcomes = st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=300)


@settings(max_examples=200, deadline=None)
@given(outcomes, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_success_interval_holds_its_estimate_and_mirrors_on_swap(
    pairs: list[tuple[bool, bool]], confidence: float
) -> None:
    incumbent, candidate = np.array(pairs, dtype=float).T
    forward = paired_success(incumbent, candidate, confidence=confidence)
    backward = paired_success(candidate, incumbent, confidence=confidence)
    assert -1.0 <= forward.interval.low <= forward.interval.estimate <= forward.interval.high <= 1
    assert backward.interval.estimate == -forward.interval.estimate
    assert backward.interval.low == pytest.approx(-forward.interval.high, abs=1e-12)
    assert backward.interval.high == pytest.approx(-forward.interval.low, abs=1e-12)
    assert backward.p_value == forward.p_value
    assert 0.0 <= forward.p_value <= 1.0


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=100))
def test_review_interval_holds_its_estimate(pairs: list[tuple[float, float]]) -> None:
    incumbent, candidate = np.array(pairs).T
    interval = paired_difference(incumbent, candidate, confidence=0.95)
    assert interval.low <= interval.estimate <= interval.high


tokens = st.floats(1.0, 1e7, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(tokens, tokens), min_size=1, max_size=100), st.integers(0, 2**32))
def test_token_interval_holds_its_estimate(pairs: list[tuple[float, float]], seed: int) -> None:
    incumbent, candidate = np.array(pairs).T
    interval = token_log_ratio(incumbent, candidate, confidence=0.95, resamples=200, seed=seed)
    assert 0.0 < interval.low <= interval.estimate <= interval.high


thousandths = st.integers(-1000, 1000).map(lambda k: k / 1000)


@settings(max_examples=300, deadline=None)
@given(
    thousandths,
    st.floats(0.001, 1.0),
    st.floats(0.001, 1.0),
    thousandths,
    st.integers(1, 1000),
    st.sampled_from(["upper", "lower"]),
)
def test_tasks_needed_is_the_fewest_tasks_that_settle_the_gate(
    estimate: float, below: float, above: float, bound: float, n: int, side: BoundSide
) -> None:
    interval = Interval(estimate - below, estimate + above, estimate, "paired-t")
    more = tasks_needed(interval, n, bound, side=side)
    if classify(interval, bound, side=side) != "inconclusive":
        assert more == 0
    elif more is None:
        assert estimate == bound or _edge_gap(interval, n, MAX_GROWTH * n, bound) <= 1e-9
    else:
        assert more is not None and more >= 1
        assert _edge_gap(interval, n, n + more, bound) >= -1e-9
        if more > 1:
            assert _edge_gap(interval, n, n + more - 1, bound) <= 1e-9
