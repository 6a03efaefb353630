"""Tasks needed up front: paired replay tasks and epochs per gate, live exposure per stage.

Replay (evidence mode): a gate passes with evidence when its whole interval lies inside the
threshold, so a candidate as good as the incumbent passes with power ``power`` once
n >= ((z_{1-a/2} + z_power) sd / margin)^2 paired tasks, sd being the spread of one task's
difference. Epochs shrink the within-task part of that spread by 1/epochs.

Live: a rule rolls back when its confidence sequence (``analysis.sequential``) lies wholly
beyond the threshold; a candidate that is worse by ``detect`` shows that with power ``power``
once the gap between ``detect`` and the threshold exceeds (boundary factor + z_power) standard
errors of the two-sample difference. Incumbent tasks per candidate task follow from the
stage shares, pooled across stages as the controller pools them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence as Seq
from dataclasses import dataclass

import numpy as np

# scipy.stats is imported in the functions that use it: importing it takes about a second,
# which every command would pay at start-up.
from agent_evals.analysis.pairing import Pairs
from agent_evals.analysis.sequential import boundary_factor, rule_alpha
from agent_evals.config.models import RollbackOn

DEFAULT_SUCCESS_RATE = 0.6
# Share of the success variance that lies between tasks (easy or hard for both lanes alike):
# the paired difference only carries the rest. Half is what public agent benchmarks show.
DEFAULT_BETWEEN_TASK_SHARE = 0.5
DEFAULT_LOG_TOKEN_SD = 0.6
DEFAULT_LOG_TOKEN_WITHIN_SD = 0.35
DEFAULT_REVIEW_MEAN = 1.0
LIVE_POWER = 0.9
REPLAY_POWER = 0.8
EPOCHS = (1, 3, 5)


@dataclass(frozen=True)
class Spread:
    """Per-task variances a plan rests on; ``source`` says whether history or defaults."""

    success_rate: float = DEFAULT_SUCCESS_RATE
    between_task_share: float = DEFAULT_BETWEEN_TASK_SHARE
    log_token_sd: float = DEFAULT_LOG_TOKEN_SD
    log_token_within_sd: float = DEFAULT_LOG_TOKEN_WITHIN_SD
    review_mean: float = DEFAULT_REVIEW_MEAN
    source: str = "defaults"


def spread_from_pairs(pairs: Pairs) -> Spread:
    """The spreads of an earlier paired replay: what both lanes share is between tasks.

    The covariance of the lanes' per-task success is the between-task variance; half the
    variance of the per-task log token ratio is one lane's run-to-run variance.
    """
    if pairs.n < 10:
        return Spread()
    inc, cand = pairs.incumbent, pairs.candidate
    p = float(np.clip(np.mean(inc.success), 0.05, 0.95))
    shared = float(np.cov(inc.success, cand.success)[0, 1])
    tokens = (
        np.isfinite(inc.tokens) & np.isfinite(cand.tokens) & (inc.tokens > 0) & (cand.tokens > 0)
    )
    log_inc = np.log(inc.tokens[tokens])
    log_ratio = np.log(cand.tokens[tokens]) - log_inc
    review = inc.review[np.isfinite(inc.review)]
    enough = tokens.sum() >= 10
    default = Spread()
    return Spread(
        success_rate=p,
        between_task_share=float(np.clip(shared / (p * (1 - p)), 0.0, 0.95)),
        log_token_sd=float(log_inc.std(ddof=1)) if enough else default.log_token_sd,
        log_token_within_sd=float(math.sqrt(log_ratio.var(ddof=1) / 2))
        if enough
        else default.log_token_within_sd,
        review_mean=float(review.mean()) if review.size else default.review_mean,
        source=f"history: {pairs.n} paired tasks",
    )


@dataclass(frozen=True)
class GatePlan:
    """What one gate needs: paired replay tasks per epoch count, and live candidate tasks."""

    gate: str
    threshold: str
    detect: str
    replay_tasks: dict[int, int]
    live_tasks: int


@dataclass(frozen=True)
class ReleasePlan:
    """Every rate gate's needs, and the candidate tasks each live stage should see."""

    gates: tuple[GatePlan, ...]
    stage_min_tasks: tuple[int, ...]
    stage_shares: tuple[float, ...]
    alpha: float
    spread: Spread

    @property
    def live_tasks(self) -> int:
        """Candidate tasks the live stages need before ``done`` (the largest gate's need)."""
        return max((g.live_tasks for g in self.gates), default=0)


def replay_tasks(
    sd_within: float, margin: float, *, alpha: float, power: float, epochs: int
) -> int:
    """Paired tasks for an identical candidate to pass a gate of ``margin`` with ``power``.

    Pairing cancels what both lanes share, so only the run-to-run spread of each lane
    (``sd_within`` per run, averaged over ``epochs``) enters the paired difference.
    """
    from scipy import stats

    variance = 2.0 * sd_within**2 / epochs
    z = float(stats.norm.ppf(1.0 - alpha / 2.0) + stats.norm.ppf(power))
    return max(2, math.ceil(variance * (z / margin) ** 2))


