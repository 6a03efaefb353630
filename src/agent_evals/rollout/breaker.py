"""The upstream error-rate breaker, sized like the live rules: anytime-valid, against the incumbent.

A breaker that trips when the candidate fails some share of its last requests rolls back a
candidate whose upstream errs no more than the incumbent's does (19% against 20% trips a
window of 20 at 50% now and then, and a share-of-window rule checked after every request
trips eventually on any endpoint that errs at all). This one compares both lanes' error
rates since it started and trips only when the confidence sequence of the difference lies
wholly above ``margin``: evidence that holds however often it is checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agent_evals.analysis.sequential import Moments, difference_sequence, harm_shown
from agent_evals.types import Lane


@dataclass
class _Counts:
    requests: int = 0
    errors: int = 0

    def moments(self) -> Moments:
        # Errors are 0/1, so the sum of squares is the sum.
        n, errors = float(self.requests), float(self.errors)
        return Moments(np.asarray(n), np.asarray(errors), np.asarray(errors))


@dataclass
class ErrorRateBreaker:
    """Counts both lanes' upstream results; ``tripped`` once the candidate is shown worse."""

    margin: float
    alpha: float = 0.05
    planned: float = 200.0
    lanes: dict[Lane, _Counts] = field(
        default_factory=lambda: {"incumbent": _Counts(), "candidate": _Counts()}
    )

    def record(self, lane: Lane, ok: bool) -> None:
        """Count one upstream request of ``lane``."""
        counts = self.lanes[lane]
        counts.requests += 1
        counts.errors += not ok

    def rates(self) -> tuple[float | None, float | None]:
        """Each lane's error rate so far (``None`` before its first request)."""
        inc, cand = self.lanes["incumbent"], self.lanes["candidate"]
        return _rate(inc), _rate(cand)

    def tripped(self) -> bool:
        """True when the candidate's error rate exceeds the incumbent's by more than the margin
        on evidence valid at every check."""
        sequence = difference_sequence(
            self.lanes["incumbent"].moments(),
            self.lanes["candidate"].moments(),
            alpha=2.0 * self.alpha,
            planned=self.planned,
            binary=True,
        )
        return bool(harm_shown(sequence, self.margin, side="upper"))

    def reset(self) -> None:
        """Forget every count (after a fallback)."""
        for counts in self.lanes.values():
            counts.requests = counts.errors = 0


def _rate(counts: _Counts) -> float | None:
    return counts.errors / counts.requests if counts.requests else None
