"""The names every room shares: lanes, sources, statuses and decisions."""

from __future__ import annotations

from typing import Literal

Lane = Literal["incumbent", "candidate"]
LANES: tuple[Lane, ...] = ("incumbent", "candidate")

RunSource = Literal["replay", "shadow", "live", "import"]
RUN_SOURCES: tuple[RunSource, ...] = ("replay", "shadow", "live", "import")

RunStatus = Literal[
    "resolved",
    "unresolved",
    "agent_error",
    "infra_error",
    "timeout",
    "limit_exceeded",
    "missing",
]
RUN_STATUSES: tuple[RunStatus, ...] = (
    "resolved",
    "unresolved",
    "agent_error",
    "infra_error",
    "timeout",
    "limit_exceeded",
    "missing",
)
# Runs with these statuses say nothing about the model: kept and reported, never counted.
UNCOUNTED_STATUSES: frozenset[str] = frozenset({"infra_error", "missing"})

# Where token counts came from: counted by the gateway, reported by the model's API through
# the agent, estimated by the agent itself (a tokenizer guess), or imported.
UsageSource = Literal["metered", "reported", "estimated", "imported", "missing"]
USAGE_SOURCES: tuple[UsageSource, ...] = (
    "metered",
    "reported",
    "estimated",
    "imported",
    "missing",
)
# Where a cost came from: the model's configured price, the gateway's meter, the agent's own
# estimate (``reported``), or the usage's source when priced from it.
CostSource = Literal["price", "metered", "reported", "estimated", "imported", "missing"]
COST_SOURCES: tuple[CostSource, ...] = (
    "price",
    "metered",
    "reported",
    "estimated",
    "imported",
    "missing",
)

ReviewSource = Literal["human", "auto", "llm"]
REVIEW_SOURCES: tuple[ReviewSource, ...] = ("human", "auto", "llm")

Risk = Literal["low", "medium", "high"]
RISKS: tuple[Risk, ...] = ("low", "medium", "high")

Decision = Literal["PROMOTE", "BLOCKED", "INCONCLUSIVE"]
GateVerdict = Literal["pass", "fail", "off", "no data", "waived", "inconclusive", "reported"]
StatisticsMode = Literal["point", "evidence"]
Provider = Literal["openai", "anthropic", "openai-compatible"]
# The HTTP API an agent speaks to its model endpoint, which the preflight probes the same way.
EndpointWire = Literal["openai-chat", "openai-responses", "anthropic-messages", "gemini"]
# Which side of a gate's bound is allowed: "upper" allows (-inf, bound], "lower" [bound, inf).
BoundSide = Literal["upper", "lower"]
EvidenceVerdict = Literal["pass", "fail", "inconclusive"]

# The largest whole number agent-evals reads or stores (a token count, a seed, an epoch):
# exact as a JSON number (an IEEE double) and far inside SQL's 64-bit BIGINT.
MAX_COUNT = 2**53
