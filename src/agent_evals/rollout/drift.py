"""How the config differs from what a stored release runs with.

A release keeps the strategy and share it runs with, and the models and thresholds it went
live with. When the config says otherwise, routing refuses to follow either until
``agent-evals canary reconfigure --reason`` applies the config, audited with the changes.
"""

from __future__ import annotations

from agent_evals.config.models import ReleaseConfig
from agent_evals.rollout.state import RolloutState, applied_settings, release_steps

RECONFIGURE_HINT = "apply it with agent-evals canary reconfigure --reason WHY"


def config_drift(config: ReleaseConfig, state: RolloutState) -> tuple[str, ...]:
    """Each difference between ``config`` and the stored release (empty: nothing)."""
    drift = []
    wanted = config.release.strategy
    if state.strategy != wanted:
        drift.append(f"strategy {state.strategy} -> {wanted}")
    if state.phase == "stage":
        steps = release_steps(config.release)
        share = steps[min(state.step, len(steps) - 1)].share
        if share != state.share:
            drift.append(f"share {state.share:g} -> {share:g}")
    if state.phase in ("stage", "done") and state.applied:
        before, now = dict(state.applied), dict(applied_settings(config))
        for key in sorted(before.keys() | now.keys()):
            if before.get(key) != now.get(key):
                drift.append(f"{key} {before.get(key, '-')} -> {now.get(key, '-')}")
    return tuple(drift)


def stale_reason(config: ReleaseConfig, state: RolloutState) -> str | None:
    """Why routing refuses the candidate while the config differs, or ``None`` when it agrees."""
    drift = config_drift(config, state)
    if not drift:
        return None
    head = (
        f"the config says strategy {config.release.strategy} but the release runs {state.strategy}"
        if state.strategy != config.release.strategy
        else "the config differs from the release as applied"
    )
    return f"{head} ({'; '.join(drift)}); {RECONFIGURE_HINT}, or reload this process's config"
