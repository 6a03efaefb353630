"""The error-rate breaker: a candidate erring like the incumbent never trips it; a dead one does."""

from __future__ import annotations

import numpy as np

from agent_evals.config.models import GatewaySpec
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


def default_breaker() -> ErrorRateBreaker:
    """The breaker a gateway builds from the default config."""
    spec = GatewaySpec()
    return ErrorRateBreaker(
        spec.candidate_error_margin,
        ceiling=spec.candidate_error_rate,
        window=spec.candidate_error_window,
    )


def test_the_default_breaker_never_trips_on_19_percent_where_10_of_20_did() -> None:
    old_rule_tripped = 0
    for seed in range(20):
        breaker, rng = default_breaker(), np.random.default_rng(seed)
        recent: list[bool] = []
        for _ in range(1000):
            for lane, rate in (("incumbent", 0.20), ("candidate", 0.19)):
                ok = bool(rng.random() >= rate)
                breaker.record(lane, ok)  # type: ignore[arg-type]
                assert breaker.trip_reason() is None
                if lane == "candidate":
                    recent = [*recent, ok][-20:]
                    old_rule_tripped += recent.count(False) >= 10
    assert old_rule_tripped > 0  # the old default would have rolled these candidates back


def test_a_lower_ceiling_is_a_hard_limit_on_the_last_window() -> None:
    breaker = ErrorRateBreaker(margin=0.1, ceiling=0.5, window=4)
    for ok in (True, False, True):
        breaker.record("candidate", ok)
    assert breaker.trip_reason() is None
    breaker.record("candidate", False)
    assert breaker.trip_reason() == "candidate upstream failing: 2 of the last 4 requests failed"


def test_replicas_trip_together_on_counts_neither_has_alone() -> None:
    replicas = [default_breaker(), default_breaker()]
    for breaker in replicas:
        for _ in range(12):
            breaker.record("incumbent", True)
            breaker.record("candidate", False)
        breaker.recent.clear()  # keep the dead-endpoint window out of it
        assert breaker.trip_reason() is None
    written = [b.take_unwritten() for b in replicas]
    totals = {
        lane: (sum(w[lane][0] for w in written), sum(w[lane][1] for w in written))
        for lane in ("incumbent", "candidate")
    }
    for breaker in replicas:
        breaker.absorb(totals)
        assert breaker.trip_reason() is not None
        assert "above the incumbent's" in (breaker.trip_reason() or "")
