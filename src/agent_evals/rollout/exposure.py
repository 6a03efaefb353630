"""Tasks needed up front for one release: its gates' needs and what its stages will see.

The numbers come from ``analysis.planning``; this module applies them to a release config's
stage ladder and, given the live traffic, says how long each stage will take to reach its
planned exposure, or that it cannot within the horizon a release is expected to take.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent_evals.analysis.pairing import pair_lanes
from agent_evals.analysis.planning import ReleasePlan, Spread, plan_release, spread_from_pairs
from agent_evals.analysis.table import load_run_table
from agent_evals.config.models import ReleaseConfig, Stage
from agent_evals.rollout.state import release_steps
from agent_evals.store import Store

# Stages that need longer than this to reach their planned exposure get a warning.
HORIZON_DAYS = 14.0


@dataclass(frozen=True)
class StageExposure:
    """One stage: its share, its minimum candidate tasks, and days to reach them."""

    share: float
    min_tasks: int
    planned: bool
    days: float | None


@dataclass(frozen=True)
class ExposurePlan:
    """The release's plan and its stages against the traffic."""

    plan: ReleasePlan
    stages: tuple[StageExposure, ...]
    warnings: tuple[str, ...]


def release_plan(
    config: ReleaseConfig, *, spread: Spread | None = None, tasks_per_day: float | None = None
) -> ExposurePlan:
    """What each gate needs and what each stage of ``config`` will see (default spreads
    unless ``spread`` comes from history)."""
    spread = spread or Spread()
    alpha = 1.0 - config.statistics.confidence
    steps = release_steps(config.release)
    plan = plan_release(
        config.release.rollback_on, [s.share for s in steps], alpha=alpha, spread=spread
    )
    shadow = config.release.shadow_share
    stages = tuple(_exposure(config, s, shadow, tasks_per_day) for s in steps)
    return ExposurePlan(plan, stages, _warnings(plan, stages))


def stored_spread(store: Store, config: ReleaseConfig) -> Spread:
    """The spreads of the release's stored replays (or imports), else the defaults."""
    table = load_run_table(store, config.release.release_id, sources=("replay", "import"))
    if not len(table):
        return Spread()
    pairs = pair_lanes(table.take(~table.candidate), table.take(table.candidate))
    return spread_from_pairs(pairs)


def _exposure(
    config: ReleaseConfig, stage: Stage, shadow: float, tasks_per_day: float | None
) -> StageExposure:
    share = stage.share or shadow
    days = stage.min_tasks / (share * tasks_per_day) if tasks_per_day and share else None
    planned = not any(
        "min_tasks" in s.model_fields_set for s in config.release.stages if s.share == stage.share
    )
    return StageExposure(stage.share, stage.min_tasks, planned, days)


def _warnings(plan: ReleasePlan, stages: tuple[StageExposure, ...]) -> tuple[str, ...]:
    found = []
    total = sum(s.min_tasks for s in stages)
    if total < plan.live_tasks:
        found.append(
            f"the stages see {total} candidate tasks before done; catching a clear harm with "
            f"90% power needs {plan.live_tasks} (leave minTasks unset to get the plan)"
        )
    days = [s.days for s in stages if s.days is not None]
    if days and sum(days) > HORIZON_DAYS:
        found.append(
            f"at this traffic the stages need {sum(days):.0f} days to reach their planned "
            f"exposure (over {HORIZON_DAYS:g}); raise the shares or accept less power"
        )
    return tuple(found)
