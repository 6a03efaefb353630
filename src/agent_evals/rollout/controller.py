"""The canary controller (SPEC section 8): stages, fallback, manual actions, all audited.

Every change goes through compare-and-set on the stored state's version, so two processes
can never both promote a release or undo each other's change; the loser gets a
``ConflictError`` that says what happened instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from agent_evals.config.models import ReleaseConfig, Stage
from agent_evals.errors import ConflictError, UsageError
from agent_evals.rollout.clock import SYSTEM_CLOCK, Clock
from agent_evals.rollout.hooks import HookDispatch, HookEvent, HookEventName, HookRunner
from agent_evals.rollout.replay_gate import OVERRIDE_KEY, ReplayGate, slice_verdicts
from agent_evals.rollout.state import (
    RolloutState,
    applied_settings,
    current_step,
    read_rollout,
    release_steps,
)
from agent_evals.store import AuditEntry, NewHookDelivery, Store

RolloutAction = Literal[
    "register",
    "start",
    "hold",
    "advance",
    "promote",
    "override",
    "rollback",
    "freeze",
    "unfreeze",
    "trust",
    "alert",
    "drill",
    "reconfigure",
    "reload",
]


@dataclass(frozen=True)
class RolloutDecision:
    """What the controller decided or did, on which evidence, and the hooks it fired."""

    action: RolloutAction
    state: RolloutState
    reasons: tuple[str, ...]
    evidence: dict[str, Any] = field(default_factory=dict)
    hooks: HookDispatch | None = None

    @property
    def reason(self) -> str:
        """The reasons joined the SPEC way."""
        return " + ".join(self.reasons)

    def wait_for_hooks(self, timeout: float | None = None) -> None:
        """Block until the hooks this decision fired are done."""
        if self.hooks is not None:
            self.hooks.wait(timeout)


class CanaryController:
    """Moves one release through its live stages; the store holds the state, not this object."""

    def __init__(
        self,
        store: Store,
        config: ReleaseConfig,
        *,
        clock: Clock = SYSTEM_CLOCK,
        hooks: HookRunner | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.hooks = hooks or HookRunner(config.hooks, store=store, clock=clock)
        self.release = config.release.release_id
        self.steps: tuple[Stage, ...] = release_steps(config.release)

    # reading ------------------------------------------------------------------------------

    def state(self) -> RolloutState | None:
        """The stored state, or ``None`` before the release is registered."""
        return read_rollout(self.store, self.release)

    def require_state(self) -> RolloutState:
        """The stored state; a ``UsageError`` with the fix when there is none."""
        state = self.state()
        if state is None:
            raise UsageError(
                f"release {self.release!r} has no live rollout yet; "
                "run agent-evals canary drill, then agent-evals canary start"
            )
        return state

    def register(self, *, actor: str) -> RolloutState:
        """The stored state, created at stage ``ready`` (share 0) when there is none yet."""
        state = self.state()
        if state is not None:
            return state
        now = self.clock.now()
        fresh = RolloutState(self.release, self.config.release.strategy, "ready", 0, 0.0, now)
        fresh = fresh.moved(at=now, action="register", actor=actor, reason="release registered")
        try:
            self.store.create_state(self.release, fresh.stage, 0.0, fresh.to_data())
        except ConflictError:
            pass  # another process registered it first; its state is as good as ours
        else:
            self.store.append_audit(
                self._entry(fresh, "register", actor, ("release registered at share 0",), {})
            )
        return self.require_state()

    def step_of(self, state: RolloutState) -> Stage:
        """The stage rules that apply to ``state``."""
        return current_step(self.config.release, state)

    # writing ------------------------------------------------------------------------------

    def commit(
        self,
        current: RolloutState,
        new: RolloutState,
        *,
        action: RolloutAction,
        actor: str,
        reasons: tuple[str, ...],
        evidence: dict[str, Any] | None = None,
        hook: HookEventName | None = None,
    ) -> RolloutState:
        """Store ``new`` if nobody changed ``current`` since it was read; audit it, and store
        the deliveries of the ``hook`` event it fires, in the same transaction."""
        before = {"stage": current.stage, "share": current.share, "version": current.version}
        audit = self._entry(new, action, actor, reasons, {**(evidence or {}), "previous": before})
        owed: tuple[NewHookDelivery, ...] = ()
        if hook is not None:
            event = self.hook_event(hook, new, actor, " + ".join(reasons), **(evidence or {}))
            owed = self.hooks.deliveries(event)
        stored = self.store.compare_and_set_state(
            self.release, current.version, audit=audit, deliveries=owed, **new.column_values()
        )
        return RolloutState.from_stored(stored)

    def deliver_hooks(self) -> HookDispatch:
        """Deliver the release's due hook deliveries in the background (after a commit)."""
        return self.hooks.deliver(self.release)

    def hook_event(
        self, event: HookEventName, state: RolloutState, actor: str, reason: str, **extra: Any
    ) -> HookEvent:
        """What the hooks of ``event`` receive about ``state``."""
        return HookEvent(
            event=event,
            release=self.release,
            stage=state.stage,
            share=state.share,
            reason=reason,
            at=self.clock.now(),
            actor=actor,
            evidence=extra,
        )

    def fire(
        self, event: HookEventName, state: RolloutState, actor: str, reason: str, **extra: Any
    ) -> HookDispatch:
        """Fire an event's hooks that no state change carries (an alert), in the background."""
        return self.hooks.fire(self.hook_event(event, state, actor, reason, **extra))

    def record(
        self,
        state: RolloutState,
        action: RolloutAction,
        actor: str,
        reasons: tuple[str, ...],
        evidence: dict[str, Any] | None = None,
    ) -> RolloutDecision:
        """Audit a decision that changes no state (a hold) and return it."""
        self.store.append_audit(self._entry(state, action, actor, reasons, evidence or {}))
        return RolloutDecision(action, state, reasons, evidence or {})

    def _entry(
        self,
        state: RolloutState,
        action: str,
        actor: str,
        reasons: tuple[str, ...],
        evidence: dict[str, Any],
    ) -> AuditEntry:
        return AuditEntry(
            release=self.release,
            at=self.clock.now(),
            actor=actor,
            action=action,
            stage=state.stage,
            share=state.share,
            reasons=reasons,
            evidence=evidence,
        )

    # manual actions -----------------------------------------------------------------------

    def rollback(self, *, actor: str, reason: str) -> RolloutDecision:
        """Send every task back to the incumbent now (share 0) and fire the rollback hooks."""
        state = self.require_state()
        if state.phase not in ("stage", "done"):
            raise UsageError(f"release {self.release!r} is {state.stage}; nothing to roll back")
        return self.fall_back(state, actor=actor, reasons=(reason,), evidence={})

    def fall_back(
        self, state: RolloutState, *, actor: str, reasons: tuple[str, ...], evidence: dict[str, Any]
    ) -> RolloutDecision:
        """Commit share 0 on the fallback lane with the rollback hooks it owes, then deliver."""
        reason = " + ".join(reasons)
        new = state.rolled_back(at=self.clock.now(), actor=actor, reason=reason)
        stored = self.commit(
            state,
            new,
            action="rollback",
            actor=actor,
            reasons=reasons,
            evidence=evidence,
            hook="rollback",
        )
        return RolloutDecision("rollback", stored, reasons, evidence, self.deliver_hooks())

    def freeze(self, *, actor: str, reason: str) -> RolloutDecision:
        """Hold every task on the incumbent and stop the controller until ``unfreeze``."""
        state = self.register(actor=actor)
        if state.frozen:
            raise UsageError(f"release {self.release!r} is frozen already: {state.frozen_reason}")
        return self._change(state, "freeze", actor, reason, frozen=True, frozen_reason=reason)

    def unfreeze(self, *, actor: str, reason: str) -> RolloutDecision:
        """Let routing and the controller resume where the release stood."""
        state = self.require_state()
        if not state.frozen:
            raise UsageError(f"release {self.release!r} is not frozen")
        return self._change(state, "unfreeze", actor, reason, frozen=False, frozen_reason=None)

    def trust(
        self, *, actor: str, reason: str, slice: str | None = None, risk: str | None = None
    ) -> RolloutDecision:
        """Record that the candidate may take a pinned slice's or high-risk tasks."""
        state = self.register(actor=actor)
        if (slice is None) == (risk is None):
            raise UsageError("name exactly one of --slice S or --risk high")
        if slice is not None:
            if not self.config.slice_spec(slice).policy_sensitive:
                raise UsageError(
                    f"slice {slice!r} is not pinned (slices.{slice}.policySensitive is false); "
                    "it needs no trust"
                )
            changes: dict[str, Any] = {"trusted_slices": state.trusted_slices | {slice}}
        else:
            if risk != "high":
                raise UsageError(f"risk {risk!r} needs no trust; only 'high' is held back")
            changes = {"trusted_risks": state.trusted_risks | {"high"}}
        what = f"slice {slice}" if slice else "high-risk tasks"
        return self._change(
            state, "trust", actor, f"candidate trusted for {what}: {reason}", **changes
        )

    def _change(
        self, state: RolloutState, action: RolloutAction, actor: str, reason: str, **changes: Any
    ) -> RolloutDecision:
        new = state.moved(at=self.clock.now(), action=action, actor=actor, reason=reason, **changes)
        stored = self.commit(state, new, action=action, actor=actor, reasons=(reason,))
        return RolloutDecision(action, stored, (reason,))

    # going live ---------------------------------------------------------------------------

    def require_drill(self, state: RolloutState | None, target: Stage | None) -> None:
        """Refuse live candidate traffic until a fire drill has passed for this release."""
        live = target is None or target.share > 0.0 or self.config.release.strategy == "opt-in"
        if live and (state is None or not state.drill_passed):
            share = 1.0 if target is None else target.share
            raise UsageError(
                f"live share {share:g} refused for release {self.release!r}: no fire drill has "
                "passed for it; run agent-evals canary drill"
            )

    def require_replay(self, target: Stage | None, gate: ReplayGate) -> None:
        """Refuse live candidate traffic until every eval slice's replay decision is PROMOTE."""
        live = target is None or target.share > 0.0 or self.config.release.strategy == "opt-in"
        if live and not gate.open:
            share = 1.0 if target is None else target.share
            raise UsageError(
                f"live share {share:g} refused for release {self.release!r}: the replay "
                f"decision is not PROMOTE on every eval slice: {gate.summary()}; replay them "
                "(agent-evals replay --lane candidate --slice S), or pass --override-replay "
                "--reason WHY (recorded in the audit log)"
            )

    def first_live(self) -> Stage:
        """The first step with a live share (the first step when none has one).

        A shadow step comes after the replay gate, not instead of it: a ladder that goes live
        needs a PROMOTE replay decision before its shadow step starts; a shadow-only release
        (strategy ``shadow``) never does.
        """
        return next((step for step in self.steps if step.share > 0.0), self.steps[0])

    def start(
        self, *, actor: str, reason: str = "", override_replay: bool = False
    ) -> RolloutDecision:
        """Begin the first stage (from ``ready``, or again after a rollback, with a reason).

        A ladder that goes live (its shadow step included) needs a PROMOTE replay decision
        on every eval slice, or ``override_replay`` with a ``reason``; the override is audited
        with who and why.
        """
        first = self.steps[0]
        state = self.state()
        self.require_drill(state, first)
        if override_replay and not reason.strip():
            raise UsageError("--override-replay needs --reason WHY (recorded in the audit log)")
        if state is not None and state.phase == "rolled-back" and not reason.strip():
            raise UsageError(
                f"release {self.release!r} was rolled back ({state.rollback_reason}); "
                "starting it again needs --reason WHY (recorded in the audit log)"
            )
        gate = ReplayGate(slice_verdicts(self.store, self.config))
        if not override_replay:
            self.require_replay(self.first_live(), gate)
        state = state or self.register(actor=actor)
        if state.phase not in ("ready", "rolled-back"):
            raise UsageError(
                f"release {self.release!r} is live already at {state.stage} "
                f"(share {state.share:g}); use agent-evals canary promote or rollback"
            )
        return self._begin(state, first, actor, reason, gate, override_replay)

    def _begin(
        self,
        state: RolloutState,
        first: Stage,
        actor: str,
        reason: str,
        gate: ReplayGate,
        override_replay: bool,
    ) -> RolloutDecision:
        reasons = [reason or f"started at share {first.share:g}"]
        evidence: dict[str, Any] = {"replay": gate.evidence()}
        if override_replay and not gate.promoted:
            reasons.append(f"replay gate overridden by {actor}: {gate.summary()}")
            evidence[OVERRIDE_KEY] = {"actor": actor, "reason": reason}
        changes = {
            "phase": "stage",
            "step": 0,
            "share": first.share,
            "rollback_reason": None,
            "strategy": self.config.release.strategy,  # nothing is live: the config's holds
            "applied": applied_settings(self.config),
        }
        new = state.moved(
            at=self.clock.now(), action="start", actor=actor, reason=reasons[0], **changes
        )
        stored = self.commit(
            state, new, action="start", actor=actor, reasons=tuple(reasons), evidence=evidence
        )
        return RolloutDecision("start", stored, tuple(reasons), evidence)
