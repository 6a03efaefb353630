"""Tasks needed up front: replay tasks per gate and epochs, live exposure per stage."""

from __future__ import annotations

import numpy as np

from agent_evals.analysis.pairing import LaneTasks, Pairs
from agent_evals.analysis.planning import plan_release, spread_from_pairs
from agent_evals.config.models import RollbackOn

SHARES = (0.1, 0.25, 0.5, 1.0)


def test_twenty_one_tasks_cannot_resolve_a_two_point_success_threshold() -> None:
    plan = plan_release(RollbackOn(), SHARES, alpha=0.05)
    success = next(g for g in plan.gates if g.gate == "success")
    assert success.replay_tasks[1] > 1000
    assert success.replay_tasks[5] < success.replay_tasks[3] < success.replay_tasks[1]


def test_the_stages_together_cover_the_largest_live_need() -> None:
    plan = plan_release(RollbackOn(), SHARES, alpha=0.05)
    assert sum(plan.stage_min_tasks) >= plan.live_tasks
    assert plan.live_tasks == max(g.live_tasks for g in plan.gates)
    assert len(set(plan.stage_min_tasks)) == 1


def test_a_looser_threshold_needs_fewer_tasks_and_an_off_gate_needs_none() -> None:
    tight = plan_release(RollbackOn(), SHARES, alpha=0.05)
    loose = plan_release(RollbackOn(success_rate_drop=0.05), SHARES, alpha=0.05)
    assert loose.gates[0].replay_tasks[1] < tight.gates[0].replay_tasks[1]
    off = plan_release(RollbackOn(success_rate_drop=None), SHARES, alpha=0.05)
    assert "success" not in {g.gate for g in off.gates}


def paired(tasks: int, seed: int, run_noise: float) -> Pairs:
    """Both lanes on the same tasks, sharing difficulty and base tokens."""
    rng = np.random.default_rng(seed)
    theta = rng.beta(0.6, 0.4, tasks)
    base = rng.normal(10.0, 0.6, tasks)

    def lane() -> LaneTasks:
        ok = (rng.random(tasks) < theta).astype(float)
        tokens = np.exp(base + rng.normal(0.0, run_noise, tasks))
        review = rng.poisson(1.0, tasks).astype(float)
        return LaneTasks(np.arange(tasks), ok, tokens, review, np.full(tasks, np.nan))

    return Pairs(lane(), lane(), 0, 0)


def test_history_with_less_run_noise_plans_fewer_token_tasks_and_says_where_it_came_from() -> None:
    quiet = spread_from_pairs(paired(2000, 1, run_noise=0.1))
    noisy = spread_from_pairs(paired(2000, 2, run_noise=0.6))
    assert quiet.source == "history: 2000 paired tasks"
    assert 0.3 < quiet.between_task_share < 0.7
    plans = [plan_release(RollbackOn(), SHARES, alpha=0.05, spread=s) for s in (quiet, noisy)]
    tokens = [next(g for g in p.gates if g.gate == "tokens") for p in plans]
    assert tokens[0].replay_tasks[1] < tokens[1].replay_tasks[1]


def test_a_shadow_step_leaves_the_live_stages_their_whole_planned_exposure() -> None:
    live = plan_release(RollbackOn(), [0.1, 0.25, 0.5, 1.0], alpha=0.05)
    with_shadow = plan_release(RollbackOn(), [0.0, 0.1, 0.25, 0.5, 1.0], alpha=0.05)
    assert with_shadow.live_tasks == live.live_tasks
    assert with_shadow.stage_min_tasks[1:] == live.stage_min_tasks
    assert sum(with_shadow.stage_min_tasks[1:]) >= with_shadow.live_tasks
