"""Two gateway replicas on one PostgreSQL act as one gateway."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.gateway import Gateway, serve_in_thread
from agent_evals.records import RunRecord
from agent_evals.rollout import CanaryController, run_drill
from agent_evals.scripted_model import create_app, parse_script, serve_app_in_thread
from agent_evals.store import Store, schema

from ..replays import pass_replays
from .conftest import ADMIN_TOKEN, ENVIRON, RELEASE, USAGE, release_config

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}
MESSAGES = [{"role": "user", "content": "hi"}]
PER_REQUEST_TOKENS = 1050  # the scripted usage: 900 in (100 of them cached) + 150 out


@dataclass
class Replica:
    """One gateway process's view: its own store connection pool and server."""

    url: str
    gateway: Gateway

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")

    def chat(self, client: httpx.Client, task_id: str) -> httpx.Response:
        body = {"model": "any", "messages": MESSAGES}
        return client.post(
            self.url + "/chat/completions", json=body, headers={"x-agent-task-id": task_id}
        )

    def stage(self) -> str:
        return str(httpx.get(self.root + "/readyz", timeout=5).json()["stage"])


@pytest.fixture
def clean_pg(pg_url: str) -> str:
    """The test database with no rows left by earlier tests."""
    store = Store(pg_url)
    with store.engine.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.exec_driver_sql(f"DELETE FROM {table.name}")
    store.close()
    return pg_url


@contextmanager
def replicas(
    pg_url: str, *, candidate_url: str | None = None, **gateway: Any
) -> Iterator[tuple[list[Replica], Store]]:
    """A live release at share 0.5 (then 1.0) served by two gateways on one database."""
    script = parse_script({"defaults": {"usage": USAGE}})
    with ExitStack() as stack:
        inc = stack.enter_context(serve_app_in_thread(create_app(script)))
        cand = candidate_url or stack.enter_context(serve_app_in_thread(create_app(script)))
        spec = {"flushIntervalSeconds": 0.1, **gateway}
        config = release_config(inc, cand, share=[0.5, 1.0], gateway=spec)
        admin_store = Store(pg_url)
        stack.callback(admin_store.close)
        start_release(admin_store, config)
        started = []
        for _ in range(2):
            store = Store(pg_url)
            stack.callback(store.close)
            gateway = Gateway(config, store, environ=ENVIRON)
            started.append(Replica(stack.enter_context(serve_in_thread(gateway)), gateway))
        yield started, admin_store


def start_release(store: Store, config: ReleaseConfig) -> None:
    controller = CanaryController(store, config)
    pass_replays(store, config)
    run_drill(controller, actor="test")
    controller.start(actor="test")


def test_every_replica_gives_a_task_the_same_lane(clean_pg: str) -> None:
    with replicas(clean_pg) as ((a, b), _):
        ids = [f"task-{i}" for i in range(10_000)]
        lanes_a = [a.gateway.link.router.select(t).lane for t in ids]
        lanes_b = [b.gateway.link.router.select(t).lane for t in ids]
        assert lanes_a == lanes_b
        assert 4000 < lanes_a.count("candidate") < 6000
        with httpx.Client() as client:
            for i, task_id in enumerate(ids[:100]):
                replica = (a, b)[i % 2]
                served = replica.chat(client, task_id).headers["x-agent-evals-lane"]
                assert served == lanes_a[i]


def test_a_tasks_requests_spread_over_replicas_add_up_to_one_run(clean_pg: str) -> None:
    tasks = [f"spread-{i}" for i in range(20)]
    with replicas(clean_pg) as ((a, b), _), httpx.Client() as client:

        def send(n: int) -> int:
            replica = (a, b)[n % 2]
            return replica.chat(client, tasks[n % len(tasks)]).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(send, range(4 * len(tasks)))) == {200}
    runs = store_runs(clean_pg)
    assert sorted(runs) == sorted(tasks)
    assert {r.api_calls for r in runs.values()} == {4}
    assert {r.tokens.total for r in runs.values()} == {4 * PER_REQUEST_TOKENS}


