"""Point-mode stability: how often resampling the paired tasks gives the same verdict.

A point verdict rests on one sample of tasks. Resampling the paired tasks with replacement
(seeded, so the figure is reproducible) and re-deciding each gate on every resample shows how
much of the verdict is the sample: under ``STABLE`` of the resamples agreeing, the verdict is
printed as within noise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

# scipy.stats is imported in the functions that use it: importing it takes about a second,
# which every command would pay at start-up.
from agent_evals.analysis.pairing import LaneTasks, Pairs
from agent_evals.analysis.results import Interval
from agent_evals.config.models import RollbackOn

STABLE = 0.8
POINT_METHOD = "bootstrap-of-point-statistic"
NORMAL_METHOD = "normal approximation to the bootstrap of the point statistic"
# Resampling costs resamples x tasks per gate. Above this many draws, the spread of each
# point statistic is estimated by resampling a seeded subsample of the tasks and scaling by
# sqrt(subsample / tasks) (the m-out-of-n bootstrap, Bickel, Goetze & van Zwet 1997; valid
# for these root-n statistics, means and medians), and the verdict's stability is read from a
# normal fit (the normal bootstrap, Efron & Tibshirani 1993, ch. 13): with thousands of tasks
# the statistics are close to normal, and a scorecard of a million runs stays within budget.
_DRAW_BUDGET = 4_000_000
_NORMAL_RESAMPLES = 100
_SUBSAMPLE = 5_000
# Resample index blocks stay near 4 MB; the result does not depend on this size.
_CHUNK_ELEMENTS = 1 << 20
# Threshold comparisons forgive float noise, as the gates do.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Stability:
    """Share of resamples that repeat each gate's verdict, and the decision's."""

    gates: Mapping[str, float]
    decision: float
    resamples: int
    seed: int
    intervals: Mapping[str, Interval] = field(default_factory=dict)

    def note(self, gate: str) -> str | None:
        """The stability of one gate's verdict, flagged as within noise when unstable."""
        share = self.gates.get(gate)
        if share is None:
            return None
        flag = "; within noise" if share < STABLE else ""
        return f"stability {share:.0%} of {self.resamples} resamples{flag}"


def point_stability(
    pairs: Pairs,
    rollback_on: RollbackOn,
    observed: Mapping[str, bool],
    *,
    policy_failed: bool,
    resamples: int,
    seed: int,
    confidence: float = 0.95,
) -> Stability | None:
    """Resample the paired tasks and re-decide every rate gate with a point verdict.

    ``observed`` maps each decided rate gate to whether it passed. The decision is BLOCKED
    on a resample when any gate fails there (or policy failed: a count, not resampled). The
    resampled statistics also give each gate a percentile interval of its own point
    statistic (a success difference, a ratio of median tokens ...), so the interval shown
    beside a point value is of that very quantity.
    """
    if pairs.n < 2 or not observed:
        return None
    rng = np.random.default_rng(seed)
    whole = _statistics(pairs, np.ones((1, pairs.n)), observed)
    estimates = {name: float(whole[name][0]) for name in observed}
    was_promoted = all(observed.values()) and not policy_failed
    if pairs.n * resamples > _DRAW_BUDGET:
        subsample = _subsample(pairs, rng)
        draws = _resampled(subsample, observed, _NORMAL_RESAMPLES, rng)
        scale = float(np.sqrt(subsample.n / pairs.n))
        fit = _NormalFit(estimates, scale, confidence, policy_failed)
        return fit.stability(draws, rollback_on, observed, was_promoted, seed)
    values = _resampled(pairs, observed, resamples, rng)
    passes = {name: _passes(name, values[name], rollback_on) for name in values}
    agree = {name: float((passes[name] == observed[name]).mean()) for name in passes}
    promoted = np.logical_and.reduce(list(passes.values())) & (not policy_failed)
    decision = float((promoted == was_promoted).mean())
    intervals = {
        name: _percentile(values[name], estimates[name], name, confidence) for name in values
    }
    return Stability(agree, decision, resamples, seed, intervals)


