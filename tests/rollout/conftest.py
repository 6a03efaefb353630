"""Rollout test fixtures: a config builder, a store, a fake clock, live runs and a webhook sink."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import PolicyViolation, RunRecord, TokenUsage
from agent_evals.rollout import CanaryController, FakeClock, HookRunner, run_drill
from agent_evals.store import Store

from ..replays import pass_replays

RELEASE = "inc..cand"
STAGES = [
    {"share": 0.1, "minTasks": 5, "minBakeMinutes": 30},
    {"share": 0.25, "minTasks": 5, "minBakeMinutes": 30},
    {"share": 1.0, "minTasks": 5, "minBakeMinutes": 30},
]


def build_config(release: dict[str, Any] | None = None, **top: Any) -> ReleaseConfig:
    """A release config with two pinned models, a pinned slice, and the overrides given."""
    data: dict[str, Any] = {
        "release": {
            "name": RELEASE,
            "incumbent": "inc",
            "candidate": "cand",
            "evalSlices": ["bugfix-small", "migration-risky"],
            "stages": STAGES,
            **(release or {}),
        },
        "models": {"inc": {"model": "inc-2026-01-01"}, "cand": {"model": "cand-2026-10-01"}},
        "slices": {"migration-risky": {"policySensitive": True, "risk": "high"}},
        **top,
    }
    return ReleaseConfig.model_validate(data)


@pytest.fixture
def store() -> Iterator[Store]:
    """A private in-memory run store."""
    opened = Store.memory()
    yield opened
    opened.close()


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when the test says so."""
    return FakeClock()


@pytest.fixture
def controller_for(store: Store, clock: FakeClock) -> Callable[[ReleaseConfig], CanaryController]:
    """A controller over the test store and clock, for a release whose replays passed (every
    eval slice PROMOTE, as live share requires); hooks retry without waiting."""

    def make(config: ReleaseConfig) -> CanaryController:
        pass_replays(store, config)
        hooks = HookRunner(config.hooks, store=store, retry_delay_s=0.0)
        return CanaryController(store, config, clock=clock, hooks=hooks)

    return make


@pytest.fixture
def started(
    controller_for: Callable[[ReleaseConfig], CanaryController],
) -> Callable[[ReleaseConfig], CanaryController]:
    """A controller whose release passed a drill and started its first stage."""

    def make(config: ReleaseConfig) -> CanaryController:
        controller = controller_for(config)
        run_drill(controller, actor="test")
        controller.start(actor="alice")
        return controller

    return make


def live_run(
    task_id: str,
    lane: str,
    clock: FakeClock,
    *,
    ok: bool = True,
    tokens: int = 1000,
    policy: bool = False,
    slice: str = "bugfix-small",
) -> RunRecord:
    """A finished live run at the clock's current time."""
    violations = (
        (PolicyViolation("forbiddenPaths", "touched migrations/0001.py"),) if policy else ()
    )
    return RunRecord(
        release=RELEASE,
        task_id=task_id,
        slice=slice,
        lane=lane,  # type: ignore[arg-type]
        model=f"{lane}-model",
        status="resolved" if ok else "unresolved",
        source="live",
        tokens=TokenUsage(total=tokens, source="metered"),
        cost_usd=tokens / 100_000,
        cost_source="metered",
        review_comments=1,
        review_source="human",
        policy_violations=violations,
        started_at=clock.now(),
        ended_at=clock.now(),
    )


@pytest.fixture
def make_config() -> Callable[..., ReleaseConfig]:
    """Build a test release config (see ``build_config``)."""
    return build_config


@pytest.fixture
def make_run(clock: FakeClock) -> Callable[..., RunRecord]:
    """Build a finished live run at the fake clock's time (see ``live_run``)."""
    return lambda task_id, lane, **kw: live_run(task_id, lane, clock, **kw)


class WebhookSink:
    """A real HTTP server on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.fail_first = fail_first
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                failing = sink.fail_first > 0
                sink.fail_first -= 1
                if not failing:
                    sink.bodies.append(json.loads(body))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def webhook() -> Iterator[WebhookSink]:
    """A webhook receiver on 127.0.0.1."""
    sink = WebhookSink()
    yield sink
    sink.close()
