"""Tasks needed up front: stage minimums default to the plan, and short stages are called out."""

from __future__ import annotations

from agent_evals.config.models import ReleaseConfig
from agent_evals.rollout.exposure import release_plan
from agent_evals.rollout.state import release_steps


def config(**release: object) -> ReleaseConfig:
    base = {"incumbent": "inc-1", "candidate": "cand-2", "evalSlices": ["bugfix"]}
    return ReleaseConfig.model_validate({"release": {**base, **release}})


def test_a_new_config_gets_stage_minimums_that_cover_the_planned_exposure() -> None:
    default = config()
    exposure = release_plan(default)
    steps = release_steps(default.release)
    assert [s.min_tasks for s in steps] == list(exposure.plan.stage_min_tasks)
    assert sum(s.min_tasks for s in steps) >= exposure.plan.live_tasks
    assert all(s.planned for s in exposure.stages) and not exposure.warnings


def test_stages_set_by_hand_below_the_plan_are_warned_about() -> None:
    small = config(stages=[{"share": 0.1, "minTasks": 20}, {"share": 1.0, "minTasks": 20}])
    [warning] = release_plan(small).warnings
    assert warning.startswith("the stages see 40 candidate tasks before done")


def test_thin_traffic_says_how_many_days_the_stages_need() -> None:
    exposure = release_plan(config(), tasks_per_day=100)
    assert exposure.stages[0].days is not None and exposure.stages[0].days > 20
    assert any("days to reach their planned exposure" in w for w in exposure.warnings)
