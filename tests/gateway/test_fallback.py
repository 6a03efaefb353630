"""A failing candidate: transparent retries on the incumbent, counted errors, automatic fallback."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from agent_evals.scripted_model import received_requests, serve_in_thread

from .conftest import MakeRig, task_on

FAILING_CANDIDATE = {"models": {"cand-2026-10-01": {"tasks": {"*": [{"status": 503}] * 5}}}}


def test_a_stopped_candidate_falls_back_per_request_then_rolls_the_release_back(
    make_rig: MakeRig,
) -> None:
    with serve_in_thread() as gone:
        pass  # the candidate's endpoint: started, then stopped
    gateway = {"candidateErrorWindow": 4, "candidateErrorRate": 0.75}
    with make_rig(share=1.0, gateway=gateway, candidate_url=gone) as rig:
        client = rig.client(openai.OpenAI(base_url=rig.url, api_key="agent-side-key"))
        for i in range(3):
            raw = client.chat.completions.with_raw_response.create(
                model="m",
                messages=[{"role": "user", "content": "go"}],
                extra_headers={"X-Agent-Task-Id": f"t-{i}"},
            )
            assert raw.parse().choices[0].message.content == "Done."
            assert raw.headers["x-agent-evals-lane"] == "incumbent"
            assert "candidate failed" in raw.headers["x-agent-evals-fallback"]
        state = rig.controller.state()
        assert state is not None and state.phase == "rolled-back"
        assert "candidate upstream failing: 3 of the last 3" in (state.rollback_reason or "")
        metrics = httpx.get(rig.root + "/metrics").text
        assert 'agent_evals_gateway_upstream_errors_total{kind="connect",lane="candidate"} 3.0' in (
            metrics
        )
        assert "agent_evals_gateway_fallbacks_total 3.0" in metrics
        assert "agent_evals_gateway_routing_blocked 1.0" in metrics
        assert "agent_evals_gateway_breaker_trips_total 1.0" in metrics
        assert rig.chat("t-after").headers["x-agent-evals-lane"] == "incumbent"
        assert "x-agent-evals-fallback" not in rig.chat("t-after").headers
    audit = [e for e in rig.store.audit(rig.controller.release) if e.action == "rollback"]
    assert audit[-1].actor == "gateway" and audit[-1].evidence["failures"] == 3
    runs = rig.live_runs()
    assert runs["t-0"].lane == "candidate" and runs["t-0"].tokens.total == 1050
    assert "served by the incumbent" in (runs["t-0"].detail or "")


def test_a_candidate_5xx_is_retried_on_the_incumbent_with_the_incumbents_model(
    make_rig: MakeRig,
) -> None:
    with make_rig(candidate_script=FAILING_CANDIDATE, share=1.0) as rig:
        client = rig.client(anthropic.Anthropic(base_url=rig.root, api_key="agent-side-key"))
        message = client.messages.create(
            model="m",
            max_tokens=32,
            messages=[{"role": "user", "content": "go"}],
            extra_headers={"X-Agent-Task-Id": "t-5xx"},
        )
        assert message.content[0].type == "text"
        assert received_requests(rig.candidate)[-1].body["model"] == "cand-2026-10-01"
        assert received_requests(rig.incumbent)[-1].body["model"] == "inc-2026-01-01"
        state = rig.controller.state()
        assert state is not None and state.phase == "stage"  # one failure is under the threshold


def test_an_incumbent_failure_is_passed_to_the_client_as_it_came(make_rig: MakeRig) -> None:
    script = {"models": {"*": {"tasks": {"*": [{"status": 429}]}}}}
    with make_rig(script, share=0.0) as rig:
        answer = rig.chat("t-429")
        assert answer.status_code == 429
        assert answer.json()["error"]["type"] == "rate_limit_error"
        assert answer.headers["x-agent-evals-lane"] == "incumbent"


CUT = {
    "models": {
        "*": {
            "tasks": {
                "*": [
                    {
                        "content": "one two three four five six seven eight nine ten",
                        "cutAfterChunks": 3,
                    }
                ]
            }
        }
    }
}


def test_a_stream_cut_mid_way_ends_in_an_openai_error_never_a_clean_end(
    make_rig: MakeRig,
) -> None:
    with make_rig(CUT) as rig:
        client = rig.client(openai.OpenAI(base_url=rig.url, api_key="k", max_retries=0))
        stream = client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "go"}],
            stream=True,
            extra_headers={"X-Agent-Task-Id": "t-cut"},
        )
        with pytest.raises(openai.APIError, match="stream broke off"):
            list(stream)
    run = rig.live_runs()["t-cut"]
    assert run.tokens.source == "missing" and "1 failed" in (run.detail or "")


def test_a_stream_cut_mid_way_ends_in_an_anthropic_error_event(make_rig: MakeRig) -> None:
    with make_rig(CUT) as rig:
        client = rig.client(anthropic.Anthropic(base_url=rig.root, api_key="k", max_retries=0))
        task = task_on(rig, "candidate")
        with (
            pytest.raises(anthropic.APIStatusError, match="stream broke off"),
            client.messages.stream(
                model="m",
                max_tokens=32,
                messages=[{"role": "user", "content": "go"}],
                extra_headers={"X-Agent-Task-Id": task},
            ) as stream,
        ):
            stream.get_final_message()
        metrics = httpx.get(rig.root + "/metrics").text
        assert 'upstream_errors_total{kind="stream_broken",lane="candidate"} 1.0' in metrics
