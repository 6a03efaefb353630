"""The upstream error-rate breaker, sized like the live rules: anytime-valid, against the incumbent.

A breaker that trips when the candidate fails some share of its last requests rolls back a
candidate whose upstream errs no more than the incumbent's does (19% against 20% trips a
window of 20 at 50% now and then, and a share-of-window rule checked after every request
trips eventually on any endpoint that errs at all). This one trips on one of three rules,
each of which a 19% error rate beside an incumbent's 20% never meets:

- *worse*: the confidence sequence of the candidate's error rate minus the incumbent's lies
  wholly above ``margin`` (``gateway.candidateErrorMargin``);
- *over the hard ceiling*: at least ``ceiling`` (``gateway.candidateErrorRate``) of the
  candidate's last ``window`` requests (``gateway.candidateErrorWindow``) failed. The
  default ceiling, 1.0, trips only on an endpoint that is down (every one of the last 20
  failed: at a 19% error rate that happens with probability 0.19^20, about 4e-15, per
  window); a lower ceiling is an absolute limit the team chose, evidence or not.

Counts are kept since the last fallback and, with several gateway replicas, summed over all
of them through the store: ``take_unwritten`` hands this replica's new counts to the writer,
``absorb`` takes the totals back. Confidence sequences hold however often they are checked
(Howard et al. 2021; see ``analysis.sequential``).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from agent_evals.analysis.sequential import Moments, difference_sequence, harm_shown
from agent_evals.types import Lane

LANES: tuple[Lane, ...] = ("incumbent", "candidate")


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
    """Counts both lanes' upstream results; ``trip_reason`` once the candidate is shown bad."""

    margin: float
    alpha: float = 0.05
    ceiling: float = 1.0
    window: int = 20
    planned: float = 200.0
    lanes: dict[Lane, _Counts] = field(default_factory=lambda: {k: _Counts() for k in LANES})
    shared: dict[Lane, _Counts] = field(default_factory=lambda: {k: _Counts() for k in LANES})
    recent: deque[bool] = field(default_factory=deque)

    def record(self, lane: Lane, ok: bool) -> None:
        """Count one upstream request of ``lane``."""
        counts = self.lanes[lane]
        counts.requests += 1
        counts.errors += not ok
        if lane == "candidate":
            self.recent.append(ok)
            while len(self.recent) > self.window:
                self.recent.popleft()

    def totals(self, lane: Lane) -> _Counts:
        """The lane's counts over every replica, this one's unwritten counts included."""
        mine, shared = self.lanes[lane], self.shared[lane]
        return _Counts(mine.requests + shared.requests, mine.errors + shared.errors)

    def rates(self) -> tuple[float | None, float | None]:
        """Each lane's error rate so far (``None`` before its first request)."""
        return _rate(self.totals("incumbent")), _rate(self.totals("candidate"))

    @property
    def limit(self) -> int:
        """Failures among the last ``window`` requests that trip the hard ceiling."""
        return math.ceil(self.ceiling * self.window)

    def recent_failures(self) -> int:
        """How many of the candidate's last ``window`` requests failed."""
        return self.recent.count(False)

    def trip_reason(self) -> str | None:
        """Why the breaker trips now (``None``: it does not)."""
        failures = self.recent_failures()
        if failures and failures >= self.limit:
            size = len(self.recent)
            return f"candidate upstream failing: {failures} of the last {size} requests failed"
        incumbent, candidate = self.rates()
        if self.tripped():
            return (
                f"candidate upstream error rate {candidate or 0.0:.2f} above the incumbent's "
                f"{incumbent or 0.0:.2f} by more than {self.margin:g}, on anytime-valid evidence"
            )
        return None

    def tripped(self) -> bool:
        """True when the candidate's error rate exceeds the incumbent's by more than the margin
        on evidence valid at every check."""
        sequence = difference_sequence(
            self.totals("incumbent").moments(),
            self.totals("candidate").moments(),
            alpha=2.0 * self.alpha,
            planned=self.planned,
            binary=True,
        )
        return bool(harm_shown(sequence, self.margin, side="upper"))

    def unwritten(self) -> bool:
        """Whether this replica counted requests the store has not summed yet."""
        return any(c.requests for c in self.lanes.values())

    def take_unwritten(self) -> dict[str, tuple[int, int]]:
        """This replica's new counts, by lane, for the store; kept as shared meanwhile."""
        taken: dict[str, tuple[int, int]] = {}
        for lane, counts in self.lanes.items():
            taken[lane] = (counts.requests, counts.errors)
            self.shared[lane].requests += counts.requests
            self.shared[lane].errors += counts.errors
            counts.requests = counts.errors = 0
        return taken

    def absorb(self, totals: Mapping[str, tuple[int, int]]) -> None:
        """Take the counts summed over every replica from the store."""
        for lane in LANES:
            requests, errors = totals.get(lane, (0, 0))
            self.shared[lane] = _Counts(requests, errors)

    def reset(self) -> None:
        """Forget every count (after a fallback)."""
        for counts in (*self.lanes.values(), *self.shared.values()):
            counts.requests = counts.errors = 0
        self.recent.clear()


def _rate(counts: _Counts) -> float | None:
    return counts.errors / counts.requests if counts.requests else None
