"""Hooks: what commands and webhooks receive, retries, audit, and never delaying the fallback."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from agent_evals.config.models import Hooks, ReleaseConfig
from agent_evals.rollout import CanaryController, HookEvent, HookRunner
from agent_evals.store import Store

EVENT = HookEvent(
    event="rollback",
    release="inc..cand",
    stage="rolled-back",
    share=0.0,
    reason="policy failure",
    at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
    actor="controller",
    evidence={"candidate": {"policy_failures": 1}},
)


def hooks(**events: object) -> Hooks:
    return Hooks.model_validate(events)


def test_a_shell_command_gets_the_decision_in_its_environment_and_on_stdin(
    tmp_path: Path, store: Store
) -> None:
    out = tmp_path / "out.txt"
    line = (
        f'echo "$AGENT_EVALS_EVENT|$AGENT_EVALS_RELEASE|$AGENT_EVALS_STAGE|'
        f'$AGENT_EVALS_SHARE|$AGENT_EVALS_REASON" > {out}; cat >> {out}'
    )
    runner = HookRunner(hooks(onRollback=[{"command": line}]), store=store)
    [outcome] = runner.run(EVENT)
    assert outcome.ok and outcome.attempts == 1
    first, stdin = out.read_text().split("\n", 1)
    assert first == "rollback|inc..cand|rolled-back|0|policy failure"
    payload = json.loads(stdin)
    assert payload["reason"] == "policy failure"
    assert payload["evidence"] == {"candidate": {"policy_failures": 1}}
    assert payload["text"].startswith("agent-evals rollback: release inc..cand")
    assert store.audit("inc..cand")[-1].action == "hook-fired"


def test_a_webhook_is_retried_until_it_answers(store: Store, webhook: object) -> None:
    webhook.fail_first = 2  # type: ignore[attr-defined]
    url = webhook.url  # type: ignore[attr-defined]
    runner = HookRunner(
        hooks(onRollback=[{"webhook": url, "retries": 2}]), store=store, retry_delay_s=0.0
    )
    [outcome] = runner.run(EVENT)
    assert (outcome.ok, outcome.attempts, outcome.detail) == (True, 3, "HTTP 200")
    [body] = webhook.bodies  # type: ignore[attr-defined]
    assert body["text"] and body["event"] == "rollback" and body["share"] == 0.0


def test_a_failing_hook_is_retried_a_bounded_number_of_times_and_audited(store: Store) -> None:
    failing = {"command": [sys.executable, "-c", "import sys; sys.exit('disk full')"], "retries": 1}
    runner = HookRunner(hooks(onRollback=[failing]), store=store, retry_delay_s=0.0)
    [outcome] = runner.run(EVENT)
    assert (outcome.ok, outcome.attempts) == (False, 2)
    assert "exit 1: disk full" in outcome.detail
    entry = store.audit("inc..cand")[-1]
    assert entry.action == "hook-failed" and "disk full" in entry.reasons[0]


def test_a_webhook_timeout_is_a_failure_not_a_crash(store: Store) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    runner = HookRunner(
        hooks(onAlert=[{"webhook": "http://hooks.invalid/x", "retries": 0}]),
        transport=httpx.MockTransport(timeout),
    )
    [outcome] = runner.run(HookEvent(**{**EVENT.__dict__, "event": "alert"}))
    assert not outcome.ok and outcome.detail.startswith("ReadTimeout")


def test_a_stuck_hook_never_delays_the_fallback(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    release_hook = threading.Event()
    received: list[dict[str, object]] = []

    def slow(request: httpx.Request) -> httpx.Response:
        release_hook.wait(timeout=30)
        received.append(json.loads(request.content))
        return httpx.Response(200)

    controller = started(make_config())
    pager = hooks(onRollback=[{"webhook": "http://pager.invalid/hook"}])
    controller.hooks = HookRunner(pager, store=store, transport=httpx.MockTransport(slow))
    decision = controller.rollback(actor="bob", reason="manual test")
    assert controller.require_state().share == 0.0  # committed while the hook still hangs
    assert not received
    release_hook.set()
    decision.wait_for_hooks(timeout=30)
    assert received and received[0]["reason"] == "manual test"
