"""The live rate rules (success, tokens, review, cost) judged on anytime-valid evidence.

A rule shows harm when its whole confidence sequence lies beyond the ``rollbackOn`` threshold,
and shows non-inferiority when the whole sequence lies inside it. Token and cost rules work on
the log scale (a ratio of geometric means, named as such); success and review on the
difference of means. The functions take ``Moments``, so they judge one live window or many
simulated releases at every step alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from agent_evals.analysis.sequential import (
    Floats,
    Moments,
    Sequence,
    difference_sequence,
    harm_shown,
    rule_alpha,
    within_shown,
)
from agent_evals.analysis.table import INFRA_ERROR, MISSING, RESOLVED, RunTable
from agent_evals.config.models import RollbackOn
from agent_evals.types import BoundSide

LiveVerdict = Literal["harm", "non-inferior", "no harm shown", "waiting"]
RuleName = Literal["success", "tokens", "review", "cost"]


@dataclass(frozen=True)
class LiveRule:
    """One rate rule: where its threshold comes from and on which scale it is judged."""

    name: RuleName
    estimand: str
    side: BoundSide
    binary: bool
    log_scale: bool
    threshold: Callable[[RollbackOn], float | None]
    phrase: Callable[[float], str]

    def bound(self, rollback_on: RollbackOn) -> float | None:
        """The threshold on the scale the sequence is built on (log for ratios)."""
        value = self.threshold(rollback_on)
        if value is None:
            return None
        return math.log(value) if self.log_scale else value


RULES: tuple[LiveRule, ...] = (
    LiveRule(
        "success",
        "success rate, candidate - incumbent",
        "lower",
        True,
        False,
        lambda r: None if r.success_rate_drop is None else -r.success_rate_drop,
        lambda v: f"success rate drop {-v:.2f}",
    ),
    LiveRule(
        "tokens",
        "geometric-mean tokens per solved task, candidate / incumbent",
        "upper",
        False,
        True,
        lambda r: r.median_token_multiplier,
        lambda v: f"token multiplier {v:.2f}x",
    ),
    LiveRule(
        "review",
        "review comments per task, candidate - incumbent",
        "upper",
        False,
        False,
        lambda r: r.reviewer_comment_increase,
        lambda v: f"review comments {v:+.2f}",
    ),
    LiveRule(
        "cost",
        "geometric-mean cost per solved task, candidate / incumbent",
        "upper",
        False,
        True,
        lambda r: r.cost_multiplier,
        lambda v: f"cost multiplier {v:.2f}x",
    ),
)


def lane_moments(table: RunTable) -> dict[RuleName, Moments]:
    """Each rule's moments over one lane's counted runs (tokens and cost of solved runs)."""
    counted = (table.status != INFRA_ERROR) & (table.status != MISSING)
    solved = table.status[counted] == RESOLVED
    log_tokens = _solved_logs(table.tokens[counted], solved)
    log_cost = _solved_logs(table.cost[counted], solved)
    return {
        "success": Moments.of(solved.astype(np.float64)),
        "tokens": Moments.of(log_tokens),
        "review": Moments.of(table.review[counted]),
        "cost": Moments.of(log_cost),
    }


def _solved_logs(values: Floats, solved: np.ndarray) -> Floats:
    """log(value) of solved runs with a positive value; NaN elsewhere (nothing measured)."""
    keep = solved & (np.nan_to_num(values, nan=0.0) > 0)
    logs = np.full(values.shape, np.nan)
    logs[keep] = np.log(values[keep])
    return logs


@dataclass(frozen=True)
class RuleCheck:
    """One rule's sequence and verdict arrays (as many as the moments broadcast to)."""

    rule: LiveRule
    bound: float
    sequence: Sequence
    harm: np.ndarray
    within: np.ndarray


def check_rules(
    incumbent: Mapping[RuleName, Moments],
    candidate: Mapping[RuleName, Moments],
    rollback_on: RollbackOn,
    *,
    alpha: float,
    planned: float,
    waivers: Iterable[str] = (),
) -> tuple[RuleCheck, ...]:
    """Every active, unwaived rate rule checked on its confidence sequence.

    The release's ``alpha`` is split evenly over the active rules (Bonferroni), so the chance
    that any rule ever shows harm for a candidate sitting at its thresholds stays below it.
    """
    waived = frozenset(waivers)
    active = [
        (rule, bound)
        for rule in RULES
        if (bound := rule.bound(rollback_on)) is not None and rule.name not in waived
    ]
    level = rule_alpha(alpha, len(active))
    checks = []
    for rule, bound in active:
        sequence = difference_sequence(
            incumbent[rule.name],
            candidate[rule.name],
            alpha=level,
            planned=planned,
            binary=rule.binary,
        )
        harm = harm_shown(sequence, bound, side=rule.side)
        within = within_shown(sequence, bound, side=rule.side)
        checks.append(RuleCheck(rule, bound, sequence, harm, within))
    return tuple(checks)


@dataclass(frozen=True)
class LiveRuleResult:
    """One rule on one live window, on the scale users read (ratios for tokens and cost)."""

    name: RuleName
    verdict: LiveVerdict
    estimand: str
    estimate: float | None
    low: float | None
    high: float | None
    threshold: float
    reason: str | None


@dataclass(frozen=True)
class LiveEvidence:
    """Every rate rule's anytime-valid verdict on one live window."""

    rules: tuple[LiveRuleResult, ...]
    alpha: float
    planned: float

    @property
    def harm(self) -> tuple[str, ...]:
        """The reasons of the rules that show harm, in rule order."""
        return tuple(r.reason for r in self.rules if r.verdict == "harm" and r.reason)

    @property
    def non_inferior(self) -> bool:
        """True when every active rule shows non-inferiority."""
        return all(r.verdict == "non-inferior" for r in self.rules)


def live_evidence(
    incumbent: RunTable,
    candidate: RunTable,
    rollback_on: RollbackOn,
    *,
    alpha: float,
    planned: float,
    waivers: Iterable[str] = (),
) -> LiveEvidence:
    """The anytime-valid verdict of every rate rule on both lanes' live runs."""
    checks = check_rules(
        lane_moments(incumbent),
        lane_moments(candidate),
        rollback_on,
        alpha=alpha,
        planned=planned,
        waivers=waivers,
    )
    return evidence_at(checks, (), alpha=alpha, planned=planned)


def evidence_at(
    checks: tuple[RuleCheck, ...], index: int | tuple[()], *, alpha: float, planned: float
) -> LiveEvidence:
    """The verdicts of one element of checked arrays (``()`` for checks of scalars)."""
    return LiveEvidence(tuple(_result(c, index) for c in checks), alpha, planned)


def _result(check: RuleCheck, index: int | tuple[()]) -> LiveRuleResult:
    rule, seq = check.rule, check.sequence
    values = [_scalar(v[index], rule.log_scale) for v in (seq.estimate, seq.low, seq.high)]
    estimate, low, high = values
    threshold = math.exp(check.bound) if rule.log_scale else check.bound
    if bool(check.harm[index]):
        verdict: LiveVerdict = "harm"
    elif bool(check.within[index]):
        verdict = "non-inferior"
    else:
        verdict = "no harm shown" if bool(seq.ready[index]) else "waiting"
    reason = rule.phrase(estimate) if verdict == "harm" and estimate is not None else None
    return LiveRuleResult(rule.name, verdict, rule.estimand, estimate, low, high, threshold, reason)


def _scalar(value: Floats, log_scale: bool) -> float | None:
    number = float(value)
    if not math.isfinite(number):
        return None
    return math.exp(number) if log_scale else number
