"""Durable hooks: a rollback's webhook survives a SIGKILL of the process that committed it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from agent_evals.config.models import Hooks, ReleaseConfig
from agent_evals.rollout import CanaryController, FakeClock, HookEvent, HookRunner
from agent_evals.store import Store

from ..replays import LIVE_LADDER, pass_replays_of
from .conftest import WebhookSink

RELEASE = """\
release:
  incumbent: gpt-5.3-coder
  candidate: gpt-5.4-coder
  evalSlices: [bugfix-small]
"""
MODELS = "models:\n  gpt-5.4-coder:\n    model: gpt-5.4-coder-2026-10-01\n"
# Kills the agent-evals process that runs it (its parent), once, and never during a drill.
KILL_PARENT_ONCE = (
    '[ "$AGENT_EVALS_DRILL" = 1 ] || [ -e killed ] || { touch killed; kill -9 $PPID; }'
)


def hooks_block(url: str) -> str:
    """A rollback hook that kills its caller, then the pager's webhook."""
    return (
        "hooks:\n  onRollback:\n"
        f"    - command: '{KILL_PARENT_ONCE}'\n      retries: 0\n"
        f"    - webhook: {url}\n      retries: 0\n"
    )


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``agent-evals ARGS`` as a real process in ``root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_EVALS_")}
    return subprocess.run(
        [sys.executable, "-m", "agent_evals", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def live_release(tmp_path: Path, webhook: WebhookSink) -> Path:
    """A project whose release passed a drill and went live, with the killing hooks set."""
    config = tmp_path / "config" / "model-release.yaml"
    config.parent.mkdir()
    config.write_text(RELEASE + LIVE_LADDER + MODELS + hooks_block(webhook.url), encoding="utf-8")
    pass_replays_of(config)
    for step in (("canary", "drill"), ("canary", "start")):
        done = cli(tmp_path, *step)
        assert done.returncode == 0, done.stderr
    webhook.bodies.clear()  # the drill's posts
    return tmp_path


def killed_rollback(root: Path) -> None:
    """``canary rollback`` SIGKILLed by its first hook, after the rollback was committed."""
    done = cli(root, "canary", "rollback", "--reason", "pager test")
    assert done.returncode == -signal.SIGKILL
    status = cli(root, "canary", "status", "--format", "json")
    assert '"stage": "rolled-back"' in status.stdout


@pytest.mark.slow
def test_a_rollback_killed_after_its_commit_still_pages_through_the_next_command(
    live_release: Path, webhook: WebhookSink
) -> None:
    killed_rollback(live_release)
    # ``canary status`` above touched the release: it delivered what the killed process owed.
    [body] = [b for b in webhook.bodies if not b["drill"]]
    assert (body["event"], body["stage"], body["reason"]) == (
        "rollback",
        "rolled-back",
        "pager test",
    )
    audit = cli(live_release, "audit", "--format", "json").stdout
    assert "rollback hook webhook" in audit and "hook-fired" in audit


@pytest.mark.slow
def test_canary_hooks_deliver_sends_what_a_killed_process_owed_once(
    live_release: Path, webhook: WebhookSink
) -> None:
    done = cli(live_release, "canary", "rollback", "--reason", "pager test")
    assert done.returncode == -signal.SIGKILL
    listed = cli(live_release, "canary", "hooks", "--deliver")
    assert listed.returncode == 0, listed.stderr
    assert "delivered: 1" in listed.stdout and "rollback webhook: delivered" in listed.stdout
    again = cli(live_release, "canary", "hooks", "--deliver")
    assert again.returncode == 0
    assert [b["reason"] for b in webhook.bodies] == ["pager test"]


def test_a_failed_round_stays_pending_and_is_retried_when_due(
    store: Store,
    clock: FakeClock,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    sink = WebhookSink(fail_first=1)
    try:
        hooks = Hooks.model_validate({"onRollback": [{"webhook": sink.url, "retries": 0}]})
        controller = started(make_config())
        controller.hooks = HookRunner(hooks, store=store, retry_delay_s=0.0, clock=clock)
        controller.rollback(actor="bob", reason="manual").wait_for_hooks(timeout=30)
        [pending] = store.hook_deliveries(controller.release)
        assert (pending.status, pending.attempts) == ("pending", 1)
        assert controller.hooks.deliver_due(controller.release) == ()  # not due yet
        clock.advance(seconds=31)
        [outcome] = controller.hooks.deliver_due(controller.release)
        assert outcome.ok and [b["reason"] for b in sink.bodies] == ["manual"]
        [done] = store.hook_deliveries(controller.release)
        assert (done.status, done.attempts, done.rounds) == ("delivered", 2, 2)
        actions = [a.action for a in store.audit(controller.release)][-2:]
        assert actions == ["hook-failed", "hook-fired"]
    finally:
        sink.close()


def test_a_delivery_held_by_a_live_deliverer_is_not_sent_twice(
    store: Store, clock: FakeClock, webhook: WebhookSink
) -> None:
    hooks = Hooks.model_validate({"onAlert": [{"webhook": webhook.url, "timeoutSeconds": 5}]})
    runner = HookRunner(hooks, store=store, retry_delay_s=0.0, clock=clock)
    store.enqueue_hooks(runner.deliveries(_alert(clock)))
    [owed] = store.due_hooks("inc..cand", clock.now())
    lease_end = clock.now() + timedelta(minutes=1)
    assert store.claim_hook(owed.id, clock.now(), lease_end)  # another process took it
    assert runner.deliver_due("inc..cand") == ()
    clock.advance(minutes=2)  # ... and died: its lease ran out
    [outcome] = runner.deliver_due("inc..cand")
    assert outcome.ok and len(webhook.bodies) == 1


def _alert(clock: FakeClock) -> HookEvent:
    return HookEvent(
        event="alert",
        release="inc..cand",
        stage="stage-1",
        share=0.1,
        reason="budget",
        at=clock.now(),
        actor="controller",
    )
