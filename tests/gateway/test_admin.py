"""Admin endpoints need the bearer token; keys never reach a log or an answer."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import openai
import pytest

from agent_evals.scripted_model import serve_in_thread

from .conftest import ADMIN_TOKEN, ENVIRON, KEYS, MakeRig, task_on

ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}
ENDPOINTS = [
    ("GET", "/admin/status"),
    ("GET", "/admin/explain?task_id=t"),
    ("POST", "/admin/promote"),
    ("POST", "/admin/rollback"),
    ("POST", "/admin/freeze"),
    ("POST", "/admin/unfreeze"),
]


def test_admin_endpoints_refuse_without_the_token(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        for method, path in ENDPOINTS:
            for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": ADMIN_TOKEN}):
                answer = httpx.request(method, rig.root + path, headers=headers, json={})
                assert answer.status_code == 401, (path, headers)
        state = rig.controller.state()
    assert state is not None and state.phase == "stage" and not state.frozen


def test_admin_endpoints_act_on_the_release_with_the_token(make_rig: MakeRig) -> None:
    with make_rig(share=1.0) as rig:
        status = httpx.get(rig.root + "/admin/status", headers=ADMIN).json()
        assert status["stage"] == "stage-1" and status["share"] == 1.0
        explained = httpx.get(rig.root + "/admin/explain?task_id=t-x", headers=ADMIN).json()
        assert explained["lane"] == "candidate" and explained["task_id"] == "t-x"
        refused = rig.post("/admin/freeze", {}, **ADMIN)
        assert refused.status_code == 400 and "needs a reason" in refused.json()["error"]
        frozen = rig.post("/admin/freeze", {"reason": "incident 42", "actor": "alice"}, **ADMIN)
        assert frozen.status_code == 200 and frozen.json()["action"] == "freeze"
        assert rig.chat("t-new").headers["x-agent-evals-lane"] == "incumbent"
        again = rig.post("/admin/freeze", {"reason": "twice"}, **ADMIN)
        assert again.status_code == 400 and "frozen already" in again.json()["error"]
    audit = rig.store.audit(rig.controller.release)
    assert any(e.action == "freeze" and e.actor == "admin" for e in audit)


def test_no_key_appears_in_logs_or_answers(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with serve_in_thread() as gone:
        pass
    with make_rig(candidate_url=gone, gateway={"candidateErrorWindow": 2}) as rig:
        client = rig.client(openai.OpenAI(base_url=rig.url, api_key="agent-side-key"))
        seen = []
        for task in (task_on(rig, "candidate"), task_on(rig, "incumbent")):
            raw = client.chat.completions.with_raw_response.create(
                model="m",
                messages=[{"role": "user", "content": "go"}],
                extra_headers={"X-Agent-Task-Id": task},
            )
            seen += [raw.http_response.text, str(raw.headers)]
        for path in ("/metrics", "/readyz", "/v1/models"):
            seen.append(httpx.get(rig.root + path).text)
        seen.append(httpx.get(rig.root + "/admin/status", headers=ADMIN).text)
        seen.append(repr(rig.gateway.targets))
    text = caplog.text + "".join(seen)
    assert "candidate failed before its first byte" in caplog.text
    for key in KEYS.values():
        assert key not in text


def test_the_gateway_refuses_to_start_without_a_lane_key(make_rig: MakeRig) -> None:
    from agent_evals.errors import ConfigError
    from agent_evals.gateway import lane_targets

    from .conftest import release_config

    config = release_config("http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1")
    with pytest.raises(
        ConfigError, match=r"models\.cand\.apiKeyEnv: names the variable 'CAND_KEY'"
    ):
        lane_targets(config, {"INC_KEY": "x"})


def test_health_readiness_and_metrics(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        assert httpx.get(rig.root + "/healthz").json() == {"status": "ok"}
        rig.chat(task_on(rig, "candidate"))
        metrics = httpx.get(rig.root + "/metrics").text
        ready = httpx.get(rig.root + "/readyz")
    assert ready.status_code == 200 and ready.json()["stage"] == "stage-1"
    for line in (
        'agent_evals_gateway_requests_total{code="200",lane="candidate"} 1.0',
        'agent_evals_gateway_tokens_total{lane="candidate",type="output"} 150.0',
        "agent_evals_gateway_live_share 0.5",
        'agent_evals_gateway_stage{release="inc..cand",stage="stage-1"} 1.0',
        'agent_evals_gateway_upstream_up{lane="incumbent"} 1.0',
        'agent_evals_gateway_request_seconds_count{lane="candidate"} 1.0',
    ):
        assert line in metrics


def test_the_audit_log_names_the_tokens_admin_not_the_actor_the_caller_claims(
    make_rig: MakeRig, tmp_path: Path
) -> None:
    admins = tmp_path / "admins.txt"
    admins.write_text("# on-call rota\nalice:tok-alice-19\nbob:tok-bob-77\n", encoding="utf-8")
    environ = {**KEYS, "AGENT_EVALS_ADMIN_TOKENS": str(admins)}
    with make_rig(environ=environ) as rig:
        as_bob = {"authorization": "Bearer tok-bob-77"}
        frozen = rig.post("/admin/freeze", {"reason": "incident 42", "actor": "alice"}, **as_bob)
        assert frozen.status_code == 200, frozen.text
        single = rig.post("/admin/unfreeze", {"reason": "over"}, **ADMIN)
        assert single.status_code == 401
    freeze = [e for e in rig.store.audit(rig.controller.release) if e.action == "freeze"]
    assert [e.actor for e in freeze] == ["bob"]
    assert "incident 42 (named actor: alice)" in freeze[0].reasons


def test_named_admins_can_be_listed_inline_beside_the_single_admin_token(
    make_rig: MakeRig,
) -> None:
    environ = {**ENVIRON, "AGENT_EVALS_ADMIN_TOKENS": "carol:tok-carol-3, dave:tok-dave-4"}
    with make_rig(environ=environ) as rig:
        rig.post("/admin/freeze", {"reason": "r1"}, authorization="Bearer tok-dave-4")
        rig.post("/admin/unfreeze", {"reason": "r2"}, **ADMIN)
    actors = {e.action: e.actor for e in rig.store.audit(rig.controller.release)}
    assert (actors["freeze"], actors["unfreeze"]) == ("dave", "admin")
