"""Rollout hooks: shell commands and webhooks fired on rollback, promote and alerts.

Hooks fire after the state change is committed, in a background thread, so a slow or
failing hook never delays the fallback itself. Each hook is retried a bounded number of
times and every outcome is written to the audit log.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx

from agent_evals.config.models import Hook, Hooks
from agent_evals.config.redact import redact_url, redact_urls
from agent_evals.store import AuditEntry, Store

HookEventName = Literal["rollback", "promote", "alert"]
_OUTPUT_TAIL = 300
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
    """Fires the hooks configured for each event and audits every outcome (given a store)."""

    def __init__(
        self,
        hooks: Hooks,
        *,
        store: Store | None = None,
        transport: httpx.BaseTransport | None = None,
        retry_delay_s: float = 0.5,
    ) -> None:
        self._hooks = hooks
        self._store = store
        self._transport = transport
        self._retry_delay_s = retry_delay_s
        self._pending: list[threading.Thread] = []

    def hooks_for(self, event: HookEventName) -> tuple[Hook, ...]:
        """The hooks configured for an event."""
        return {
            "rollback": self._hooks.on_rollback,
            "promote": self._hooks.on_promote,
            "alert": self._hooks.on_alert,
        }[event]

    def fire(self, event: HookEvent) -> HookDispatch:
        """Start the event's hooks in a background thread and return at once."""
        outcomes: list[HookOutcome] = []
        if not self.hooks_for(event.event):
            return HookDispatch(None, outcomes)
        thread = threading.Thread(
            target=lambda: outcomes.extend(self.run(event)),
            name=f"agent-evals-hooks-{event.event}",
        )
        self._pending = [t for t in self._pending if t.is_alive()]
        self._pending.append(thread)
        thread.start()
        return HookDispatch(thread, outcomes)

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

    def _run_one(self, hook: Hook, event: HookEvent) -> HookOutcome:
        name = _describe(hook)
        detail = ""
        attempts = hook.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                detail = self._attempt(hook, event)
                return HookOutcome(name, event.event, True, attempt, detail)
            except _HookFailure as exc:
                detail = str(exc)
            if attempt < attempts:
                time.sleep(self._retry_delay_s * attempt)
        return HookOutcome(name, event.event, False, attempts, detail)

    def _attempt(self, hook: Hook, event: HookEvent) -> str:
        if hook.webhook is not None:
            return _post(hook.webhook, event, hook.timeout_seconds, self._transport)
        assert hook.command is not None  # the config model demands one of the two
        return _run_command(hook.command, event, hook.timeout_seconds)

    def _audit(self, outcome: HookOutcome, event: HookEvent) -> None:
        if self._store is None:
            return
        try:
            self._store.append_audit(_audit_entry(outcome, event))
        except Exception as exc:  # the hook ran; a lost log line must not kill its thread
            _log.warning("cannot audit the %s hook outcome: %s", outcome.event, exc)


def _audit_entry(outcome: HookOutcome, event: HookEvent) -> AuditEntry:
    return AuditEntry(
        release=event.release,
        at=event.at,
        actor="hooks",
        action="hook-fired" if outcome.ok else "hook-failed",
        stage=event.stage,
        share=event.share,
        reasons=(f"{outcome.event} hook {outcome.hook}: {outcome.detail}",),
        evidence={"hook": outcome.hook, "event": outcome.event, "attempts": outcome.attempts},
    )


class _HookFailure(Exception):
    """One attempt of a hook failed (internal; becomes a failed ``HookOutcome``)."""


def _describe(hook: Hook) -> str:
    """A short name of a hook for logs, output and the audit log (a webhook's secrets masked)."""
    if hook.webhook is not None:
        return f"webhook {redact_url(hook.webhook)}"
    command = hook.command if isinstance(hook.command, str) else " ".join(hook.command or ())
    return f"command {command[:80]}"


def _post(url: str, event: HookEvent, timeout: float, transport: httpx.BaseTransport | None) -> str:
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.post(url, json=event.payload())
    except httpx.HTTPError as exc:
        raise _HookFailure(f"{type(exc).__name__}: {redact_urls(str(exc))}") from exc
    if not response.is_success:
        raise _HookFailure(f"HTTP {response.status_code}: {response.text[:_OUTPUT_TAIL]}")
    return f"HTTP {response.status_code}"


def _run_command(command: tuple[str, ...] | str, event: HookEvent, timeout: float) -> str:
    # A string is a shell line written by the operator in the config; a list runs as argv.
    argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
    try:
        done = subprocess.run(
            argv,
            input=json.dumps(event.payload()),
            env={**os.environ, **event.environment()},
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