def _resampled(
    pairs: Pairs, observed: Mapping[str, bool], resamples: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Each observed gate's point statistic on ``resamples`` seeded resamples of the tasks."""
    values = {name: np.empty(resamples) for name in observed}
    rows = max(1, _CHUNK_ELEMENTS // pairs.n)
    for start in range(0, resamples, rows):
        stop = min(resamples, start + rows)
        counts = _draw_counts(rng, stop - start, pairs.n)
        for name, statistic in _statistics(pairs, counts, observed).items():
            values[name][start:stop] = statistic
    return values


def _subsample(pairs: Pairs, rng: np.random.Generator) -> Pairs:
    """A seeded subsample of the paired tasks, without replacement."""
    if pairs.n <= _SUBSAMPLE:
        return pairs
    chosen = np.sort(rng.choice(pairs.n, size=_SUBSAMPLE, replace=False))
    return replace(
        pairs, incumbent=_take(pairs.incumbent, chosen), candidate=_take(pairs.candidate, chosen)
    )


def _take(lane: LaneTasks, chosen: np.ndarray) -> LaneTasks:
    return LaneTasks(
        keys=lane.keys[chosen],
        success=lane.success[chosen],
        tokens=lane.tokens[chosen],
        review=lane.review[chosen],
        cost=lane.cost[chosen],
    )


@dataclass(frozen=True)
class _NormalFit:
    """Stability from a normal fit to (scaled) resamples: the share expected on the same side.

    The decision's share treats the gates as independent, which is close for the different
    quantities the gates measure.
    """

    estimates: Mapping[str, float]
    scale: float
    confidence: float
    policy_failed: bool

    def stability(
        self,
        draws: Mapping[str, np.ndarray],
        rollback_on: RollbackOn,
        observed: Mapping[str, bool],
        was_promoted: bool,
        seed: int,
    ) -> Stability:
        agree: dict[str, float] = {}
        intervals: dict[str, Interval] = {}
        pass_chance = 0.0 if self.policy_failed else 1.0
        for name, values in draws.items():
            chance, intervals[name] = self._gate(name, values, rollback_on)
            agree[name] = chance if observed[name] else 1.0 - chance
            pass_chance *= chance
        decision = pass_chance if was_promoted else 1.0 - pass_chance
        return Stability(agree, decision, _NORMAL_RESAMPLES, seed, intervals)

    def _gate(
        self, name: str, values: np.ndarray, rollback_on: RollbackOn
    ) -> tuple[float, Interval]:
        from scipy import stats

        log = name in ("tokens", "cost")
        estimate = self.estimates[name]
        known = values[np.isfinite(values) & (values > 0)] if log else values[np.isfinite(values)]
        if known.size < 2 or not np.isfinite(estimate) or (log and estimate <= 0):
            return 1.0, Interval(estimate, estimate, estimate, NORMAL_METHOD + " (no data)")
        centre = float(np.log(estimate)) if log else estimate
        spread = self.scale * float(np.std(np.log(known) if log else known, ddof=1))
        z = float(stats.norm.ppf(0.5 + self.confidence / 2.0))
        low, high = centre - z * spread, centre + z * spread
        if log:
            low, high = float(np.exp(low)), float(np.exp(high))
        method = NORMAL_METHOD + (" log-ratio" if log else "")
        interval = Interval(min(low, estimate), max(high, estimate), estimate, method)
        return _pass_chance(name, centre, spread, rollback_on, log), interval


def _pass_chance(
    name: str, centre: float, spread: float, rollback_on: RollbackOn, log: bool
) -> float:
    """The chance, under the normal fit, that a resample's statistic passes the gate."""
    from scipy import stats

    bound = _bound(name, rollback_on)
    if bound is None:
        return 1.0
    if log:
        if bound <= 0:
            return 0.0
        bound = float(np.log(bound))
    if spread <= 0:
        return 1.0 if (centre >= bound if name == "success" else centre <= bound) else 0.0
    score = (centre - bound) / spread
    chance = stats.norm.cdf(score) if name == "success" else stats.norm.cdf(-score)
    return float(chance)


def _bound(name: str, rollback_on: RollbackOn) -> float | None:
    """The gate's threshold on its point statistic (``None`` when the gate is off)."""
    return {
        "success": None
        if rollback_on.success_rate_drop is None
        else -rollback_on.success_rate_drop,
        "review": rollback_on.reviewer_comment_increase,
        "tokens": rollback_on.median_token_multiplier,
        "cost": rollback_on.cost_multiplier,
    }[name]


def _passes(name: str, statistic: np.ndarray, rollback_on: RollbackOn) -> np.ndarray:
    """Each resample's point verdict of one gate (NaN, no data, counts as not passing)."""
    bound = _bound(name, rollback_on)
    if bound is None:
        return np.ones(statistic.shape, dtype=bool)
    if name == "success":
        return np.asarray(statistic >= bound - _EPSILON)
    return np.asarray(statistic <= bound + _EPSILON)


def _percentile(values: np.ndarray, estimate: float, name: str, confidence: float) -> Interval:
    tail = (1.0 - confidence) / 2.0
    known = values[np.isfinite(values)]
    if not known.size or not np.isfinite(estimate):
        return Interval(estimate, estimate, estimate, POINT_METHOD + " (no data)")
    low, high = np.quantile(known, [tail, 1.0 - tail])
    # Kept around the estimate so rounding never puts it outside its own interval.
    method = POINT_METHOD + (" log-ratio" if name in ("tokens", "cost") else "")
    return Interval(min(float(low), estimate), max(float(high), estimate), estimate, method)


def _statistics(
    pairs: Pairs, counts: np.ndarray, observed: Mapping[str, bool]
) -> dict[str, np.ndarray]:
    """Each observed gate's point statistic on every resample (rows of task draw ``counts``)."""
    inc, cand = pairs.incumbent, pairs.candidate
    out: dict[str, np.ndarray] = {}
    if "success" in observed:
        out["success"] = _weighted_means(counts, cand.success - inc.success)
    if "review" in observed:
        out["review"] = _weighted_means(counts, cand.review) - _weighted_means(counts, inc.review)
    for name in ("tokens", "cost"):
        if name in observed:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[name] = _weighted_medians(counts, getattr(cand, name)) / _weighted_medians(
                    counts, getattr(inc, name)
                )
    return out


def _draw_counts(rng: np.random.Generator, resamples: int, n: int) -> np.ndarray:
    """How often each resample draws each task: means then become one matrix product."""
    index = rng.integers(0, n, size=(resamples, n), dtype=np.int64)
    index += np.arange(resamples, dtype=np.int64)[:, None] * n
    counts = np.bincount(index.ravel(), minlength=resamples * n)
    return counts.reshape(resamples, n).astype(np.float64)


def _weighted_means(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The mean of the finite values of each resample (NaN where it drew none)."""
    known = np.isfinite(values)
    weights = counts[:, known]
    with np.errstate(invalid="ignore", divide="ignore"):
        means: np.ndarray = (weights @ values[known]) / weights.sum(axis=1)
    return means


def _weighted_medians(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The median of the finite values of each resample, drawn ``counts`` times each."""
    known = np.flatnonzero(np.isfinite(values))
    order = known[np.argsort(values[known])]
    if order.size == 0:
        return np.full(counts.shape[0], np.nan)
    cumulative = np.cumsum(counts[:, order], axis=1)
    total = cumulative[:, -1]
    low = np.argmax(cumulative >= np.ceil(total / 2.0)[:, None], axis=1)
    high = np.argmax(cumulative >= (total // 2 + 1)[:, None], axis=1)
    ordered = values[order]
    return np.where(total > 0, (ordered[low] + ordered[high]) / 2.0, np.nan)
