"""Prometheus metrics: plain counters on the request path, rendered only when scraped."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)

from agent_evals.records import TokenUsage
from agent_evals.types import LANES, Lane

PREFIX = "agent_evals_gateway"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
OVERHEAD_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1)
TOKEN_TYPES = ("input", "output", "cache_read", "cache_write")


class Histogram:
    """A fixed-bucket histogram: one bisect and two additions per observation."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        """Count one value."""
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value

    def family(self, name: str, doc: str, labels: dict[str, str]) -> HistogramMetricFamily:
        """The histogram as a Prometheus family with cumulative buckets."""
        family = HistogramMetricFamily(name, doc, labels=list(labels))
        running, buckets = 0, []
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += count
            buckets.append(("+Inf" if bound == float("inf") else repr(bound), running))
        family.add_metric(list(labels.values()), buckets, self.total)
        return family


@dataclass
class LaneStats:
    """What one lane's upstream did since the gateway started."""

    responses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    tokens: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    usage_missing: int = 0
    cost_usd: float = 0.0
    shadow_requests: int = 0
    shadow_dropped: int = 0
    shadow_cost_usd: float = 0.0
    latency: Histogram = field(default_factory=lambda: Histogram(LATENCY_BUCKETS))
    ttft: Histogram = field(default_factory=lambda: Histogram(LATENCY_BUCKETS))
    up: float = 1.0

    def add_usage(self, usage: TokenUsage | None, cost: float | None) -> None:
        """Count one answer's tokens by type (or that it had none)."""
        if usage is None:
            self.usage_missing += 1
            return
        tokens = self.tokens
        for i, part in enumerate((usage.input, usage.output, usage.cache_read, usage.cache_write)):
            if part:
                tokens[i] += part
        self.cost_usd += cost or 0.0


@dataclass(frozen=True)
class RolloutGauges:
    """The routing state shown beside the traffic."""

    release: str
    stage: str
    share: float
    blocked: bool
    budget_alerts: int
    breaker_open: bool = False
    breaker_trips: int = 0
    error_rates: tuple[tuple[Lane, float | None], ...] = ()
    assignment_alarm: bool | None = None
    assignment_p: float | None = None


