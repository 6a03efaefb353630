"""``agent-evals plan``: what each gate needs, as a table, a JSON document, and one line."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from agent_evals.analysis.planning import EPOCHS, LIVE_POWER, REPLAY_POWER
from agent_evals.rollout.exposure import ExposurePlan


def plan_lines(exposure: ExposurePlan) -> list[str]:
    """The plan as a table: replay tasks per epoch count, live candidate tasks, stages."""
    plan = exposure.plan
    spread = plan.spread
    epochs = " / ".join(str(e) for e in EPOCHS)
    lines = [
        f"plan at alpha {plan.alpha:.2f}; spreads from {spread.source} (success rate "
        f"{spread.success_rate:.2f}, {spread.between_task_share:.0%} of its variance between "
        f"tasks, log-token sd {spread.log_token_sd:.2f}, review mean {spread.review_mean:.2f})",
        f"{'gate':<8} {'passes when':<17} {'replay paired tasks, ' + epochs + ' epochs':<38} "
        f"{'live: catch':<16} candidate tasks",
    ]
    for gate in plan.gates:
        replay = " / ".join(str(gate.replay_tasks[e]) for e in EPOCHS)
        lines.append(
            f"{gate.gate:<8} {gate.threshold:<17} {replay:<38} {gate.detect:<16} {gate.live_tasks}"
        )
    lines.append(
        f"replay: {REPLAY_POWER:.0%} power for an identical candidate to PROMOTE in evidence "
        f"mode; live: {LIVE_POWER:.0%} power to roll back the harm shown before done"
    )
    for stage in exposure.stages:
        days = f", about {stage.days:.1f} days" if stage.days is not None else ""
        source = "planned from default spreads" if stage.planned else "set in the config"
        lines.append(
            f"stage share {stage.share:g}: {stage.min_tasks} candidate tasks ({source}){days}"
        )
    lines += [f"warning: {w}" for w in exposure.warnings]
    return lines


def plan_summary(exposure: ExposurePlan) -> str:
    """One line for ``config check`` and ``check``."""
    plan = exposure.plan
    needs = ", ".join(f"{g.gate} {g.replay_tasks[1]}" for g in plan.gates)
    total = sum(s.min_tasks for s in exposure.stages)
    return (
        f"plan: replay paired tasks for {REPLAY_POWER:.0%} power at 1 epoch: {needs}; live "
        f"stages see {total} candidate tasks before done (need {plan.live_tasks})"
    )


def plan_document(exposure: ExposurePlan) -> dict[str, Any]:
    """The plan as one JSON document."""
    plan = exposure.plan
    return {
        "alpha": plan.alpha,
        "spread": asdict(plan.spread),
        "gates": [
            {**asdict(g), "replay_tasks": {str(k): v for k, v in g.replay_tasks.items()}}
            for g in plan.gates
        ],
        "live_tasks": plan.live_tasks,
        "stages": [asdict(s) for s in exposure.stages],
        "warnings": list(exposure.warnings),
    }
