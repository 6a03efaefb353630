"""Stage decisions: evaluate the live scorecard to hold, advance or roll back; promote by hand."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from agent_evals.config.models import Stage
from agent_evals.errors import ConflictError, UsageError
from agent_evals.rollout.budget import BudgetReport, budget_report
from agent_evals.rollout.controller import CanaryController, RolloutAction, RolloutDecision
from agent_evals.rollout.drift import RECONFIGURE_HINT, config_drift
from agent_evals.rollout.health import (
    Health,
    as_utc,
    live_settings,
    release_waivers,
    release_window,
    stage_finished,
    stage_health,
)
from agent_evals.rollout.hooks import HookEventName
from agent_evals.rollout.replay_gate import replay_gate
from agent_evals.rollout.shadow_step import (
    SHADOW_NOTE,
    in_shadow_step,
    shadow_health,
    shadow_pairs,
)
from agent_evals.rollout.state import RolloutState

CONTROLLER = "controller"


@dataclass(frozen=True)
class StageReview:
    """How the current stage stands: its live health and what it still waits for.

    ``finished`` counts the candidate tasks of this stage (its planned exposure); the health
    behind it pools every stage since the release started. In a ``shadow`` step both are
    the shadowed tasks, judged on tokens and cost only.
    """

    health: Health
    finished: int
    min_tasks: int
    baked_minutes: float
    min_bake_minutes: float
    incumbent_scope: str = "release"
    needs_non_inferiority: bool = False
    shadow: bool = False

    def waiting_for(self) -> tuple[str, ...]:
        """Unmet conditions for leaving the stage, empty when it may advance."""
        waits = []
        if self.finished < self.min_tasks:
            waits.append(f"finished tasks {self.finished}/{self.min_tasks}")
        if self.baked_minutes < self.min_bake_minutes:
            waits.append(f"bake {self.baked_minutes:.0f}/{self.min_bake_minutes:g} min")
        if self.needs_non_inferiority and not self.health.live.non_inferior:
            open_rules = [r.name for r in self.health.live.rules if r.verdict != "non-inferior"]
            waits.append(
                "the step to 100% needs evidence of non-inferiority: " + ", ".join(open_rules)
            )
        return tuple(waits)

    def evidence(self) -> dict[str, Any]:
        """The numbers a stage decision rests on, for the audit log."""
        return {
            **self.health.evidence(),
            "finished": self.finished,
            "min_tasks": self.min_tasks,
            "baked_minutes": round(self.baked_minutes, 2),
            "min_bake_minutes": self.min_bake_minutes,
            "incumbent_baseline": self.incumbent_scope,
            **({"shadow_step": SHADOW_NOTE} if self.shadow else {}),
        }


def review_stage(controller: CanaryController, state: RolloutState) -> StageReview:
    """The live evidence since the release started and the progress of the current stage."""
    step = controller.step_of(state)
    window = release_window(controller.store, state)
    shadow = in_shadow_step(controller.config, state)
    if shadow:
        waivers = release_waivers(controller.store, controller.config)
        health = shadow_health(controller.config, window, waivers)
        since = as_utc(state.stage_started_at).timestamp()
        finished = len(shadow_pairs(window, since)[1])
    else:
        health = stage_health(controller.store, controller.config, state, window)
        finished = stage_finished(window, state)
    baked = (controller.clock.now() - state.stage_started_at).total_seconds() / 60.0
    last = state.phase == "stage" and next_step(controller, state) is None
    rule = live_settings(controller.config).final_step
    return StageReview(
        health,
        finished,
        step.min_tasks,
        baked,
        step.min_bake_minutes,
        window.incumbent_scope,
        needs_non_inferiority=last and rule == "non-inferiority",
        shadow=shadow,
    )


def evaluate(controller: CanaryController, *, actor: str = CONTROLLER) -> RolloutDecision:
    """Re-evaluate the live stage: roll back on a breach, else advance when ready, else hold.

    A config that differs from the release as applied holds it (audited) until
    ``canary reconfigure``, though harm still rolls it back. A shadow step never rolls back
    (nothing is live): harm in its tokens or cost, or a budget alert, holds it.
    """
    state = controller.require_state()
    if state.phase not in ("stage", "done") or state.frozen:
        why = f"release {state.stage}" + (
            f" and frozen: {state.frozen_reason}" if state.frozen else ""
        )
        return RolloutDecision("hold", state, (f"nothing to evaluate: {why}",))
    review = review_stage(controller, state)
    evidence = review.evidence()
    if not review.health.healthy and not review.shadow:
        return controller.fall_back(
            state, actor=actor, reasons=review.health.reasons, evidence=evidence
        )
    drift = config_drift(controller.config, state)
    if drift:
        reason = f"the config differs from the release: {'; '.join(drift)}; {RECONFIGURE_HINT}"
        return controller.record(state, "hold", actor, (reason,), {"changes": list(drift)})
    state, fallback = _watch_budget(controller, state, actor, review.min_tasks)
    if fallback is not None:
        return fallback
    return _progress(controller, state, review, actor, evidence)


def _progress(
    controller: CanaryController,
    state: RolloutState,
    review: StageReview,
    actor: str,
    evidence: dict[str, Any],
) -> RolloutDecision:
    if state.phase == "done":
        return controller.record(
            state, "hold", actor, ("promoted; watching live health",), evidence
        )
    waits = review.waiting_for() or stage_stops(controller, state)
    if review.shadow:
        waits = _shadow_holds(review, state) + waits
        waits = (*waits, SHADOW_NOTE) if waits else ()
    if waits:
        return controller.record(state, "hold", actor, waits, evidence)
    reason = f"stage passed: {review.finished} tasks, {review.baked_minutes:.0f} min, no harm shown"
    if review.shadow:
        reason = (
            f"shadow step passed: {review.finished} shadowed tasks, "
            f"{review.baked_minutes:.0f} min, tokens and budget stable; "
            "success and review need live work"
        )
    return advance(
        controller, state, actor=actor, action="advance", reasons=(reason,), evidence=evidence
    )


def _shadow_holds(review: StageReview, state: RolloutState) -> tuple[str, ...]:
    """What holds a shadow step besides its tasks and bake: token or cost harm, budget alerts."""
    harm = tuple(f"shadow evidence: {reason}" for reason in review.health.reasons)
    return harm + tuple(f"budget: {alert}" for alert in state.alerts)


def stage_stops(controller: CanaryController, state: RolloutState) -> tuple[str, ...]:
    """What keeps a passing stage from moving on by itself."""
    strategy = controller.config.release.strategy
    if strategy in ("shadow", "opt-in"):
        return (f"{strategy} strategy: evidence complete; the controller never goes further",)
    if controller.step_of(state).manual_approval:
        return ("stage passed; waiting for approval (agent-evals canary promote)",)
    target = next_step(controller, state)
    if not state.drill_passed and (target is None or target.share > 0.0):
        return (
            "stage passed; the next stage needs a passed fire drill (agent-evals canary drill)",
        )
    if target is None or target.share > 0.0:
        gate = replay_gate(controller.store, controller.config)
        if not gate.open:
            return (f"stage passed; the next stage needs a PROMOTE replay: {gate.summary()}",)
    return ()


def next_step(controller: CanaryController, state: RolloutState) -> Stage | None:
    """The stage after the current one, or ``None`` when the next step is ``done``."""
    index = state.step + 1
    return controller.steps[index] if index < len(controller.steps) else None


def advance(
    controller: CanaryController,
    state: RolloutState,
    *,
    actor: str,
    action: RolloutAction,
    reasons: tuple[str, ...],
    evidence: dict[str, Any],
) -> RolloutDecision:
    """Move to the next stage (or ``done``) and fire the promote hooks."""
    target = next_step(controller, state)
    if target is None:
        changes: dict[str, Any] = {"phase": "done", "share": 1.0}
    else:
        changes = {"phase": "stage", "step": state.step + 1, "share": target.share}
    reason = " + ".join(reasons)
    new = state.moved(
        at=controller.clock.now(), action=action, actor=actor, reason=reason, **changes
    )
    stored = controller.commit(
        state, new, action=action, actor=actor, reasons=reasons, evidence=evidence, hook="promote"
    )
    return RolloutDecision(action, stored, reasons, evidence, controller.deliver_hooks())


def promote(
    controller: CanaryController,
    *,
    actor: str,
    reason: str = "",
    expected_stage: str | None = None,
    force: bool = False,
    since: datetime | None = None,
) -> RolloutDecision:
    """Approve the next stage by hand; ``force`` overrides unmet conditions (audited as such).

    ``since`` is when the caller asked (a command's start): a stage entered after it is not
    the one the caller meant, so two promotions started together move the release one
    stage, not two; the one that finds the stage moved gets a ``ConflictError``.
    """
    state = controller.require_state()
    if expected_stage is not None and state.stage != expected_stage:
        raise ConflictError(_moved_on(state, expected_stage))
    if since is not None and state.stage_started_at > since:
        raise ConflictError(_moved_on(state, None))
    _check_promotable(controller, state)
    controller.require_drill(state, next_step(controller, state))
    controller.require_replay(
        next_step(controller, state), replay_gate(controller.store, controller.config)
    )
    review = review_stage(controller, state)
    waits = review.waiting_for() + tuple(f"candidate unhealthy: {r}" for r in review.health.reasons)
    if waits and not force:
        raise UsageError(
            f"{state.stage} is not ready to promote: {'; '.join(waits)}; wait, or pass --force "
            "to override (recorded in the audit log)"
        )
    action: RolloutAction = "override" if waits else "promote"
    reasons = (reason or "approved", *(f"overridden: {w}" for w in waits))
    return advance(
        controller, state, actor=actor, action=action, reasons=reasons, evidence=review.evidence()
    )


def _check_promotable(controller: CanaryController, state: RolloutState) -> None:
    if state.phase != "stage":
        raise UsageError(
            f"release {state.release!r} is {state.stage}; there is no stage to promote"
        )
    if state.frozen:
        raise UsageError(
            f"release {state.release!r} is frozen ({state.frozen_reason}); unfreeze it first"
        )
    if controller.config.release.strategy == "shadow":
        raise UsageError(
            "strategy shadow never routes live work to the candidate; "
            "set release.strategy: canary to go live"
        )


def _moved_on(state: RolloutState, expected: str | None) -> str:
    last = state.history[-1] if state.history else None
    by = f" ({last.action} by {last.actor} at {last.at.isoformat()})" if last else ""
    where = f"not {expected}" if expected else "a stage entered after this promotion was asked"
    return (
        f"release {state.release!r} is at {state.stage}, {where}{by}; "
        "nothing was promoted; check agent-evals canary status"
    )


def _watch_budget(
    controller: CanaryController, state: RolloutState, actor: str, min_runs: int
) -> tuple[RolloutState, RolloutDecision | None]:
    """Raise new budget alerts once each; fall back on a breach when ``autoFallback`` is set."""
    report = budget_report(
        controller.store, controller.config, now=controller.clock.now(), min_runs=min_runs
    )
    if report is None or report.alerts == state.alerts:
        return state, None
    evidence = budget_evidence(report)
    if report.breached and report.auto_fallback:
        reasons = tuple(f"budget: {a}" for a in report.alerts)
        return state, controller.fall_back(state, actor=actor, reasons=reasons, evidence=evidence)
    reasons = report.alerts or ("budget alerts cleared",)
    new = state.moved(
        at=controller.clock.now(),
        action="alert",
        actor=actor,
        reason=" + ".join(reasons),
        alerts=report.alerts,
    )
    hook: HookEventName | None = "alert" if report.breached else None
    stored = controller.commit(
        state, new, action="alert", actor=actor, reasons=reasons, evidence=evidence, hook=hook
    )
    if hook is not None:
        controller.deliver_hooks()
    return stored, None


def budget_evidence(report: BudgetReport) -> dict[str, Any]:
    """The budget numbers behind an alert, for the audit log and hooks."""
    return {
        "window_hours": report.window_hours,
        "lanes": {
            "incumbent": asdict(report.incumbent),
            "candidate": asdict(report.candidate),
        },
        "alerts": list(report.alerts),
    }
