"""Anytime-valid live evidence: confidence sequences on the two-sample lane differences.

The canary re-checks its rate rules after every finished task. A fixed-sample interval read
that often is wrong most of the times it is looked at (an identical candidate checked after
every outcome against point thresholds is rolled back in nearly every release). The intervals
here are confidence sequences: they hold at every sample size at once, so looking after every
outcome, and pooling the evidence of every stage, keeps the error at the chosen level.

Method: Robbins' normal-mixture boundary, i.e. the two-sided mixture sequential probability
ratio test (mSPRT) of Johari et al. 2017 ("Peeking at A/B tests", KDD) as used for canaries by
Lindon et al. 2022 ("Rapid regression detection in software deployments through sequential
testing", KDD), written as the asymptotic confidence sequence of Waudby-Smith et al. 2021
("Time-uniform central limit theory and asymptotic confidence sequences") for a difference of
two lane means, with the mixing variance tuned to the planned exposure as in Howard et al.
2021 ("Time-uniform, nonparametric, nonasymptotic confidence sequences", section 3.5).

Every function takes numpy arrays that broadcast, so the same code judges one live window
(scalars) or a thousand simulated releases at every step (arrays).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from agent_evals.types import BoundSide

Floats = NDArray[np.float64]

# Below this many values in either lane a rule cannot breach: the plug-in variance of a
# handful of 0/1 outcomes is too rough for the normal approximation the boundary rests on.
MIN_PER_LANE = 20


@dataclass(frozen=True)
class Moments:
    """Count, sum and sum of squares of one lane's values (arrays broadcast together)."""

    n: Floats
    total: Floats
    squares: Floats

    @classmethod
    def of(cls, values: ArrayLike) -> Moments:
        """The moments of the finite values of a 1-d array."""
        known = np.asarray(values, dtype=np.float64)
        known = known[np.isfinite(known)]
        return cls(
            np.asarray(float(known.size)),
            np.asarray(float(known.sum())),
            np.asarray(float(np.square(known).sum())),
        )

    @classmethod
    def running(cls, values: ArrayLike, counted: ArrayLike) -> Moments:
        """Moments after each step along the last axis, of the values where ``counted``."""
        mask = np.asarray(counted, dtype=bool)
        vals = np.where(mask, np.asarray(values, dtype=np.float64), 0.0)
        return cls(
            np.cumsum(mask, axis=-1, dtype=np.float64),
            np.cumsum(vals, axis=-1),
            np.cumsum(vals * vals, axis=-1),
        )

    def mean(self) -> Floats:
        """The mean (NaN without values)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.total / self.n, dtype=np.float64)

    def variance(self, *, binary: bool) -> Floats:
        """The variance of one value: Laplace-smoothed p(1-p) for 0/1 values, else sample."""
        with np.errstate(invalid="ignore", divide="ignore"):
            if binary:
                p = (self.total + 1.0) / (self.n + 2.0)
                return np.asarray(p * (1.0 - p), dtype=np.float64)
            spread = np.maximum(self.squares - self.total * self.total / self.n, 0.0)
            return np.asarray(spread / np.maximum(self.n - 1.0, 1.0), dtype=np.float64)


def mixing_ratio(alpha: float) -> float:
    """The mixing variance, relative to the variance at the planned exposure, that makes the
    boundary tightest there (Waudby-Smith et al. 2021, eq. for rho at a target time t*)."""
    two_log = 2.0 * math.log(1.0 / alpha)
    return two_log + math.log(1.0 + two_log)


def boundary_factor(intrinsic_time: ArrayLike, alpha: float) -> Floats:
    """The half-width of the confidence sequence in standard errors at ``intrinsic_time``.

    ``intrinsic_time`` is the exposure as a share of the planned exposure. The mixture
    martingale sqrt(V / (V + tau2)) exp(tau2 z^2 / (2 (V + tau2))) crosses 1/alpha exactly when
    |z| exceeds this factor (Johari et al. 2017, with tau2 = ratio x planned variance).
    """
    ratio = mixing_ratio(alpha) * np.maximum(np.asarray(intrinsic_time, dtype=np.float64), 1e-12)
    return np.asarray(
        np.sqrt((1.0 + 1.0 / ratio) * (2.0 * math.log(1.0 / alpha) + np.log1p(ratio))),
        dtype=np.float64,
    )


@dataclass(frozen=True)
class Sequence:
    """A confidence sequence of candidate minus incumbent at the current exposure."""

    estimate: Floats
    low: Floats
    high: Floats
    ready: NDArray[np.bool_]


def difference_sequence(
    incumbent: Moments,
    candidate: Moments,
    *,
    alpha: float,
    planned: float,
    binary: bool,
) -> Sequence:
    """The confidence sequence of mean(candidate) - mean(incumbent), valid at every look.

    ``planned`` is the candidate exposure (values) the boundary is tuned for; ``ready`` is
    False where a lane has fewer than ``MIN_PER_LANE`` values (such a sequence never decides).
    """
    estimate = candidate.mean() - incumbent.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = candidate.variance(binary=binary) / candidate.n + incumbent.variance(
            binary=binary
        ) / np.maximum(incumbent.n, 1.0)
    half = np.sqrt(variance) * boundary_factor(candidate.n / max(planned, 1.0), alpha)
    ready = (candidate.n >= MIN_PER_LANE) & (incumbent.n >= MIN_PER_LANE)
    return Sequence(estimate, estimate - half, estimate + half, np.asarray(ready))


def harm_shown(sequence: Sequence, bound: float, *, side: BoundSide) -> NDArray[np.bool_]:
    """Where the whole sequence lies beyond the bound, outside the allowed side."""
    beyond = sequence.high < bound if side == "lower" else sequence.low > bound
    return np.asarray(sequence.ready & beyond)


def within_shown(sequence: Sequence, bound: float, *, side: BoundSide) -> NDArray[np.bool_]:
    """Where the whole sequence lies on the allowed side of the bound (non-inferiority)."""
    inside = sequence.low >= bound if side == "lower" else sequence.high <= bound
    return np.asarray(sequence.ready & inside)


def rule_alpha(alpha: float, rules: int) -> float:
    """The two-sided level of each rule's sequence so the release's false-rollback rate stays
    at ``alpha``: each rule may breach on one side only, so it gets alpha / rules there."""
    return min(2.0 * alpha / max(rules, 1), 0.5)
