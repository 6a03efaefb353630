"""The gateway's link to the release: the live router, evaluations, and the automatic fallback.

Routing reads a compiled plan in memory. The stored state (one row) is re-read on a timer;
the candidate's live health (a scan of the stage's runs) is recomputed after every outcome
and admin action, and on every ``HEALTH_EVERY``-th tick, so the timer stays cheap.

When the candidate's upstream is dead (all of its last ``candidateErrorWindow`` requests
failed), credibly over ``candidateErrorRate``, or worse than the incumbent's (its error rate
above the incumbent's by ``candidateErrorMargin`` on an anytime-valid confidence sequence, so
a 19% error rate against the incumbent's 20% never trips it), routing blocks the candidate at
once and the controller falls back (share 0, rollback hooks) with the counts as evidence,
retried in the background until the store takes it. The counts are summed over every gateway
replica through the store (``rollout.breaker``).

With a config file, the gateway reads it again when its modification time or size changes
(checked at every refresh) or on ``SIGHUP``. Routing then follows the new config only where
it agrees with the stored release; otherwise the candidate gets no work, with a message naming
the change and ``agent-evals canary reconfigure``, and the reload is audited with the changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from agent_evals.config.loading import load_config
from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import AgentEvalsError
from agent_evals.gateway.background import StoreThread
from agent_evals.gateway.metrics import RolloutGauges
from agent_evals.rollout import (
    CanaryController,
    Health,
    RolloutDecision,
    Router,
    RoutingPlan,
    build_plan,
    evaluate,
)
from agent_evals.rollout.assignment import AssignmentCheck
from agent_evals.rollout.breaker import ErrorRateBreaker
from agent_evals.rollout.drift import RECONFIGURE_HINT, config_drift
from agent_evals.rollout.drill import recover_drill
from agent_evals.rollout.health import LiveWindow
from agent_evals.rollout.plan import live_health, live_runs
from agent_evals.rollout.state import RolloutState
from agent_evals.rollout.status import stage_assignment
from agent_evals.types import Lane

log = logging.getLogger("agent_evals.gateway")
ACTOR = "gateway"
HEALTH_EVERY = 12
STOP_WAIT_S = 5.0
# A drill's breach this old is a drill that died: a running drill restores within seconds.
DRILL_STALE = timedelta(minutes=5)
# How long the request that trips the breaker waits for the rollback to be stored.
TRIP_WAIT_S = 1.0


class ConfigWatch:
    """Notices that a config file changed, by its modification time and size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            found = self.path.stat()
        except OSError:
            return None
        return found.st_mtime_ns, found.st_size

    def changed(self) -> bool:
        """Whether the file changed since the last call (or since the watch began)."""
        stamp = self._stamp()
        if stamp == self._seen:
            return False
        self._seen = stamp
        return True


