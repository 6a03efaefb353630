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

UsageSource = Literal["metered", "reported", "imported", "missing"]
USAGE_SOURCES: tuple[UsageSource, ...] = ("metered", "reported", "imported", "missing")

ReviewSource = Literal["human", "auto", "llm"]
REVIEW_SOURCES: tuple[ReviewSource, ...] = ("human", "auto", "llm")

Risk = Literal["low", "medium", "high"]
RISKS: tuple[Risk, ...] = ("low", "medium", "high")

Decision = Literal["PROMOTE", "BLOCKED", "INCONCLUSIVE"]
GateVerdict = Literal["pass", "fail", "off", "no data", "waived", "inconclusive", "reported"]
StatisticsMode = Literal["point", "evidence"]
Provider = Literal["openai", "anthropic", "openai-compatible"]
# Which side of a gate's bound is allowed: "upper" allows (-inf, bound], "lower" [bound, inf).
BoundSide = Literal["upper", "lower"]
EvidenceVerdict = Literal["pass", "fail", "inconclusive"]
