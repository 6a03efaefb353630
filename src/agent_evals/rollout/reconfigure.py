"""Config changes during a release are applied explicitly, never followed silently.

The stored state keeps the strategy and share the release runs with. When the config says
otherwise (``release.strategy`` switched, a stage's share changed), routing refuses to follow
either until ``agent-evals canary reconfigure --reason`` applies the config, audited with the
changes; a share that grows still needs a passed drill and a PROMOTE replay.
"""

from __future__ import annotations

from agent_evals.errors import UsageError
from agent_evals.rollout.controller import CanaryController, RolloutDecision
from agent_evals.rollout.replay_gate import replay_gate
from agent_evals.rollout.state import RolloutState


def config_drift(controller: CanaryController, state: RolloutState) -> tuple[str, ...]:
    """How the config differs from what the stored release runs with (empty: nothing)."""
    drift = []
    wanted = controller.config.release.strategy
    if state.strategy != wanted:
        drift.append(f"strategy {state.strategy} -> {wanted}")
    if state.phase == "stage":
        share = controller.steps[min(state.step, len(controller.steps) - 1)].share
        if share != state.share:
            drift.append(f"share {state.share:g} -> {share:g}")
    return tuple(drift)


def reconfigure(controller: CanaryController, *, actor: str, reason: str) -> RolloutDecision:
    """Apply the config's strategy and stage share to the stored release, audited."""
    state = controller.require_state()
    drift = config_drift(controller, state)
    if not drift:
        raise UsageError(f"release {controller.release!r} already runs as configured")
    if not reason.strip():
        raise UsageError("reconfigure needs --reason WHY (recorded in the audit log)")
    step = min(state.step, len(controller.steps) - 1)
    target = controller.steps[step]
    changes: dict[str, object] = {"strategy": controller.config.release.strategy}
    if state.phase == "stage":
        changes |= {"step": step, "share": target.share}
        if target.share > state.share:
            controller.require_drill(state, target)
            controller.require_replay(target, replay_gate(controller.store, controller.config))
    new = state.moved(
        at=controller.clock.now(), action="reconfigure", actor=actor, reason=reason, **changes
    )
    reasons = (reason, *drift)
    evidence = {"changes": list(drift)}
    stored = controller.commit(
        state, new, action="reconfigure", actor=actor, reasons=reasons, evidence=evidence
    )
    return RolloutDecision("reconfigure", stored, reasons, evidence)
