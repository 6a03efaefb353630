"""The openai SDK's Responses API and the google-genai SDK through the gateway, metered."""

from __future__ import annotations

from typing import Any

import httpx
import openai
from google import genai
from google.genai import types

from agent_evals.gateway.wire import StreamMeter
from agent_evals.scripted_model import received_requests

from .conftest import CAND_MODEL, KEYS, MakeRig, Rig, task_on

TWO_CALLS = {
    "input": 1600,
    "output": 300,
    "cache_read": 200,
    "cache_write": None,
    "total": 2100,
    "source": "metered",
}


def _close(rig: Rig, task_id: str) -> dict[str, Any]:
    answer = rig.post("/api/outcomes", {"task_id": task_id, "success": True})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_responses_api_plain_and_streamed_are_metered_per_task(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        task = task_on(rig, "candidate")
        client = rig.client(
            openai.OpenAI(
                base_url=rig.url,
                api_key="agent-side-key",
                default_headers={"X-Agent-Task-Id": task},
            )
        )
        answer = client.responses.create(model="m", input="Fix the median.")
        assert answer.output_text == "Done."
        with client.responses.stream(model="m", input="Fix the median.") as stream:
            assert stream.get_final_response().usage is not None
        sent = received_requests(rig.candidate)[-1]
        assert sent.path == "/v1/responses" and sent.body["model"] == CAND_MODEL
        assert sent.headers["authorization"] == f"Bearer {KEYS['CAND_KEY']}"
        closed = _close(rig, task)
    assert closed["lane"] == "candidate" and closed["api_calls"] == 2
    assert closed["tokens"] == TWO_CALLS


def test_gemini_sdk_generates_and_streams_through_the_gateway_metered_per_task(
    make_rig: MakeRig,
) -> None:
    with make_rig() as rig:
        task = task_on(rig, "candidate")
        options = types.HttpOptions(base_url=rig.root, headers={"X-Agent-Task-Id": task})
        client = genai.Client(api_key="agent-side-key", http_options=options)
        try:
            answer = client.models.generate_content(model="gemini-any", contents="Fix it.")
            assert answer.text == "Done."
            pieces = client.models.generate_content_stream(model="gemini-any", contents="Fix it.")
            assert "".join(p.text or "" for p in pieces) == "Done."
            counted = client.models.count_tokens(model="gemini-any", contents="Fix it.")
            assert counted.total_tokens
        finally:
            client.close()
        sent = received_requests(rig.candidate)
        assert sent[-1].path == f"/v1/models/{CAND_MODEL}:countTokens"
        assert sent[-2].path == f"/v1/models/{CAND_MODEL}:streamGenerateContent"
        assert sent[-2].headers["x-goog-api-key"] == KEYS["CAND_KEY"]
        closed = _close(rig, task)
    assert closed["lane"] == "candidate" and closed["api_calls"] == 2, "counting is not a call"
    assert closed["tokens"] == TWO_CALLS


def test_model_lists_answer_under_the_task_prefix_and_anthropic_counting_is_passed_through(
    make_rig: MakeRig,
) -> None:
    with make_rig() as rig:
        listed = httpx.get(rig.root + "/tasks/t-list/v1/models", timeout=30)
        assert CAND_MODEL in {entry["id"] for entry in listed.json()["data"]}
        body = {"model": "m", "messages": [{"role": "user", "content": "Fix the median."}]}
        counted = rig.post("/tasks/t-count/v1/messages/count_tokens", body)
        assert counted.status_code == 200 and counted.json()["input_tokens"] > 0


def test_a_gemini_stream_with_crlf_separators_is_metered_and_complete() -> None:
    meter = StreamMeter("gemini")
    usage = b'"usageMetadata":{"promptTokenCount":900,"candidatesTokenCount":150,'
    usage += b'"cachedContentTokenCount":100,"totalTokenCount":1050}'
    events = [
        b'data: {"candidates":[{"content":{"parts":[{"text":"Do"}]}}]}\r\n\r\n',
        b'data: {"candidates":[{"content":{"parts":[{"text":"ne."}]},"finishReason":"STOP"}],'
        + usage
        + b"}\r\n\r\n",
    ]
    stream = b"".join(events)
    forwarded = b"".join(meter.feed(stream[i : i + 7]) for i in range(0, len(stream), 7))
    assert forwarded.count(b"\n\n") == 2 and b"\r" not in forwarded
    assert meter.complete and meter.usage is not None
    assert (meter.usage.input, meter.usage.output, meter.usage.cache_read) == (800, 150, 100)
