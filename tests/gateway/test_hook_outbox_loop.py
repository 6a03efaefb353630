"""``serve`` delivers rollout hooks another process committed but never sent."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ..rollout.conftest import WebhookSink
from .conftest import MakeRig, Rig


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    receiver = WebhookSink()
    yield receiver
    receiver.close()


def test_the_gateway_delivers_a_rollback_hook_a_killed_command_left_behind(
    make_rig: MakeRig, sink: WebhookSink
) -> None:
    hooks = {"hooks": {"onRollback": [{"webhook": sink.url, "retries": 0}]}}
    with make_rig(top=hooks, gateway={"refreshIntervalSeconds": 0.2}) as rig:
        state = rig.controller.require_state()
        owed = rig.controller.hook_event("rollback", state, "ops", "committed, then killed")
        rig.store.enqueue_hooks(rig.controller.hooks.deliveries(owed))  # nobody delivers it
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _status(rig) != "delivered":
            time.sleep(0.05)
        assert _status(rig) == "delivered"
        assert [b["reason"] for b in _live(sink)] == ["committed, then killed"]


def _status(rig: Rig) -> str:
    [delivery] = rig.store.hook_deliveries(rig.controller.release)
    return delivery.status


def _live(sink: WebhookSink) -> list[dict[str, object]]:
    return [b for b in sink.bodies if not b["drill"]]
