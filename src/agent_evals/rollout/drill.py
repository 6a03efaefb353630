"""The fire drill: exercise the fallback path end to end before any live share is allowed.

A drill rolls the stored state back for a moment. The state it found is recorded first, in
the audit entry of the breach, so a drill killed half way (the state left rolled back by
the drill) is put back as it was by ``recover_drill``: the next ``canary drill`` does it
before drilling, ``canary drill --recover`` does only that, and a gateway does it when it
starts. The interrupted drill proves nothing, so the release keeps its earlier drill record.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from agent_evals.analysis.results import GateDecision, LaneMetrics
from agent_evals.rollout.controller import CanaryController
from agent_evals.rollout.health import Health
from agent_evals.rollout.hooks import HookEvent, HookEventName
from agent_evals.rollout.plan import build_plan, open_router
from agent_evals.rollout.router import Router
from agent_evals.rollout.state import DrillCheck, DrillRecord, RolloutState
from agent_evals.store.release_state import ReleaseState

DRILL_REASON = "fire drill: synthetic policy breach"
_RESTORE_KEY = "restore"
_SAMPLE = 2000
_FALLBACK_EVENTS: tuple[HookEventName, ...] = ("rollback", "alert")


def run_drill(controller: CanaryController, *, actor: str) -> DrillRecord:
    """Force a synthetic breach, check routing and hooks, restore the state, record the result.

    The breach is real for a moment: the stored state is rolled back (share 0) while the
    checks run, and put back as it was afterwards, with the drill's result attached.
    """
    recover_drill(controller, actor=actor)
    original = controller.register(actor=actor)
    breach = original.rolled_back(
        at=controller.clock.now(), actor=actor, reason=DRILL_REASON, action="drill"
    )
    saved = {
        _RESTORE_KEY: {
            "share": original.share,
            "frozen": original.frozen,
            "data": original.to_data(),
        }
    }
    breached = controller.commit(
        original, breach, action="drill", actor=actor, reasons=(DRILL_REASON,), evidence=saved
    )
    checks: list[DrillCheck] = []
    try:
        checks.append(_health_flip(controller, original))
        checks.append(_stored_flip(controller))
        checks.extend(_fire_hooks(controller, breached, actor))
    finally:
        record = DrillRecord(all(c.passed for c in checks), controller.clock.now(), tuple(checks))
        _restore(controller, original, breached, record, actor)
    return record


def _restore(
    controller: CanaryController,
    original: RolloutState,
    breached: RolloutState,
    record: DrillRecord,
    actor: str,
) -> None:
    verdict = "passed" if record.passed else "failed"
    reason = f"fire drill {verdict}; state restored to {original.stage} share {original.share:g}"
    before = replace(original, version=breached.version, history=breached.history)
    restored = before.moved(
        at=controller.clock.now(), action="drill", actor=actor, reason=reason, drill=record
    )
    evidence = {
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in record.checks]
    }
    controller.commit(
        breached, restored, action="drill", actor=actor, reasons=(reason,), evidence=evidence
    )


def drill_interrupted(state: RolloutState) -> bool:
    """Whether the state is a drill's breach that was never restored (the drill died)."""
    if not state.history:
        return False
    last = state.history[-1]
    return last.action == "drill" and last.reason == DRILL_REASON


def recover_drill(
    controller: CanaryController, *, actor: str, older_than: timedelta | None = None
) -> RolloutState | None:
    """Put back the state an interrupted drill found; ``None`` when no drill was interrupted
    (or, with ``older_than``, when the breach is recent enough that the drill may be running)."""
    state = controller.state()
    if state is None or not drill_interrupted(state):
        return None
    if older_than is not None and controller.clock.now() - state.history[-1].at < older_than:
        return None
    saved = next(
        (
            e.evidence[_RESTORE_KEY]
            for e in reversed(controller.store.audit(controller.release))
            if e.action == "drill" and _RESTORE_KEY in e.evidence
        ),
        None,
    )
    if saved is None:
        return None  # a breach from before drills recorded what they found: nothing to restore
    stored = ReleaseState(
        controller.release,
        state.stage,
        float(saved["share"]),
        bool(saved["frozen"]),
        dict(saved["data"]),
        state.version,
        controller.clock.now(),
    )
    original = RolloutState.from_stored(stored)
    reason = f"fire drill interrupted; state restored to {original.stage} share {original.share:g}"
    before = replace(original, version=state.version, history=state.history)
    restored = before.moved(at=controller.clock.now(), action="drill", actor=actor, reason=reason)
    return controller.commit(state, restored, action="drill", actor=actor, reasons=(reason,))


def _sample_lanes(router: Router) -> tuple[int, set[str]]:
    decisions = [router.select(f"drill-task-{i}") for i in range(_SAMPLE)]
    return sum(d.lane == "candidate" for d in decisions), {d.reason for d in decisions}


def _health_flip(controller: CanaryController, original: RolloutState) -> DrillCheck:
    """An unhealthy candidate at a live share sends every task to the incumbent."""
    share = next((s.share for s in controller.steps if s.share > 0.0), 1.0)
    live = replace(original, phase="stage", share=max(original.share, share), frozen=False)
    config = controller.config
    healthy, _ = _sample_lanes(Router(build_plan(config, live, stale_check=False)))
    flipped, reasons = _sample_lanes(Router(build_plan(config, live, _breach(), stale_check=False)))
    passed = healthy > 0 and flipped == 0
    detail = (
        f"at share {live.share:g}: {healthy} of {_SAMPLE} tasks on the candidate when healthy, "
        f"{flipped} after the breach ({'; '.join(sorted(reasons))})"
    )
    return DrillCheck("routing flips on a health breach", passed, detail)


def _stored_flip(controller: CanaryController) -> DrillCheck:
    """The stored rolled-back state, read back as a router would, sends every task home."""
    on_candidate, reasons = _sample_lanes(open_router(controller.store, controller.config))
    detail = f"{on_candidate} of {_SAMPLE} tasks on the candidate ({'; '.join(sorted(reasons))})"
    return DrillCheck("stored fallback routes to the incumbent", on_candidate == 0, detail)


def _fire_hooks(
    controller: CanaryController, breached: RolloutState, actor: str
) -> list[DrillCheck]:
    checks = []
    for event in _FALLBACK_EVENTS:
        hook_event = HookEvent(
            event=event,
            release=controller.release,
            stage=breached.stage,
            share=breached.share,
            reason=DRILL_REASON,
            at=controller.clock.now(),
            actor=actor,
            drill=True,
        )
        for outcome in controller.hooks.run(hook_event):
            name = f"{event} hook {outcome.hook}"
            checks.append(
                DrillCheck(
                    name, outcome.ok, f"{outcome.detail} after {outcome.attempts} attempt(s)"
                )
            )
    if not checks:
        checks.append(DrillCheck("hooks", True, "no rollback or alert hooks configured"))
    return checks


def _breach() -> Health:
    """A synthetic live scorecard with one candidate policy failure."""
    empty = LaneMetrics(
        n=0, success_rate=None, median_tokens=None, review_comment_avg=None, policy_failures=0
    )
    broken = replace(empty, n=1, success_rate=1.0, policy_failures=1)
    decision = GateDecision("BLOCKED", ("policy failure",), ())
    return Health(("policy failure",), empty, broken, decision)
