"""GitHub deliveries: signatures, de-duplication, review counts and merges on linked tasks."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx

from agent_evals.gateway import Gateway, serve_in_thread

from .conftest import ENVIRON, WEBHOOK_SECRET, MakeRig, Rig, task_on


def _deliver(
    rig: Rig, event: str, payload: dict[str, Any], delivery: str, secret: str = WEBHOOK_SECRET
) -> httpx.Response:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": delivery,
        "x-hub-signature-256": signature,
    }
    return httpx.post(rig.root + "/webhooks/github", content=body, headers=headers)


def _comment(branch: str, labels: tuple[str, ...] = ()) -> dict[str, Any]:
    pull = {"head": {"ref": branch}, "labels": [{"name": n} for n in labels], "merged": False}
    return {"action": "created", "pull_request": pull, "comment": {"body": "rename this"}}


def test_a_wrong_signature_is_refused_and_stores_nothing(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        answer = _deliver(rig, "pull_request_review_comment", _comment("agent/t1"), "d-1", "nope")
        unsigned = httpx.post(rig.root + "/webhooks/github", json=_comment("agent/t1"))
    assert answer.status_code == 401 and unsigned.status_code == 401
    assert rig.live_runs() == {}


def test_review_comments_land_on_the_right_task_and_lane_once_per_delivery(
    make_rig: MakeRig,
) -> None:
    with make_rig() as rig:
        task, other = task_on(rig, "candidate"), task_on(rig, "incumbent")
        rig.chat(task)
        rig.chat(other)
        rig.post("/api/outcomes", {"task_id": task, "success": True})
        first = _deliver(rig, "pull_request_review_comment", _comment(f"agent/{task}"), "d-1")
        again = _deliver(rig, "pull_request_review_comment", _comment(f"agent/{task}"), "d-1")
        review = {
            "action": "submitted",
            "pull_request": {
                "head": {"ref": "feature"},
                "labels": [{"name": f"agent-task:{task}"}],
            },
            "review": {"state": "changes_requested", "body": ""},
        }
        second = _deliver(rig, "pull_request_review", review, "d-2")
    assert first.json()["applied"] is True and second.json()["applied"] is True
    assert again.json() == {"delivery": "d-1", "applied": False, "why": "duplicate"}
    runs = rig.live_runs()
    assert (runs[task].lane, runs[task].review_comments, runs[task].review_source) == (
        "candidate",
        2,
        "human",
    )
    assert runs[other].review_comments is None


def test_a_merged_pull_request_is_a_success(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        rig.chat("t-merge")
        closed = {"action": "closed", "pull_request": {"head": {"ref": "agent/t-merge"}}}
        closed["pull_request"]["merged"] = True
        assert _deliver(rig, "pull_request", closed, "d-9").json()["run"]["status"] == "resolved"
        unlinked = {"action": "closed", "pull_request": {"head": {"ref": "main"}, "merged": True}}
        assert _deliver(rig, "pull_request", unlinked, "d-10").json()["applied"] is False
    assert rig.live_runs()["t-merge"].status == "resolved"


def test_one_signed_body_counts_once_whatever_delivery_id_it_comes_with(
    make_rig: MakeRig,
) -> None:
    with make_rig() as rig:
        rig.chat("t-replay")
        comment = _comment("agent/t-replay")
        answers = [
            _deliver(rig, "pull_request_review_comment", comment, delivery)
            for delivery in ("d-1", "d-2", "", "d-3", "x" * 500)
        ]
        # Another replica (or this one after a restart) over the same store.
        replica = Gateway(rig.gateway.config, rig.store, environ=ENVIRON, controller=rig.controller)
        with serve_in_thread(replica) as url:
            apps = (rig.incumbent, rig.candidate, ExitStack())
            other = Rig(url, rig.store, rig.controller, replica, *apps)
            replayed = _deliver(other, "pull_request_review_comment", comment, "d-4")
    assert [a.json()["applied"] for a in answers] == [True, False, False, False, False]
    assert replayed.json() == {"delivery": "d-4", "applied": False, "why": "duplicate"}
    assert rig.live_runs()["t-replay"].review_comments == 1


def test_an_unsigned_delivery_is_refused_before_its_body_is_read(make_rig: MakeRig) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(2048):
            sent += 1
            yield b"x" * 65536

    with make_rig() as rig:
        answer = httpx.post(rig.root + "/webhooks/github", content=chunks(), timeout=30)
    assert answer.status_code == 401
    assert sent < 512  # of 2048 chunks (128 MiB): the refusal came long before the end
