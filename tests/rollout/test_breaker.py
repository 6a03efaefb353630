"""The error-rate breaker: a candidate erring like the incumbent never trips it; a dead one does."""

from __future__ import annotations

import numpy as np

from agent_evals.rollout.breaker import ErrorRateBreaker


def feed(
    breaker: ErrorRateBreaker, rng: np.random.Generator, requests: int, rates: dict[str, float]
) -> bool:
    """Alternate both lanes' requests, checking after each; True if it ever tripped."""
    for _ in range(requests):
        for lane, rate in rates.items():
            breaker.record(lane, bool(rng.random() >= rate))  # type: ignore[arg-type]
            if breaker.tripped():
                return True
    return False


def test_a_candidate_erring_at_19_percent_against_20_never_trips_across_seeds() -> None:
    for seed in range(30):
        breaker = ErrorRateBreaker(margin=0.1)
        rates = {"incumbent": 0.20, "candidate": 0.19}
        assert not feed(breaker, np.random.default_rng(seed), 500, rates)


def test_a_dead_candidate_upstream_trips_within_its_first_requests() -> None:
    breaker = ErrorRateBreaker(margin=0.1)
    rng = np.random.default_rng(1)
    assert feed(breaker, rng, 30, {"incumbent": 0.02, "candidate": 1.0})
    assert breaker.lanes["candidate"].requests <= 25
    breaker.reset()
    assert breaker.rates() == (None, None) and not breaker.tripped()
