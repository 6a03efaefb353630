"""A restarted gateway carries on with the stored live runs; its memory stays bounded."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.gateway import Gateway, serve_in_thread
from agent_evals.records import RunRecord
from agent_evals.scripted_model import create_app, parse_script, serve_app_in_thread
from agent_evals.store import Store, sqlite_url

from .conftest import ENVIRON, INGEST, RELEASE, USAGE, release_config

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def upstreams() -> Iterator[ReleaseConfig]:
    """A release whose two lanes are scripted models on 127.0.0.1."""
    script = parse_script({"defaults": {"usage": USAGE}})
    with ExitStack() as servers:
        inc = servers.enter_context(serve_app_in_thread(create_app(script)))
        cand = servers.enter_context(serve_app_in_thread(create_app(script)))
        yield release_config(inc, cand)


@contextmanager
def gateway(config: ReleaseConfig, db: Path) -> Iterator[tuple[str, Gateway]]:
    """One gateway process's life on the store at ``db``: serve, then stop (writing all)."""
    store = Store(sqlite_url(db))
    app = Gateway(config, store, environ=ENVIRON)
    try:
        with serve_in_thread(app) as url:
            yield url, app
    finally:
        store.close()


def chat(url: str, task_id: str) -> httpx.Response:
    answer = httpx.post(
        url + "/chat/completions",
        json={"model": "any", "messages": MESSAGES},
        headers={"x-agent-task-id": task_id},
    )
    assert answer.status_code == 200
    return answer


def stored(db: Path, task_id: str) -> list[RunRecord]:
    store = Store(sqlite_url(db))
    try:
        runs = [r for r in store.runs(RELEASE, source="live") if r.task_id == task_id]
    finally:
        store.close()
    return sorted(runs, key=lambda r: r.epoch)


def test_a_restarted_gateway_adds_to_the_stored_run_instead_of_replacing_it(
    upstreams: ReleaseConfig, tmp_path: Path
) -> None:
    db = tmp_path / "runs.db"
    with gateway(upstreams, db) as (url, _):
        for _ in range(3):
            chat(url, "restart-1")
    (before,) = stored(db, "restart-1")
    with gateway(upstreams, db) as (url, _):
        chat(url, "restart-1")
    (after,) = stored(db, "restart-1")
    assert (before.api_calls, after.api_calls) == (3, 4)
    assert before.tokens.total is not None and after.tokens.total == before.tokens.total * 4 // 3
    assert after.status == "missing" and after.epoch == before.epoch


def test_a_closed_run_keeps_its_outcome_and_reviews_through_a_restart(
    upstreams: ReleaseConfig, tmp_path: Path
) -> None:
    db = tmp_path / "runs.db"
    with gateway(upstreams, db) as (url, _):
        root = url.removesuffix("/v1")
        for _ in range(2):
            chat(url, "restart-2")
        outcome = {"task_id": "restart-2", "success": True}
        assert httpx.post(root + "/api/outcomes", json=outcome, headers=INGEST).is_success
        review = {"task_id": "restart-2", "count": 2}
        assert httpx.post(root + "/api/reviews", json=review, headers=INGEST).is_success
    with gateway(upstreams, db) as (url, _):
        chat(url, "restart-2")
    closed, reopened = stored(db, "restart-2")
    assert (closed.status, closed.api_calls, closed.review_comments) == ("resolved", 2, 2)
    assert closed.review_source == "human"
    assert (reopened.epoch, reopened.status, reopened.api_calls) == (1, "missing", 1)


def test_an_outcome_posted_after_a_restart_closes_the_stored_run_with_all_its_calls(
    upstreams: ReleaseConfig, tmp_path: Path
) -> None:
    db = tmp_path / "runs.db"
    with gateway(upstreams, db) as (url, _):
        chat(url, "restart-3")
        chat(url, "restart-3")
    with gateway(upstreams, db) as (url, _):
        root = url.removesuffix("/v1")
        outcome = {"task_id": "restart-3", "success": False}
        answer = httpx.post(root + "/api/outcomes", json=outcome, headers=INGEST)
        assert answer.json()["api_calls"] == 2
    (run,) = stored(db, "restart-3")
    assert (run.status, run.api_calls) == ("unresolved", 2)


@pytest.mark.slow
def test_memory_stays_bounded_over_many_tasks_and_a_forgotten_task_carries_on(
    tmp_path: Path,
) -> None:
    script = parse_script({"defaults": {"usage": USAGE}})
    db = tmp_path / "runs.db"
    with ExitStack() as servers:
        inc = servers.enter_context(serve_app_in_thread(create_app(script)))
        config = release_config(inc, inc, gateway={"flushIntervalSeconds": 0.05})
        with gateway(config, db) as (url, app), httpx.Client() as client:
            app.ledger.max_runs = 50
            body = {"model": "any", "messages": MESSAGES}
            for i in range(800):
                headers = {"x-agent-task-id": f"many-{i}"}
                assert client.post(url + "/chat/completions", json=body, headers=headers)
            assert eventually(lambda: len(app.ledger) <= 50)
            chat(url, "many-0")
    assert [r.api_calls for r in stored(db, "many-0")] == [2]
    store = Store(sqlite_url(db))
    assert store.count_runs(RELEASE) == 800
    store.close()


def eventually(check: Callable[[], bool], within_s: float = 20.0) -> bool:
    """Whether ``check`` holds before the deadline (polled)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()
