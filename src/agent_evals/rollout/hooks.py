"""Rollout hooks: shell commands and webhooks fired on rollback, promote and alerts.

A state change stores the deliveries it owes in its own transaction (the store's outbox);
they are delivered after the commit, in a background thread, so a slow or failing hook
never delays the fallback itself. Each round retries a hook a bounded number of times; a
failed round is tried again later, and a delivery left behind by a killed process is
picked up by the next deliverer: the next ``canary`` command, ``serve``'s loop, or
``agent-evals canary hooks --deliver``. Every round is written to the audit log.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from agent_evals.config.models import Hook, Hooks
from agent_evals.config.redact import redact_url, redact_urls
from agent_evals.rollout.clock import SYSTEM_CLOCK, Clock
from agent_evals.store import AuditEntry, DeliveryResult, HookDelivery, NewHookDelivery, Store

HookEventName = Literal["rollback", "promote", "alert"]
_OUTPUT_TAIL = 300
DELIVERY_HEADER = "X-Agent-Evals-Delivery"
# A failed round is tried again after 30 s, 1 min, 2 min ... and given up after this many.
MAX_ROUNDS = 6
_FIRST_RETRY_S = 30.0
# A deliverer's lease outlasts its round by this much before another may take the delivery.
_LEASE_MARGIN_S = 10.0
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HookEvent:
    """What happened to a release, as hooks receive it."""

    event: HookEventName
    release: str
    stage: str
    share: float
    reason: str
    at: datetime
    actor: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    drill: bool = False

    def payload(self) -> dict[str, Any]:
        """The JSON document sent to webhooks and on a command's stdin (Slack-compatible)."""
        prefix = "[fire drill] " if self.drill else ""
        return {
            "text": f"{prefix}agent-evals {self.event}: release {self.release} at {self.stage} "
            f"(candidate share {self.share:g}): {self.reason}",
            "event": self.event,
            "release": self.release,
            "stage": self.stage,
            "share": self.share,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "drill": self.drill,
            "evidence": dict(self.evidence),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> HookEvent:
        """The event back from its stored ``payload()``."""
        return cls(
            event=payload["event"],
            release=payload["release"],
            stage=payload["stage"],
            share=float(payload["share"]),
            reason=payload["reason"],
            at=datetime.fromisoformat(payload["at"]),
            actor=payload["actor"],
            evidence=dict(payload.get("evidence", {})),
            drill=bool(payload.get("drill", False)),
        )

    def environment(self) -> dict[str, str]:
        """The variables a hook command gets on top of the current environment."""
        return {
            "AGENT_EVALS_EVENT": self.event,
            "AGENT_EVALS_RELEASE": self.release,
            "AGENT_EVALS_STAGE": self.stage,
            "AGENT_EVALS_SHARE": f"{self.share:g}",
            "AGENT_EVALS_REASON": self.reason,
            "AGENT_EVALS_DRILL": "1" if self.drill else "0",
        }


@dataclass(frozen=True)
class HookOutcome:
    """How one hook fared."""

    hook: str
    event: HookEventName
    ok: bool
    attempts: int
    detail: str


class HookDispatch:
    """A firing of hooks running in the background."""

    def __init__(self, thread: threading.Thread | None, outcomes: list[HookOutcome]) -> None:
        self._thread = thread
        self._outcomes = outcomes

    def wait(self, timeout: float | None = None) -> tuple[HookOutcome, ...]:
        """Wait for the hooks to finish and return how each fared."""
        if self._thread is not None:
            self._thread.join(timeout)
        return tuple(self._outcomes)


class HookRunner:
    """Fires the hooks configured for each event and audits every outcome (given a store).

    With a store, hooks go through its outbox and are delivered at least once; a receiver
    can drop repeats by the ``X-Agent-Evals-Delivery`` header (``AGENT_EVALS_DELIVERY`` for
    a command).
    """

    def __init__(
        self,
        hooks: Hooks,
        *,
        store: Store | None = None,
        transport: httpx.BaseTransport | None = None,
        retry_delay_s: float = 0.5,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._hooks = hooks
        self._store = store
        self._transport = transport
        self._retry_delay_s = retry_delay_s
        self._clock = clock
        self._pending: list[threading.Thread] = []

    def hooks_for(self, event: HookEventName) -> tuple[Hook, ...]:
        """The hooks configured for an event."""
        return {
            "rollback": self._hooks.on_rollback,
            "promote": self._hooks.on_promote,
            "alert": self._hooks.on_alert,
        }[event]

    def deliveries(self, event: HookEvent) -> tuple[NewHookDelivery, ...]:
        """The outbox rows an event owes: one per configured hook."""
        now = self._clock.now()
        return tuple(
            NewHookDelivery(
                event.release,
                event.event,
                hook.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                event.payload(),
                now,
            )
            for hook in self.hooks_for(event.event)
        )

    def fire(self, event: HookEvent) -> HookDispatch:
        """Store the event's deliveries and start delivering them in the background."""
        if not self.hooks_for(event.event):
            return HookDispatch(None, [])
        if self._store is None:
            return self._background(lambda: self.run(event), event.event)
        self._store.enqueue_hooks(self.deliveries(event))
        return self.deliver(event.release)

    def deliver(self, release: str | None) -> HookDispatch:
        """Start delivering the due deliveries of ``release`` (or all) in the background."""
        if self._store is None:
            return HookDispatch(None, [])
        due = self._store.due_hooks(release, self._clock.now())
        if not due:  # the usual case: no thread, so nothing else touches the store
            return HookDispatch(None, [])
        return self._background(lambda: self._deliver_all(due), "outbox")

    def _background(self, work: Callable[[], tuple[HookOutcome, ...]], name: str) -> HookDispatch:
        outcomes: list[HookOutcome] = []

        def deliver() -> None:
            try:
                outcomes.extend(work())
            except Exception as exc:  # no traceback from a thread; undelivered rows stay due
                _log.warning("cannot deliver rollout hooks now: %s", exc)

        thread = threading.Thread(target=deliver, name=f"agent-evals-hooks-{name}")
        self._pending = [t for t in self._pending if t.is_alive()]
        self._pending.append(thread)
        thread.start()
        return HookDispatch(thread, outcomes)

    def deliver_due(self, release: str | None) -> tuple[HookOutcome, ...]:
        """Deliver, here, every due delivery of ``release`` (or all) no one else holds."""
        if self._store is None:
            return ()
        return self._deliver_all(self._store.due_hooks(release, self._clock.now()))

    def _deliver_all(self, due: list[HookDelivery]) -> tuple[HookOutcome, ...]:
        assert self._store is not None  # only called with due deliveries from the store
        outcomes = (self._deliver(self._store, delivery) for delivery in due)
        return tuple(outcome for outcome in outcomes if outcome is not None)

    def _deliver(self, store: Store, delivery: HookDelivery) -> HookOutcome | None:
        hook = Hook.model_validate(delivery.hook)
        now = self._clock.now()
        if not store.claim_hook(delivery.id, now, now + self._lease(hook)):
            return None  # another process delivers it
        event = HookEvent.from_payload(delivery.payload)
        outcome = self._run_one(hook, event, delivery.id)
        store.finish_hook(delivery.id, self._result(delivery, outcome, event))
        return outcome

    def _lease(self, hook: Hook) -> timedelta:
        attempts = hook.retries + 1
        waits = self._retry_delay_s * attempts * (attempts - 1) / 2
        return timedelta(seconds=attempts * hook.timeout_seconds + waits + _LEASE_MARGIN_S)

    def _result(
        self, delivery: HookDelivery, outcome: HookOutcome, event: HookEvent
    ) -> DeliveryResult:
        now = self._clock.now()
        rounds = delivery.rounds + 1
        retry_at = None
        note = ""
        if not outcome.ok and rounds < MAX_ROUNDS:
            retry_at = now + timedelta(seconds=_FIRST_RETRY_S * 2 ** (rounds - 1))
            note = f"; tried again after {retry_at.isoformat(timespec='seconds')}"
        elif not outcome.ok:
            note = f"; given up after {rounds} rounds"
        entry = _audit_entry(outcome, event, at=now, note=note, delivery=delivery.id, round=rounds)
        return DeliveryResult(outcome.ok, outcome.attempts, outcome.detail, now, retry_at, entry)

    def wait_all(self, timeout: float | None = None) -> None:
        """Wait for every firing this runner started (before a process exits, say)."""
        for thread in list(self._pending):
            thread.join(timeout)

    def run(self, event: HookEvent) -> tuple[HookOutcome, ...]:
        """Run the event's hooks one after another, here, and audit each outcome."""
        outcomes = tuple(self._run_one(hook, event) for hook in self.hooks_for(event.event))
        for outcome in outcomes:
            self._audit(outcome, event)
        return outcomes

    def _run_one(self, hook: Hook, event: HookEvent, delivery: int | None = None) -> HookOutcome:
        name = _describe(hook)
        detail = ""
        attempts = hook.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                detail = self._attempt(hook, event, delivery)
                return HookOutcome(name, event.event, True, attempt, detail)
            except _HookFailure as exc:
                detail = str(exc)
            if attempt < attempts:
                time.sleep(self._retry_delay_s * attempt)
        return HookOutcome(name, event.event, False, attempts, detail)

    def _attempt(self, hook: Hook, event: HookEvent, delivery: int | None) -> str:
        marks = {} if delivery is None else {DELIVERY_HEADER: str(delivery)}
        if hook.webhook is not None:
            return _post(hook.webhook, event, hook.timeout_seconds, self._transport, marks)
        assert hook.command is not None  # the config model demands one of the two
        env = {} if delivery is None else {"AGENT_EVALS_DELIVERY": str(delivery)}
        return _run_command(hook.command, event, hook.timeout_seconds, env)

    def _audit(self, outcome: HookOutcome, event: HookEvent) -> None:
        if self._store is None:
            return
        try:
            self._store.append_audit(_audit_entry(outcome, event))
        except Exception as exc:  # the hook ran; a lost log line must not kill its thread
            _log.warning("cannot audit the %s hook outcome: %s", outcome.event, exc)


def _audit_entry(
    outcome: HookOutcome,
    event: HookEvent,
    *,
    at: datetime | None = None,
    note: str = "",
    **extra: int,
) -> AuditEntry:
    return AuditEntry(
        release=event.release,
        at=at or event.at,
        actor="hooks",
        action="hook-fired" if outcome.ok else "hook-failed",
        stage=event.stage,
        share=event.share,
        reasons=(f"{outcome.event} hook {outcome.hook}: {outcome.detail}{note}",),
        evidence={
            "hook": outcome.hook,
            "event": outcome.event,
            "attempts": outcome.attempts,
            **extra,
        },
    )


class _HookFailure(Exception):
    """One attempt of a hook failed (internal; becomes a failed ``HookOutcome``)."""


def _describe(hook: Hook) -> str:
    """A short name of a hook for logs, output and the audit log (a webhook's secrets masked)."""
    if hook.webhook is not None:
        return f"webhook {redact_url(hook.webhook)}"
    command = hook.command if isinstance(hook.command, str) else " ".join(hook.command or ())
    return f"command {command[:80]}"


def _post(
    url: str,
    event: HookEvent,
    timeout: float,
    transport: httpx.BaseTransport | None,
    headers: Mapping[str, str],
) -> str:
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.post(url, json=event.payload(), headers=dict(headers))
    except httpx.HTTPError as exc:
        raise _HookFailure(f"{type(exc).__name__}: {redact_urls(str(exc))}") from exc
    if not response.is_success:
        raise _HookFailure(f"HTTP {response.status_code}: {response.text[:_OUTPUT_TAIL]}")
    return f"HTTP {response.status_code}"


def _run_command(
    command: tuple[str, ...] | str, event: HookEvent, timeout: float, env: Mapping[str, str]
) -> str:
    # A string is a shell line written by the operator in the config; a list runs as argv.
    argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
    try:
        done = subprocess.run(
            argv,
            input=json.dumps(event.payload()),
            env={**os.environ, **event.environment(), **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise _HookFailure(f"timed out after {timeout:g}s") from exc
    except OSError as exc:
        raise _HookFailure(f"cannot run: {exc.strerror}") from exc
    if done.returncode != 0:
        raise _HookFailure(f"exit {done.returncode}: {done.stderr.strip()[-_OUTPUT_TAIL:]}")
    return "exit 0"