class ReleaseLink:
    """Routes with the current plan and lets the controller act on what the gateway sees.

    ``config_path`` is the file the config came from: it is reloaded when it changes.
    """

    def __init__(
        self, controller: CanaryController, io: StoreThread, config_path: Path | None = None
    ) -> None:
        self.controller = controller
        self.watch = None if config_path is None else ConfigWatch(config_path)
        self.config: ReleaseConfig = controller.config
        self.io = io
        spec = self.config.gateway
        self.router = Router(build_plan(self.config, None))
        self.breaker = ErrorRateBreaker(
            spec.candidate_error_margin,
            alpha=1.0 - self.config.statistics.confidence,
            ceiling=spec.candidate_error_rate,
            window=spec.candidate_error_window,
        )
        # Set from a trip until the store holds the fallback: routing blocks the candidate
        # meanwhile, even while the store is too slow to take the rollback.
        self._local_block: str | None = None
        self._trip: asyncio.Task[None] | None = None
        self._pending: asyncio.Task[None] | None = None
        self._alerts = 0
        self._trips = 0
        self._assignment: AssignmentCheck | None = None
        self._health: Health | None = None
        self._health_known = False

    @property
    def plan(self) -> RoutingPlan:
        """The plan routing decisions are made from now."""
        return self.router.plan

    async def start(self) -> None:
        """Load the stored state and health (putting back a state a killed drill left)."""
        await self.recover_drill()
        await self.refresh()

    async def recover_drill(self) -> None:
        """Restore the state a fire drill left rolled back when it died (``rollout.drill``)."""
        try:
            restored = await self.io.run(
                recover_drill, self.controller, actor=ACTOR, older_than=DRILL_STALE
            )
        except AgentEvalsError as exc:  # another process restored or changed it first
            log.info("interrupted drill not recovered here: %s", exc)
            return
        if restored is not None:
            log.warning(
                "an interrupted fire drill left the release rolled back; %s", restored.stage
            )

    async def refresh(self, *, health: bool = True) -> None:
        """Reload the plan from the store: the state, and the live health unless told not to."""
        try:
            state = await self.io.run(self.controller.state)
            store = self.controller.store
            window: LiveWindow | None = None
            if health or not self._health_known:
                # One read of the release's live runs serves the health and the stage's
                # assignment check.
                window = await self.io.run(live_runs, store, state)
                self._health = await self.io.run(live_health, store, self.config, state, window)
                self._health_known = True
            self.route_by(state)
            if health:
                self._assignment = stage_assignment(store, state, self.plan, window)
        except Exception as exc:  # keep routing on the last good plan
            log.error("cannot reload the routing plan (keeping the last one): %s", exc)

    def route_by(self, state: RolloutState | None) -> None:
        """Route by ``state`` (read elsewhere) with the last known live health."""
        plan = build_plan(self.config, state, self._health)
        if self._local_block is not None:
            plan = replace(plan, blocked=self._local_block)
        self.router = Router(plan)
        self._alerts = len(state.alerts) if state else 0

    async def refresh_forever(self, interval_s: float) -> None:
        """Re-read the state every ``interval_s`` seconds, the health every few ticks."""
        tick = 0
        while True:
            await asyncio.sleep(interval_s)
            tick += 1
            if self.watch is not None and self.watch.changed():
                await self.reload()
            if tick % HEALTH_EVERY == 0:
                await self.recover_drill()
            await self.refresh(health=tick % HEALTH_EVERY == 0)

    async def reload(self) -> RolloutDecision | None:
        """Read the config file again and route by it; the reload is audited with its changes.

        A file that does not load keeps the last good config (logged); so does a change of
        release, which needs a new gateway.
        """
        if self.watch is None:
            return None
        path = self.watch.path
        try:
            config = await self.io.run(lambda: load_config(path).config)
        except AgentEvalsError as exc:
            log.error("config %s not reloaded (keeping the last one): %s", path, exc)
            return None
        if config == self.config:
            return None
        if config.release.release_id != self.config.release.release_id:
            log.error(
                "config %s names release %s, not %s; restart the gateway to serve it",
                path,
                config.release.release_id,
                self.config.release.release_id,
            )
            return None
        previous = self.controller
        self.controller = CanaryController(previous.store, config, clock=previous.clock)
        self.config = config
        decision = await self.io.run(self._audit_reload, path)
        await self.refresh()
        return decision

    def _audit_reload(self, path: Path) -> RolloutDecision | None:
        state = self.controller.state()
        if state is None:
            return None
        drift = config_drift(self.config, state)
        reasons = [f"config reloaded from {path}"]
        if drift:
            reasons.append(
                f"the candidate gets no work until the change is applied: {'; '.join(drift)}; "
                + RECONFIGURE_HINT
            )
        log.warning("%s", "; ".join(reasons))
        return self.controller.record(
            state, "reload", ACTOR, tuple(reasons), {"changes": list(drift)}
        )

    def gauges(self) -> RolloutGauges:
        """Share, stage and alerts for the metrics page."""
        plan, assignment = self.plan, self._assignment
        rates = self.breaker.rates()
        return RolloutGauges(
            plan.release,
            plan.stage,
            plan.live_share,
            plan.blocked is not None,
            self._alerts,
            breaker_open=self._local_block is not None,
            breaker_trips=self._trips,
            error_rates=(("incumbent", rates[0]), ("candidate", rates[1])),
            assignment_alarm=None
            if assignment is None or assignment.p_value is None
            else assignment.alarm,
            assignment_p=None if assignment is None else assignment.p_value,
        )

    # the candidate's upstream ------------------------------------------------------------

    async def upstream_result(self, lane: Lane, ok: bool, failure: str = "") -> None:
        """Count one upstream try; fall back once the candidate's is shown dead or worse.

        The request that trips the breaker does not wait for the rollback: routing blocks
        the candidate at once, and the rollback is stored in the background (retried until
        the store takes it).
        """
        self.breaker.record(lane, ok)
        if lane == "candidate" and not ok:
            self._check_breaker(failure)
            await self.settle_trip()

    def counts_stored(self, totals: Mapping[str, tuple[int, int]]) -> None:
        """Every replica's breaker counts, as the store summed them; they may trip it."""
        self.breaker.absorb(totals)
        self._check_breaker("")

    def _check_breaker(self, failure: str) -> None:
        if self._trip is not None and not self._trip.done():
            return
        reason = self.breaker.trip_reason()
        if reason is None:
            return
        incumbent, candidate = self.breaker.totals("incumbent"), self.breaker.totals("candidate")
        evidence = {
            "failures": self.breaker.recent_failures(),
            "window": len(self.breaker.recent),
            "candidate": {"requests": candidate.requests, "errors": candidate.errors},
            "incumbent": {"requests": incumbent.requests, "errors": incumbent.errors},
            "last_failure": failure,
        }
        self._local_block = reason
        self._trips += 1
        self.router = Router(replace(self.plan, blocked=reason))
        self._trip = asyncio.create_task(self._roll_back(reason, evidence))

    async def settle_trip(self) -> None:
        """Give a rollback just started a moment to be stored (never long: the store may be
        slow, and routing already blocks the candidate)."""
        if self._trip is not None and not self._trip.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._trip), TRIP_WAIT_S)

    async def _roll_back(self, reason: str, evidence: dict[str, Any]) -> None:
        delay = 0.1
        while True:
            try:
                await self.io.run(self._fall_back, reason, evidence)
                await self.io.run(
                    self.controller.store.reset_breaker, self.config.release.release_id
                )
                break
            except Exception as exc:  # the store is down or slow: keep trying, keep blocking
                log.error("cannot store the fallback yet (will retry): %s", exc)
                await asyncio.sleep(delay)
                delay = min(2 * delay, 5.0)
        self.breaker.reset()
        self._local_block = None
        await self.refresh()

    def _fall_back(self, reason: str, evidence: dict[str, Any]) -> RolloutDecision | None:
        controller = self.controller
        state = controller.state()
        if state is None or state.phase not in ("stage", "done") or state.frozen:
            log.warning("%s; the release is not live, so there is nothing to roll back", reason)
            return None
        log.warning("%s; falling back to the incumbent", reason)
        return controller.fall_back(state, actor=ACTOR, reasons=(reason,), evidence=evidence)

    async def alert(self, reason: str) -> None:
        """Log an alert and fire the release's alert hooks."""
        log.warning("alert: %s", reason)
        state = await self.io.run(self.controller.state)
        if state is not None:  # storing the hook deliveries is a write: off the event loop
            await self.io.run(self.controller.fire, "alert", state, ACTOR, reason)

    # evaluations after outcomes ----------------------------------------------------------

    async def outcome_arrived(self, debounce_s: float) -> RolloutDecision | None:
        """Re-evaluate the live stage: now when ``debounce_s`` is 0, else once per quiet spell."""
        if debounce_s <= 0:
            return await self.evaluate()
        if self._pending is None or self._pending.done():
            self._pending = asyncio.create_task(self._evaluate_later(debounce_s))
        return None

    async def _evaluate_later(self, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        await self.evaluate()

    async def evaluate(self) -> RolloutDecision | None:
        """Let the controller hold, advance or roll back on the live scorecard."""
        try:
            decision = await self.io.run(evaluate, self.controller, actor=ACTOR)
        except AgentEvalsError as exc:
            log.info("no evaluation: %s", exc)
            return None
        if decision.action != "hold":
            log.warning("controller %s: %s", decision.action, decision.reason)
        await self.refresh()
        return decision

    async def stop(self) -> None:
        """Cancel a pending evaluation (a pending fallback is left to finish, briefly)."""
        if self._pending is not None:
            self._pending.cancel()
        if self._trip is not None and not self._trip.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._trip), STOP_WAIT_S)