class GatewayMetrics:
    """Per-lane traffic, tokens, latency and fallbacks, plus the rollout's share and stage."""

    def __init__(self, rollout: Callable[[], RolloutGauges]) -> None:
        self.lanes: dict[Lane, LaneStats] = {lane: LaneStats() for lane in LANES}
        self.overhead = Histogram(OVERHEAD_BUCKETS)
        self.fallbacks = 0
        self.rejected: Counter[int] = Counter()
        self._rollout = rollout
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def render(self) -> bytes:
        """The text exposition format."""
        data: bytes = generate_latest(self.registry)
        return data

    def collect(self) -> Iterator[Any]:
        """Prometheus families, built from the counters at scrape time."""
        yield from self._traffic()
        yield from self._usage()
        for lane, stats in self.lanes.items():
            yield stats.latency.family(
                f"{PREFIX}_request_seconds", "Upstream time per request.", {"lane": lane}
            )
            yield stats.ttft.family(
                f"{PREFIX}_time_to_first_token_seconds",
                "Time to the first streamed byte.",
                {"lane": lane},
            )
        yield self.overhead.family(
            f"{PREFIX}_overhead_seconds", "Time the gateway itself adds per request.", {}
        )
        yield from self._rollout_families()

    def _traffic(self) -> Iterator[Any]:
        responses = CounterMetricFamily(
            f"{PREFIX}_requests", "Requests answered, by lane and status.", labels=["lane", "code"]
        )
        errors = CounterMetricFamily(
            f"{PREFIX}_upstream_errors", "Upstream failures by kind.", labels=["lane", "kind"]
        )
        for lane, stats in self.lanes.items():
            for code, count in sorted(stats.responses.items()):
                responses.add_metric([lane, str(code)], count)
            for kind, count in sorted(stats.errors.items()):
                errors.add_metric([lane, kind], count)
        rejected = CounterMetricFamily(
            f"{PREFIX}_rejected", "Requests refused before routing.", labels=["code"]
        )
        for code, count in sorted(self.rejected.items()):
            rejected.add_metric([str(code)], count)
        fallbacks = CounterMetricFamily(
            f"{PREFIX}_fallbacks", "Candidate requests served by the incumbent after a failure."
        )
        fallbacks.add_metric([], self.fallbacks)
        yield from (responses, errors, rejected, fallbacks)

    def _usage(self) -> Iterator[Any]:
        tokens = CounterMetricFamily(
            f"{PREFIX}_tokens", "Metered tokens by lane and type.", labels=["lane", "type"]
        )
        missing = CounterMetricFamily(
            f"{PREFIX}_usage_missing", "Answers that came without usage.", labels=["lane"]
        )
        cost = CounterMetricFamily(
            f"{PREFIX}_cost_usd", "Metered spend by lane and ledger.", labels=["lane", "ledger"]
        )
        shadow = CounterMetricFamily(
            f"{PREFIX}_shadow_requests", "Shadow requests by outcome.", labels=["lane", "outcome"]
        )
        up = GaugeMetricFamily(f"{PREFIX}_upstream_up", "Last probe succeeded.", labels=["lane"])
        for lane, stats in self.lanes.items():
            for kind, count in zip(TOKEN_TYPES, stats.tokens, strict=True):
                tokens.add_metric([lane, kind], count)
            missing.add_metric([lane], stats.usage_missing)
            cost.add_metric([lane, "live"], stats.cost_usd)
            cost.add_metric([lane, "shadow"], stats.shadow_cost_usd)
            shadow.add_metric([lane, "sent"], stats.shadow_requests)
            shadow.add_metric([lane, "dropped"], stats.shadow_dropped)
            up.add_metric([lane], stats.up)
        yield from (tokens, missing, cost, shadow, up)

    def _rollout_families(self) -> Iterator[Any]:
        gauges = self._rollout()
        share = GaugeMetricFamily(f"{PREFIX}_live_share", "Candidate share of live tasks.")
        share.add_metric([], 0.0 if gauges.blocked else gauges.share)
        stage = GaugeMetricFamily(
            f"{PREFIX}_stage", "The release's current stage.", labels=["release", "stage"]
        )
        stage.add_metric([gauges.release, gauges.stage], 1.0)
        blocked = GaugeMetricFamily(
            f"{PREFIX}_routing_blocked", "1 while every task goes to the incumbent."
        )
        blocked.add_metric([], float(gauges.blocked))
        budget = GaugeMetricFamily(f"{PREFIX}_budget_alerts", "Budget alerts raised now.")
        budget.add_metric([], float(gauges.budget_alerts))
        yield from (share, stage, blocked, budget)
        yield from _breaker_families(gauges)
        yield from _assignment_families(gauges)


def _breaker_families(gauges: RolloutGauges) -> Iterator[Any]:
    opened = GaugeMetricFamily(
        f"{PREFIX}_breaker_open", "1 from a breaker trip until its rollback is stored."
    )
    opened.add_metric([], float(gauges.breaker_open))
    trips = CounterMetricFamily(f"{PREFIX}_breaker_trips", "Breaker trips in this process.")
    trips.add_metric([], gauges.breaker_trips)
    rates = GaugeMetricFamily(
        f"{PREFIX}_error_rate",
        "Upstream error rate the breaker sees, every replica's requests included.",
        labels=["lane"],
    )
    for lane, rate in gauges.error_rates:
        if rate is not None:
            rates.add_metric([lane], rate)
    yield from (opened, trips, rates)


def _assignment_families(gauges: RolloutGauges) -> Iterator[Any]:
    # Shown only once the stage has enough live tasks for the sample-ratio test.
    if gauges.assignment_alarm is None:
        return
    alarm = GaugeMetricFamily(
        f"{PREFIX}_assignment_alarm",
        "1 when live routing does not deliver the stage's share (sample-ratio test).",
    )
    alarm.add_metric([], float(gauges.assignment_alarm))
    yield alarm
    if gauges.assignment_p is not None:
        p_value = GaugeMetricFamily(
            f"{PREFIX}_assignment_p_value", "The sample-ratio test's p-value for this stage."
        )
        p_value.add_metric([], gauges.assignment_p)
        yield p_value
