"""The routing plan of a release, computed from its config, stored state and live health."""

from __future__ import annotations

from dataclasses import replace

from agent_evals.config.models import ReleaseConfig
from agent_evals.rollout.drift import stale_reason
from agent_evals.rollout.health import Health, LiveWindow, release_window, stage_health
from agent_evals.rollout.router import Router, RoutingPlan
from agent_evals.rollout.state import RolloutState, read_rollout
from agent_evals.store import Store


def build_plan(
    config: ReleaseConfig,
    state: RolloutState | None,
    health: Health | None = None,
    *,
    stale_check: bool = True,
) -> RoutingPlan:
    """The routing plan of a release in ``state`` with the candidate in ``health``.

    A config that differs from the stored release blocks the candidate (``config_drift``);
    ``stale_check=False`` skips that for a made-up state (a fire drill's live stage).
    """
    release = config.release
    trusted = state.trusted_slices if state else frozenset()
    base = RoutingPlan(
        release=release.release_id,
        incumbent_model=config.model_id(release.incumbent),
        candidate_model=config.model_id(release.candidate),
        salt=release.salt or release.release_id,
        strategy=release.strategy,
        pinned_slices=frozenset(
            name for name, spec in config.slices.items() if spec.policy_sensitive
        )
        - trusted,
        slice_risks={name: spec.risk for name, spec in config.slices.items() if spec.risk},
        high_risk_trusted=state is not None and "high" in state.trusted_risks,
        health=health,
    )
    if state is None:
        return _blocked(base, "release not started (run agent-evals canary start)")
    return _staged(base, config, state, health, stale_check)


def _staged(
    base: RoutingPlan,
    config: ReleaseConfig,
    state: RolloutState,
    health: Health | None,
    stale_check: bool,
) -> RoutingPlan:
    plan = replace(base, stage=state.stage, live_share=state.share)
    if state.phase == "rolled-back":
        return _blocked(plan, f"release rolled back: {state.rollback_reason or 'no reason given'}")
    if state.frozen:
        return _blocked(plan, f"release frozen: {state.frozen_reason or 'no reason given'}")
    if health is not None and not health.healthy:
        return _blocked(plan, f"candidate unhealthy: {health.reason}")
    if state.phase == "ready":
        return _blocked(plan, "release not started (run agent-evals canary start)")
    stale = stale_reason(config, state) if stale_check else None
    if stale is not None:
        return _blocked(plan, stale)
    if state.phase == "stage" and state.share == 0.0 and config.release.strategy != "opt-in":
        return replace(plan, shadow_share=config.release.shadow_share)
    return plan


def _blocked(plan: RoutingPlan, reason: str) -> RoutingPlan:
    return replace(plan, blocked=reason, live_share=0.0)


def load_plan(store: Store, config: ReleaseConfig) -> RoutingPlan:
    """The current routing plan: stored state plus the candidate's live health (same rule as
    the controller: anytime-valid evidence pooled since the release started)."""
    state = read_rollout(store, config.release.release_id)
    return build_plan(config, state, live_health(store, config, state))


def live_health(
    store: Store,
    config: ReleaseConfig,
    state: RolloutState | None,
    window: LiveWindow | None = None,
) -> Health | None:
    """The candidate's live health since the release started, or ``None`` when not live;
    ``window``, the release's live runs if already read."""
    if state is None or state.phase not in ("stage", "done"):
        return None
    return stage_health(store, config, state, window)


def live_runs(store: Store, state: RolloutState | None) -> LiveWindow | None:
    """The release's live runs since it started, or ``None`` when not live."""
    if state is None or state.phase not in ("stage", "done"):
        return None
    return release_window(store, state)


def open_router(store: Store, config: ReleaseConfig) -> Router:
    """A router over the stored state; ``Router.refresh`` reloads state and health."""
    return Router(load_plan(store, config), source=lambda: load_plan(store, config))
