"""``canary status`` says what a stage that met its conditions is still waiting for."""

from __future__ import annotations

from collections.abc import Callable

from agent_evals.config.models import ReleaseConfig
from agent_evals.reports.rollout_views import status_view
from agent_evals.rollout import CanaryController, rollout_status


def test_a_stage_waiting_for_approval_says_so(
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    stages = [
        {"share": 0.1, "minTasks": 0, "minBakeMinutes": 0, "manualApproval": True},
        {"share": 1.0, "minTasks": 5, "minBakeMinutes": 30},
    ]
    controller = started(make_config({"stages": stages}))
    view = status_view(rollout_status(controller))
    assert view["stage_review"]["waiting_for"] == [
        "stage passed; waiting for approval (agent-evals canary promote)"
    ]
