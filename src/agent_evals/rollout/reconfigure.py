"""Config changes during a release are applied explicitly, never followed silently.

The stored state keeps the strategy and share the release runs with, and the models and
thresholds it went live with. When the config says otherwise (``release.strategy``
switched, a stage's share, a model or a ``rollbackOn`` threshold changed), routing refuses
to follow either until ``agent-evals canary reconfigure --reason`` applies the config,
audited with the changes; a share that grows still needs a passed drill and a PROMOTE
replay, and so does a live release whose candidate or thresholds changed.
"""

from __future__ import annotations

from agent_evals.errors import UsageError
from agent_evals.rollout.controller import CanaryController, RolloutDecision
from agent_evals.rollout.drift import config_drift as drift_of
from agent_evals.rollout.replay_gate import replay_gate
from agent_evals.rollout.state import RolloutState, applied_settings

_REPLAYED = ("candidate ", "rollbackOn.")
"""Changes a live release applies only on a PROMOTE replay decision at the new settings."""


def config_drift(controller: CanaryController, state: RolloutState) -> tuple[str, ...]:
    """How the controller's config differs from what the stored release runs with."""
    return drift_of(controller.config, state)


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
    changes: dict[str, object] = {
        "strategy": controller.config.release.strategy,
        "applied": applied_settings(controller.config),
    }
    if state.phase == "stage":
        changes |= {"step": step, "share": target.share}
        if target.share > state.share:
            controller.require_drill(state, target)
            controller.require_replay(target, replay_gate(controller.store, controller.config))
    if state.share > 0.0 and any(d.startswith(_REPLAYED) for d in drift):
        live = None if state.phase == "done" else target
        controller.require_replay(live, replay_gate(controller.store, controller.config))
    new = state.moved(
        at=controller.clock.now(), action="reconfigure", actor=actor, reason=reason, **changes
    )
    reasons = (reason, *drift)
    evidence = {"changes": list(drift)}
    stored = controller.commit(
        state, new, action="reconfigure", actor=actor, reasons=reasons, evidence=evidence
    )
    return RolloutDecision("reconfigure", stored, reasons, evidence)
