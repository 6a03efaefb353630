"""The official OpenAI and Anthropic SDKs through the gateway: answers, streams, metering."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx
import openai
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agent_evals.gateway import AsgiUpstream, Gateway, serve_in_thread
from agent_evals.scripted_model import received_requests
from agent_evals.store import Store

from .conftest import CAND_MODEL, ENVIRON, INC_MODEL, KEYS, MakeRig, Rig, release_config, task_on

MESSAGES: Any = [{"role": "user", "content": "Fix the median."}]


def _openai(rig: Rig, task_id: str) -> openai.OpenAI:
    return rig.client(
        openai.OpenAI(
            base_url=rig.url, api_key="agent-side-key", default_headers={"X-Agent-Task-Id": task_id}
        )
    )


def _anthropic(rig: Rig, task_id: str) -> anthropic.Anthropic:
    return rig.client(
        anthropic.Anthropic(
            base_url=rig.root,
            api_key="agent-side-key",
            default_headers={"X-Agent-Task-Id": task_id},
        )
    )


def _close(rig: Rig, task_id: str) -> dict[str, Any]:
    answer = rig.post("/api/outcomes", {"task_id": task_id, "success": True})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_openai_sdk_plain_answer_names_the_lane_and_the_gateway_overhead(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        task = task_on(rig, "candidate")
        raw = _openai(rig, task).chat.completions.with_raw_response.create(
            model="whatever-the-agent-says", messages=MESSAGES
        )
        completion = raw.parse()
        assert completion.choices[0].message.content == "Done."
        assert completion.usage is not None and completion.usage.prompt_tokens == 900
        assert raw.headers["x-agent-evals-lane"] == "candidate"
        assert raw.headers["x-agent-evals-model"] == CAND_MODEL
        assert float(raw.headers["x-agent-evals-overhead-ms"]) >= 0.0
        sent = received_requests(rig.candidate)[-1]
        assert sent.body["model"] == CAND_MODEL
        assert sent.headers["authorization"] == f"Bearer {KEYS['CAND_KEY']}"
        assert sent.task_id == task
        assert received_requests(rig.incumbent) == []


def test_openai_stream_without_usage_asked_hides_the_usage_chunk_but_meters_it(
    make_rig: MakeRig,
) -> None:
    with make_rig() as rig:
        task = task_on(rig, "incumbent")
        chunks = list(
            _openai(rig, task).chat.completions.create(model="m", messages=MESSAGES, stream=True)
        )
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Done."
        assert all(c.usage is None and c.choices for c in chunks)
        upstream_body = received_requests(rig.incumbent)[-1].body
        assert upstream_body["stream_options"] == {"include_usage": True}
        tokens = _close(rig, task)["tokens"]
        assert tokens == {
            "input": 800,
            "output": 150,
            "cache_read": 100,
            "cache_write": None,
            "total": 1050,
            "source": "metered",
        }


def test_openai_stream_with_usage_asked_keeps_the_usage_chunk(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        stream = _openai(rig, "t-usage").chat.completions.create(
            model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
        usage = [c.usage for c in stream if c.usage is not None]
        assert len(usage) == 1 and usage[0].total_tokens == 1050


def test_anthropic_sdk_plain_and_streaming_are_metered_per_task(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        task = task_on(rig, "candidate")
        client = _anthropic(rig, task)
        message = client.messages.create(model="m", max_tokens=64, messages=MESSAGES)
        assert message.content[0].type == "text" and message.content[0].text == "Done."
        with client.messages.stream(model="m", max_tokens=64, messages=MESSAGES) as stream:
            assert stream.get_final_message().usage.output_tokens == 150
        sent = received_requests(rig.candidate)[-1]
        assert sent.headers["x-api-key"] == KEYS["CAND_KEY"]
        assert sent.body["model"] == CAND_MODEL
        closed = _close(rig, task)
    assert closed["lane"] == "candidate" and closed["api_calls"] == 2
    assert closed["tokens"] == {
        "input": 1600,
        "output": 300,
        "cache_read": 200,
        "cache_write": 0,
        "total": 2100,
        "source": "metered",
    }
    assert closed["cost_usd"] == (1600 * 1.0 + 300 * 10.0 + 200 * 0.1) / 1_000_000


def test_stored_tokens_equal_the_upstream_usage_summed_over_the_task(make_rig: MakeRig) -> None:
    script = {
        "models": {
            "*": {
                "tasks": {
                    "*": [
                        {
                            "content": "a",
                            "usage": {"prompt_tokens": 1200, "completion_tokens": 300},
                        },
                        {"content": "b", "usage": {"prompt_tokens": 2000, "completion_tokens": 50}},
                    ]
                }
            }
        }
    }
    with make_rig(script) as rig:
        client = _openai(rig, "t-sum")
        first: Any = [{"role": "user", "content": "go"}]
        client.chat.completions.create(model="m", messages=first)
        second = [*first, {"role": "assistant", "content": "a"}, {"role": "user", "content": "on"}]
        client.chat.completions.create(model="m", messages=second, stream=True).close()
    run = rig.live_runs()["t-sum"]
    assert (run.tokens.input, run.tokens.output, run.tokens.total) == (3200, 350, 3550)
    assert run.tokens.source == "metered" and run.status == "missing" and run.api_calls == 2


def test_every_way_of_naming_the_task_reaches_the_same_run(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        rig.chat("t-named")
        body = {"model": "m", "messages": MESSAGES, "metadata": {"agent_task_id": "t-named"}}
        assert httpx.post(rig.url + "/chat/completions", json=body).status_code == 200
        assert "metadata" not in received_requests(rig.incumbent)[-1].body
        path = f"{rig.root}/tasks/t-named/v1/chat/completions"
        assert httpx.post(path, json={"model": "m", "messages": MESSAGES}).status_code == 200
        assert _close(rig, "t-named")["api_calls"] == 3


def test_untagged_requests_stay_on_the_incumbent_and_are_not_stored(make_rig: MakeRig) -> None:
    with make_rig(share=1.0) as rig:
        answer = rig.chat(None)
        assert answer.status_code == 200
        assert answer.headers["x-agent-evals-lane"] == "incumbent"
    assert rig.live_runs() == {}


def test_a_body_over_the_limit_is_refused_before_it_goes_anywhere(make_rig: MakeRig) -> None:
    with make_rig(gateway={"bodyLimitBytes": 2048}) as rig:
        answer = rig.chat("t-big", messages=[{"role": "user", "content": "x" * 4096}])
        assert answer.status_code == 413
        assert "2048" in answer.json()["error"]["message"]
        assert received_requests(rig.incumbent) == received_requests(rig.candidate) == []


def _no_usage_app() -> Starlette:
    async def completion(request: Request) -> JSONResponse:
        message = {"role": "assistant", "content": "no usage here"}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        return JSONResponse({"id": "x", "object": "chat.completion", "choices": [choice]})

    return Starlette(routes=[Route("/v1/chat/completions", completion, methods=["POST"])])


def test_an_answer_without_usage_is_stored_as_missing_never_zero(tmp_path: Any) -> None:
    upstreams = AsgiUpstream({"incumbent.test": _no_usage_app(), "candidate.test": _no_usage_app()})
    config = release_config("http://incumbent.test/v1", "http://candidate.test/v1")
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    gateway = Gateway(config, store, upstream=upstreams, environ=ENVIRON)
    with serve_in_thread(gateway) as url:
        answer = httpx.post(
            url + "/chat/completions",
            json={"model": "m", "messages": MESSAGES},
            headers={"x-agent-task-id": "t-none"},
        )
        assert answer.json()["choices"][0]["message"]["content"] == "no usage here"
        assert answer.headers["x-agent-evals-model"] == INC_MODEL
    (run,) = store.runs(config.release.release_id, source="live")
    store.close()
    assert run.tokens.total is None and run.tokens.source == "missing"
    assert run.cost_usd is None and "usage missing on 1" in (run.detail or "")