def store_runs(pg_url: str) -> dict[str, RunRecord]:
    store = Store(pg_url)
    try:
        runs = store.runs(RELEASE, source="live")
    finally:
        store.close()
    assert len({r.task_id for r in runs}) == len(runs)  # one run per task, never two
    return {r.task_id: r for r in runs}


def seen_within(replica: Replica, stage: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if replica.gateway.link.plan.stage == stage:
            return True
        time.sleep(0.01)
    return replica.gateway.link.plan.stage == stage


def test_a_rollback_through_one_replica_is_in_force_on_the_other_within_a_second(
    clean_pg: str,
) -> None:
    with replicas(clean_pg) as ((a, b), _):
        assert b.stage() == "stage-1"
        answer = httpx.post(
            a.root + "/admin/rollback", json={"reason": "bad canary"}, headers=ADMIN, timeout=10
        )
        assert answer.status_code == 200
        assert seen_within(b, "rolled-back", 1.0)
        with httpx.Client() as client:
            served = {b.chat(client, f"after-{i}").headers["x-agent-evals-lane"] for i in range(20)}
        assert served == {"incumbent"}


def test_a_freeze_from_the_cli_is_in_force_on_every_replica_within_a_second(
    clean_pg: str,
) -> None:
    with replicas(clean_pg) as ((a, b), admin_store):
        controller = CanaryController(admin_store, a.gateway.config)
        controller.freeze(actor="oncall", reason="incident")
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and not all(r.gateway.link.plan.blocked for r in (a, b)):
            time.sleep(0.01)
        assert all(r.gateway.link.plan.blocked for r in (a, b))


def test_two_racing_promotions_through_two_replicas_advance_one_stage(clean_pg: str) -> None:
    with replicas(clean_pg) as ((a, b), admin_store):
        barrier = threading.Barrier(2)
        body = {"reason": "ship it", "force": True, "expected_stage": "stage-1"}

        def promote(replica: Replica) -> int:
            barrier.wait()
            url = replica.root + "/admin/promote"
            return httpx.post(url, json=body, headers=ADMIN, timeout=30).status_code

        with ThreadPoolExecutor(2) as pool:
            codes = sorted(pool.map(promote, (a, b)))
        assert codes == [200, 409]
        state = CanaryController(admin_store, a.gateway.config).require_state()
        assert state.stage == "stage-2"
        advances = [e for e in admin_store.audit(RELEASE) if e.action in ("promote", "override")]
        assert [e.stage for e in advances] == ["stage-2"]


def test_the_breaker_counts_candidate_failures_across_replicas(clean_pg: str) -> None:
    # Twelve candidate failures (and twelve incumbent answers) on each replica: neither alone
    # has the 20 per lane a confidence sequence needs (and the dead-endpoint window is out of
    # reach); together they show the candidate worse than the incumbent.
    dead = "http://127.0.0.1:9/v1"
    with replicas(clean_pg, candidate_url=dead, candidateErrorWindow=1000) as ((a, b), store):
        ids = [f"c-{i}" for i in range(300)]
        candidate = [t for t in ids if on_candidate(a, t)][:24]
        incumbent = [t for t in ids if not on_candidate(a, t)][:24]
        with httpx.Client() as client:
            for n, tasks in enumerate(zip(candidate, incumbent, strict=True)):
                replica = (a, b)[n % 2]
                assert {replica.chat(client, t).status_code for t in tasks} == {200}
                time.sleep(0.15)  # a flush apart: each replica hears the other's counts
        assert seen_within(a, "rolled-back", 10.0) and seen_within(b, "rolled-back", 1.0)
        (rollback,) = [e for e in store.audit(RELEASE) if e.action == "rollback"]
        assert rollback.evidence["candidate"]["errors"] >= 20


def on_candidate(replica: Replica, task_id: str) -> bool:
    return replica.gateway.link.router.select(task_id).lane == "candidate"
