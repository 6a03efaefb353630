"""Outcomes and reviews need the release's ingest token; forged posts change nothing."""

from __future__ import annotations

import httpx
import orjson
import pytest

from agent_evals.config.models import GatewaySpec
from agent_evals.errors import ConfigError
from agent_evals.gateway.credentials import derived_ingest_token, ingest_token, sign

from .conftest import ADMIN_TOKEN, ENVIRON, INGEST_TOKEN, KEYS, RELEASE, MakeRig, task_on

FORGED = [
    {"task_id": f"forged-{i}", "success": False, "policy_violations": [{"rule": "x"}]}
    for i in range(6)
]


def test_six_forged_outcomes_without_the_token_do_not_roll_the_release_back(
    make_rig: MakeRig,
) -> None:
    with make_rig() as rig:
        for headers in ({"authorization": ""}, {"authorization": f"Bearer {ADMIN_TOKEN}"}):
            for body in FORGED:
                answer = rig.post("/api/outcomes", body, **headers)
                assert answer.status_code == 401 and "ingest token" in answer.json()["error"]
        review = rig.post("/api/reviews", {"task_id": "forged-0", "count": 9}, authorization="")
        assert review.status_code == 401
        state = rig.controller.state()
    assert state is not None and state.phase == "stage"
    assert rig.live_runs() == {}


def test_a_body_signed_with_the_ingest_token_is_accepted_and_a_tampered_one_is_not(
    make_rig: MakeRig,
) -> None:
    with make_rig() as rig:
        task = task_on(rig, "candidate")
        body = orjson.dumps(
            {"task_id": task, "success": False, "policy_violations": [{"rule": "x"}]}
        )
        url = rig.root + "/api/outcomes"
        signed = {"x-agent-evals-signature": sign(INGEST_TOKEN, body)}
        tampered = body.replace(b"false", b"true ")
        refused = httpx.post(url, content=tampered, headers=signed)
        assert refused.status_code == 401
        accepted = httpx.post(url, content=body, headers=signed)
        assert accepted.status_code == 200, accepted.text
        state = rig.controller.state()
    assert state is not None and state.phase == "rolled-back"


def test_without_any_token_the_outcome_endpoints_are_off_and_say_which_variable_to_set(
    make_rig: MakeRig,
) -> None:
    with make_rig(environ=KEYS) as rig:
        answer = rig.post("/api/outcomes", FORGED[0], authorization="Bearer anything")
    assert answer.status_code == 503 and "AGENT_EVALS_INGEST_TOKEN" in answer.json()["error"]


def test_an_explicit_ingest_token_replaces_the_derived_one(make_rig: MakeRig) -> None:
    environ = {**ENVIRON, "AGENT_EVALS_INGEST_TOKEN": "ingest-7f3a"}
    with make_rig(environ=environ) as rig:
        derived = rig.post("/api/reviews", {"task_id": "t", "count": 1})
        explicit = rig.post(
            "/api/reviews", {"task_id": "t", "count": 1}, authorization="Bearer ingest-7f3a"
        )
    assert (derived.status_code, explicit.status_code) == (401, 200)


def test_each_release_derives_its_own_ingest_token() -> None:
    assert derived_ingest_token(ADMIN_TOKEN, RELEASE) != derived_ingest_token(ADMIN_TOKEN, "b")
    assert derived_ingest_token(ADMIN_TOKEN, RELEASE) not in (ADMIN_TOKEN, *KEYS.values())


def test_an_ingest_token_that_is_an_admin_token_is_refused_at_start() -> None:
    environ = {**ENVIRON, "AGENT_EVALS_INGEST_TOKEN": ADMIN_TOKEN}
    with pytest.raises(ConfigError, match="AGENT_EVALS_INGEST_TOKEN: is an admin token"):
        ingest_token(GatewaySpec(), RELEASE, environ)