def live_tasks(
    variance: float, gap: float, *, alpha: float, rules: int, power: float, incumbent_per: float
) -> int:
    """Candidate tasks for the sequential rule to show a harm ``gap`` past its threshold."""
    from scipy import stats

    level = rule_alpha(alpha, rules)
    # At the planned exposure the boundary is tuned there, so its factor is the one at time 1.
    factor = float(boundary_factor(1.0, level)) + float(stats.norm.ppf(power))
    per_task = variance * (1.0 + (1.0 / incumbent_per if incumbent_per > 0 else math.inf))
    return math.ceil(per_task * (factor / gap) ** 2)


def incumbent_per_candidate(shares: Seq[float]) -> float:
    """Incumbent tasks per candidate task when every stage sees the same candidate tasks.

    Shadow stages (share 0) run the candidate beside the incumbent, one for one; a ladder
    with no incumbent traffic at all (a cutover) is planned as if it had as much.
    """
    ratios = [(1.0 - s) / s if s > 0 else 1.0 for s in shares]
    return (sum(ratios) / max(len(ratios), 1)) or 1.0


def plan_release(
    rollback_on: RollbackOn,
    shares: Seq[float],
    *,
    alpha: float,
    spread: Spread = Spread(),
) -> ReleasePlan:
    """Plan every active rate gate of ``rollback_on`` over a ladder of stage ``shares``.

    Only live stages (share above 0) see success and review outcomes, so they share the live
    tasks between them; a shadow step gets as many shadowed tasks for its token evidence.
    """
    live = [share for share in shares if share > 0] or list(shares)
    gates = _gates(rollback_on, live, alpha, spread)
    total = max((g.live_tasks for g in gates), default=0)
    per_stage = math.ceil(total / max(len(live), 1))
    minimums = tuple(per_stage for _ in shares)
    return ReleasePlan(tuple(gates), minimums, tuple(shares), alpha, spread)


@dataclass(frozen=True)
class _Sizer:
    """Turns spreads and margins into task counts for one release's ladder and alpha."""

    alpha: float
    rules: int
    incumbent_per: float

    def live(self, variance: float, gap: float) -> int:
        return live_tasks(
            variance,
            gap,
            alpha=self.alpha,
            rules=self.rules,
            power=LIVE_POWER,
            incumbent_per=self.incumbent_per,
        )

    def replay(self, within: float, margin: float) -> dict[int, int]:
        return {
            m: replay_tasks(within, margin, alpha=self.alpha, power=REPLAY_POWER, epochs=m)
            for m in EPOCHS
        }


def _gates(
    rollback_on: RollbackOn, shares: Seq[float], alpha: float, spread: Spread
) -> list[GatePlan]:
    thresholds = (
        rollback_on.success_rate_drop,
        rollback_on.median_token_multiplier,
        rollback_on.reviewer_comment_increase,
        rollback_on.cost_multiplier,
    )
    rules = sum(v is not None for v in thresholds)
    sizer = _Sizer(alpha, rules, incumbent_per_candidate(shares))
    plans = [
        _success(sizer, spread, rollback_on.success_rate_drop),
        _ratio(sizer, spread, "tokens", rollback_on.median_token_multiplier),
        _review(sizer, spread, rollback_on.reviewer_comment_increase),
        _ratio(sizer, spread, "cost", rollback_on.cost_multiplier),
    ]
    return [p for p in plans if p is not None]


def _success(sizer: _Sizer, spread: Spread, drop: float | None) -> GatePlan | None:
    """Success: paired spread is the within-task part; live detects a drop 8 points past it."""
    if drop is None:
        return None
    p = spread.success_rate
    within = math.sqrt(p * (1 - p) * (1 - spread.between_task_share))
    detect = drop + 0.08
    return GatePlan(
        "success",
        f"drop <= {drop:g}",
        f"drop {detect:.2f}",
        sizer.replay(within, drop),
        sizer.live(p * (1 - p), detect - drop),
    )


def _ratio(sizer: _Sizer, spread: Spread, name: str, multiplier: float | None) -> GatePlan | None:
    """Tokens or cost on the log scale; live detects 1.2 times the multiplier."""
    if multiplier is None:
        return None
    detect = multiplier * 1.2
    margin = math.log(multiplier)
    return GatePlan(
        name,
        f"ratio <= {multiplier:g}x",
        f"ratio {detect:.2f}x",
        sizer.replay(spread.log_token_within_sd, margin),
        # Only solved tasks carry tokens and cost: 1/p tasks per value.
        sizer.live(spread.log_token_sd**2 / spread.success_rate, math.log(detect) - margin),
    )


def _review(sizer: _Sizer, spread: Spread, increase: float | None) -> GatePlan | None:
    """Review comments, Poisson-like (variance = mean); live detects twice the increase."""
    if increase is None:
        return None
    return GatePlan(
        "review",
        f"increase <= {increase:g}",
        f"increase {2 * increase:.2f}",
        sizer.replay(math.sqrt(spread.review_mean), increase),
        sizer.live(spread.review_mean, increase),
    )
