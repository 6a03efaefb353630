"""A slow or locked store delays the gateway's writes but loses none, and it says so."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from agent_evals.gateway import background

from .conftest import INGEST, MakeRig, Rig

FAST = {"flushIntervalSeconds": 0.05, "refreshIntervalSeconds": 0.2}


@contextmanager
def store_locked(rig: Rig) -> Iterator[None]:
    """Another writer holds the store's write lock for the length of the block."""
    path = rig.store.sqlite_path
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def eventually(check: Callable[[], bool], within_s: float = 60.0) -> bool:
    """Whether ``check`` holds before the deadline (polled)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def ready(rig: Rig) -> httpx.Response:
    return httpx.get(rig.root + "/readyz", timeout=10)


@pytest.mark.slow
def test_an_outcome_posted_while_the_store_is_locked_is_answered_and_stored_later(
    make_rig: MakeRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(background, "STALL_S", 0.3)
    with make_rig(start=False, gateway=FAST) as rig:
        for _ in range(2):
            assert rig.chat("slow-1").status_code == 200
        assert eventually(lambda: "slow-1" in rig.live_runs())
        with store_locked(rig):
            outcome = {"task_id": "slow-1", "success": True}
            answer = httpx.post(
                rig.root + "/api/outcomes", json=outcome, headers=INGEST, timeout=10
            )
            assert answer.status_code == 200 and answer.json()["status"] == "resolved"
            assert eventually(lambda: ready(rig).status_code == 503)
            assert "store" in " ".join(ready(rig).json()["problems"])
            assert rig.live_runs()["slow-1"].status == "missing"
        assert eventually(lambda: rig.live_runs()["slow-1"].status == "resolved")
        assert rig.live_runs()["slow-1"].api_calls == 2
        assert eventually(lambda: ready(rig).status_code == 200)


@pytest.mark.slow
def test_the_breaker_trips_without_waiting_for_a_locked_store_and_rolls_back_once_it_answers(
    make_rig: MakeRig,
) -> None:
    dead = "http://127.0.0.1:9/v1"  # the discard port: nothing listens
    with make_rig(share=1.0, candidate_url=dead, gateway=FAST) as rig:
        with store_locked(rig):
            lanes = []
            for i in range(25):
                answer = httpx.post(
                    rig.url + "/chat/completions",
                    json={"model": "any", "messages": [{"role": "user", "content": "hi"}]},
                    headers={"x-agent-task-id": f"dead-{i}"},
                    timeout=10,
                )
                assert answer.status_code == 200
                lanes.append("x-agent-evals-fallback" in answer.headers)
            # the first requests fell back one by one; once tripped, the candidate gets none
            assert lanes[0] and not lanes[-1]
            assert rig.controller.require_state().stage != "rolled-back"
        assert eventually(lambda: rig.controller.require_state().stage == "rolled-back")
