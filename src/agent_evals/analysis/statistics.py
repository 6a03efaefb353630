"""Paired statistics of evidence mode: intervals for the lane differences, verdicts on them.

Replays run the same tasks in both lanes, so every comparison here takes two arrays holding one
value per task, for the same tasks in the same order (incumbent first, then candidate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# scipy.stats is imported in the functions that use it: importing it takes about a second,
# which every command would pay at start-up.
from numpy.typing import ArrayLike, NDArray

from agent_evals.analysis.results import Interval
from agent_evals.errors import UsageError
from agent_evals.types import BoundSide, EvidenceVerdict

SUCCESS_METHOD = "newcombe-hybrid-score"
# With epochs a task's success is its share of solved epochs, used in full (not thresholded).
EPOCH_SUCCESS_METHOD = "paired-t-epoch-means"
TOKEN_METHOD = "bootstrap-percentile-log-ratio"
# An interval whose method names this is of a ratio, and shrinks on the log scale.
LOG_RATIO_MARK = "log-ratio"
REVIEW_METHOD = "paired-t"
_FEW_TASKS = " (degenerate: fewer than 2 tasks)"
_NO_SPREAD = " (degenerate: every task differs by the same amount)"
# Bootstrap index blocks stay near 4 MB; the result does not depend on this size.
_CHUNK_ELEMENTS = 1 << 20
# More tasks than this many times the current count will not come; past it, say so instead.
MAX_GROWTH = 100

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class PairedSuccess:
    """Paired success: the discordant counts, the exact McNemar p-value, the difference interval.

    ``interval`` is of candidate minus incumbent success rate.
    """

    n: int
    discordant_candidate_only: int
    discordant_incumbent_only: int
    p_value: float
    interval: Interval


def paired_success(
    incumbent: ArrayLike, candidate: ArrayLike, *, confidence: float
) -> PairedSuccess:
    """Compare per-task success (0/1, or the share of solved epochs) of the same tasks.

    With 0/1 outcomes the p-value is the exact (binomial) McNemar test on the discordant pairs
    and the interval is Newcombe's hybrid score interval for the difference of paired
    proportions. With epochs each task's share of solved epochs is used in full: the interval
    is the paired t interval of the mean per-task difference (the same quantity as the
    estimate), and the discordant counts are the tasks either lane did better on.
    """
    inc, cand = _paired(incumbent, candidate, "success")
    if ((inc < 0) | (inc > 1) | (cand < 0) | (cand > 1)).any():
        raise UsageError("success: per-task success must lie in [0, 1] (0/1 or an epoch average)")
    cand_only = int(np.count_nonzero(cand > inc))
    inc_only = int(np.count_nonzero(inc > cand))
    if not (np.isin(inc, (0.0, 1.0)).all() and np.isin(cand, (0.0, 1.0)).all()):
        interval = paired_difference(inc, cand, confidence=confidence)
        method = EPOCH_SUCCESS_METHOD + interval.method.removeprefix(REVIEW_METHOD)
        p_value = 1.0 if interval.low == interval.high else _paired_t_p(inc, cand)
        return PairedSuccess(
            n=int(inc.size),
            discordant_candidate_only=cand_only,
            discordant_incumbent_only=inc_only,
            p_value=p_value,
            interval=Interval(interval.low, interval.high, interval.estimate, method),
        )
    both = int(np.count_nonzero((inc == 1) & (cand == 1)))
    neither = inc.size - both - cand_only - inc_only
    return PairedSuccess(
        n=int(inc.size),
        discordant_candidate_only=cand_only,
        discordant_incumbent_only=inc_only,
        p_value=_mcnemar_exact(cand_only, inc_only),
        interval=_newcombe(both, cand_only, inc_only, neither, _z(confidence)),
    )


def _paired_t_p(inc: Floats, cand: Floats) -> float:
    """Two-sided paired t-test p-value of the per-task differences."""
    from scipy import stats

    return float(stats.ttest_rel(cand, inc).pvalue)


def token_log_ratio(
    incumbent: ArrayLike, candidate: ArrayLike, *, confidence: float, resamples: int, seed: int
) -> Interval:
    """Bootstrap interval of the mean per-task log(candidate / incumbent) token ratio.

    Only tasks with a positive, finite count in both lanes take part (zero or NaN means no
    usage was recorded). The percentile interval and the estimate, exp(mean log ratio), are
    returned on the ratio scale, to compare directly with ``medianTokenMultiplier``.
    """
    inc, cand = _paired(incumbent, candidate, "tokens", finite=False)
    if ((inc < 0) | (cand < 0)).any():
        raise UsageError("tokens: token counts cannot be negative; use 0 or NaN for no usage")
    if resamples < 1:
        raise UsageError(f"tokens: resamples must be at least 1, got {resamples}")
    tail = (1.0 - _checked_confidence(confidence)) / 2.0
    both = np.isfinite(inc) & np.isfinite(cand) & (inc > 0) & (cand > 0)
    if not both.any():
        raise UsageError("tokens: no task has token counts in both lanes; meter both lanes")
    log_ratio = np.log(cand[both]) - np.log(inc[both])
    centre = float(log_ratio.mean())
    means = _bootstrap_means(log_ratio - centre, resamples, seed)
    low, high = np.quantile(means, [tail, 1.0 - tail])
    # Kept around the estimate so rounding never puts it outside its own interval.
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    return Interval(
        low=math.exp(centre + low),
        high=math.exp(centre + high),
        estimate=math.exp(centre),
        method=TOKEN_METHOD,
    )


def paired_difference(incumbent: ArrayLike, candidate: ArrayLike, *, confidence: float) -> Interval:
    """Student t interval of the mean per-task difference candidate - incumbent.

    With fewer than 2 tasks, or when every task differs by the same amount, the interval
    collapses to the estimate and ``method`` says so.
    """
    from scipy import stats

    inc, cand = _paired(incumbent, candidate, "review")
    level = _checked_confidence(confidence)
    diff = cand - inc
    estimate = float(diff.mean())
    if diff.size < 2:
        return Interval(estimate, estimate, estimate, REVIEW_METHOD + _FEW_TASKS)
    if (diff == diff[0]).all():
        return Interval(estimate, estimate, estimate, REVIEW_METHOD + _NO_SPREAD)
    sem = float(diff.std(ddof=1)) / math.sqrt(diff.size)
    half = float(stats.t.ppf((1.0 + level) / 2.0, diff.size - 1)) * sem
    return Interval(estimate - half, estimate + half, estimate, REVIEW_METHOD)


def classify(interval: Interval, bound: float, *, side: BoundSide) -> EvidenceVerdict:
    """``pass`` when the whole interval lies in the allowed region, ``fail`` when wholly outside.

    ``side="upper"`` allows (-inf, bound], ``side="lower"`` allows [bound, inf); an interval
    that straddles the bound is ``inconclusive``.
    """
    if side == "upper":
        inside, outside = interval.high <= bound, interval.low > bound
    else:
        inside, outside = interval.low >= bound, interval.high < bound
    if inside:
        return "pass"
    return "fail" if outside else "inconclusive"


def tasks_needed(interval: Interval, n: int, bound: float, *, side: BoundSide) -> int | None:
    """How many more paired tasks would likely settle an inconclusive gate.

    Assumes the estimate stays where it is and the interval's half-width shrinks as
    1/sqrt(n), and counts the tasks until the interval clears the bound on the estimate's
    side: 0 when already settled, None when more tasks will not settle it (the estimate sits
    on the bound, or so near it that over ``MAX_GROWTH`` times the tasks would be needed:
    then the threshold, not the sample, decides). An interval whose method contains
    ``LOG_RATIO_MARK`` (as the token ratio's does) is worked on the log scale.
    """
    if n < 1:
        raise UsageError(f"tasks_needed: n must be the number of paired tasks (>= 1), got {n}")
    if classify(interval, bound, side=side) != "inconclusive":
        return 0
    low, high, estimate, limit = _on_symmetric_scale(interval, bound)
    if estimate == limit:
        return None
    # The edge on the bound's side has to cross it, whichever verdict that brings.
    half_width = high - estimate if estimate < limit else estimate - low
    shrink = half_width / abs(limit - estimate)
    needed = n * shrink * shrink
    if not math.isfinite(needed) or needed > MAX_GROWTH * n:
        return None
    # One past the break-even count, so the edge clears the bound strictly, as failing needs.
    return math.floor(needed) + 1 - n


def _on_symmetric_scale(interval: Interval, bound: float) -> tuple[float, float, float, float]:
    """The interval and bound on the scale its half-widths shrink on (log for ratios)."""
    values = (interval.low, interval.high, interval.estimate, bound)
    if LOG_RATIO_MARK not in interval.method:
        return values
    if min(values) <= 0:
        raise UsageError(f"tasks_needed: a ratio bound must be positive, got {bound}")
    low, high, estimate, log_bound = (math.log(value) for value in values)
    return low, high, estimate, log_bound


def _paired(
    incumbent: ArrayLike, candidate: ArrayLike, what: str, *, finite: bool = True
) -> tuple[Floats, Floats]:
    """Both lanes as float arrays, checked to be one value per task for the same tasks."""
    inc = np.asarray(incumbent, dtype=np.float64)
    cand = np.asarray(candidate, dtype=np.float64)
    if inc.ndim != 1 or inc.shape != cand.shape:
        raise UsageError(
            f"{what}: both lanes need one value per task, for the same tasks in the same order; "
            f"got shapes {inc.shape} and {cand.shape}"
        )
    if inc.size == 0:
        raise UsageError(f"{what}: no paired tasks; run both lanes on the same tasks first")
    if finite and not (np.isfinite(inc).all() and np.isfinite(cand).all()):
        raise UsageError(f"{what}: values must be finite; leave out tasks without a value")
    return inc, cand


def _checked_confidence(confidence: float) -> float:
    """The confidence level, refused unless strictly between 0 and 1."""
    if not 0.0 < confidence < 1.0:
        raise UsageError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    return confidence


def _z(confidence: float) -> float:
    """The two-sided standard normal quantile of a confidence level."""
    from scipy import stats

    return float(stats.norm.ppf((1.0 + _checked_confidence(confidence)) / 2.0))


def _mcnemar_exact(candidate_only: int, incumbent_only: int) -> float:
    """Two-sided exact McNemar p-value: a fair-coin binomial test on the discordant pairs."""
    from scipy import stats

    discordant = candidate_only + incumbent_only
    if discordant == 0:
        return 1.0
    tail = float(stats.binom.cdf(min(candidate_only, incumbent_only), discordant, 0.5))
    return min(1.0, 2.0 * tail)


def _wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval of one proportion, kept around the observed rate."""
    rate = successes / n
    spread = z * z / n
    centre = (rate + spread / 2.0) / (1.0 + spread)
    half = z * math.sqrt(rate * (1.0 - rate) / n + spread / (4.0 * n)) / (1.0 + spread)
    return min(rate, max(0.0, centre - half)), max(rate, min(1.0, centre + half))


def _newcombe(both: int, cand_only: int, inc_only: int, neither: int, z: float) -> Interval:
    """Newcombe's hybrid score interval (method 10) for candidate minus incumbent rate."""
    n = both + cand_only + inc_only + neither
    cand_rate, inc_rate = (both + cand_only) / n, (both + inc_only) / n
    cand_low, cand_high = _wilson(both + cand_only, n, z)
    inc_low, inc_high = _wilson(both + inc_only, n, z)
    phi = _paired_correlation(both, cand_only, inc_only, neither)
    estimate = (cand_only - inc_only) / n
    below = _square_and_add(cand_rate - cand_low, inc_high - inc_rate, phi)
    above = _square_and_add(cand_high - cand_rate, inc_rate - inc_low, phi)
    return Interval(
        low=max(-1.0, estimate - below),
        high=min(1.0, estimate + above),
        estimate=estimate,
        method=SUCCESS_METHOD,
    )


def _paired_correlation(both: int, cand_only: int, inc_only: int, neither: int) -> float:
    """Newcombe's continuity-corrected phi between the lanes' outcomes (0 when undefined)."""
    n = both + cand_only + inc_only + neither
    margins = (both + cand_only) * (inc_only + neither) * (both + inc_only) * (cand_only + neither)
    if margins == 0:
        return 0.0
    cross = both * neither - cand_only * inc_only
    if cross > n / 2:
        corrected = cross - n / 2
    elif cross >= 0:
        corrected = 0.0
    else:
        corrected = float(cross)
    return corrected / math.sqrt(margins)


def _square_and_add(first: float, second: float, phi: float) -> float:
    """Combine two one-sided widths with a correlation; symmetric, so swapping lanes mirrors."""
    return math.sqrt(max(0.0, first * first + second * second - 2.0 * phi * (first * second)))


def _bootstrap_means(values: Floats, resamples: int, seed: int) -> Floats:
    """Means of ``resamples`` resamples of ``values`` with replacement, one seeded index stream.

    Indices are drawn as int32 in blocks of rows, so memory stays flat; the blocks consume
    the generator in order, so the means do not depend on the block size.
    """
    rng = np.random.default_rng(seed)
    n = values.size
    rows = max(1, _CHUNK_ELEMENTS // n)
    means = np.empty(resamples, dtype=np.float64)
    for start in range(0, resamples, rows):
        stop = min(resamples, start + rows)
        indices = rng.integers(0, n, size=(stop - start, n), dtype=np.int32)
        means[start:stop] = values[indices].mean(axis=1)
    return means
