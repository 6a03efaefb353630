"""The scripted model seen through the official OpenAI and Anthropic SDKs and raw HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest
import yaml

from agent_evals.scripted_model import (
    DONE_REPLY,
    create_app,
    parse_script,
    received_requests,
    serve_app_in_thread,
)

MODEL = "gpt-5.4-coder-2026-10-01"
TASK = "fix-median-even"
WRITE = {"path": "stats/core.py", "content": "def median(xs):\n    return 0\n"}
SCRIPT = parse_script(
    yaml.safe_load(
        f"""
models:
  {MODEL}:
    tasks:
      {TASK}:
        - content: I will fix the median.
          toolCalls: [{{name: write_file, arguments: {json.dumps(WRITE)}}}]
          usage: {{prompt_tokens: 1200, completion_tokens: 300, cached_tokens: 200}}
        - content: Second turn.
          usage: {{prompt_tokens: 7, completion_tokens: 3}}
      fails: [{{status: 500}}, {{status: 429}}]
      cut: [{{content: one two three four five six, cutAfterChunks: 2}}]
"""
    )
)
HEADERS = {"X-Agent-Task-Id": TASK}
USER = {"role": "user", "content": "The median is wrong."}


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(SCRIPT)


@pytest.fixture(scope="module")
def base_url(app: Any) -> Iterator[str]:
    with serve_app_in_thread(app) as url:
        yield url


@pytest.fixture
def oai(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url, api_key="sk-test", max_retries=0) as client:
        yield client


@pytest.fixture
def claude(base_url: str) -> Iterator[anthropic.Anthropic]:
    root = base_url.removesuffix("/v1")
    with anthropic.Anthropic(base_url=root, api_key="sk-test", max_retries=0) as client:
        yield client


def test_openai_answer_carries_tool_calls_and_usage(oai: openai.OpenAI) -> None:
    answer = oai.chat.completions.create(model=MODEL, messages=[USER], extra_headers=HEADERS)
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "I will fix the median."
    call = choice.message.tool_calls[0]  # type: ignore[index]
    assert call.type == "function"
    assert call.function.name == "write_file"
    assert json.loads(call.function.arguments) == WRITE
    assert answer.usage is not None
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (1200, 300)
    assert answer.usage.total_tokens == 1500
    assert answer.usage.prompt_tokens_details.cached_tokens == 200  # type: ignore[union-attr]


def test_turn_is_the_number_of_assistant_messages(oai: openai.OpenAI) -> None:
    history = [USER, {"role": "assistant", "content": "I will fix the median."}]
    answer = oai.chat.completions.create(model=MODEL, messages=history, extra_headers=HEADERS)
    assert answer.choices[0].message.content == "Second turn."
    assert answer.choices[0].finish_reason == "stop"
    history += [{"role": "assistant", "content": "Second turn."}]
    answer = oai.chat.completions.create(model=MODEL, messages=history, extra_headers=HEADERS)
    assert answer.choices[0].message.content == DONE_REPLY


def test_openai_stream_puts_usage_in_a_final_chunk_when_asked(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model=MODEL,
        messages=[USER],
        extra_headers=HEADERS,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    arguments = "".join(
        call.function.arguments or ""
        for c in chunks
        if c.choices
        for call in c.choices[0].delta.tool_calls or []
        if call.function
    )
    assert text == "I will fix the median."
    assert json.loads(arguments) == WRITE
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 1500
    assert all(c.usage is None for c in chunks[:-1])


def test_openai_stream_has_no_usage_unless_asked(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model=MODEL, messages=[USER], extra_headers=HEADERS, stream=True
    )
    chunks = list(stream)
    assert all(c.choices and c.usage is None for c in chunks)


def test_openai_stream_helper_accumulates_the_answer(oai: openai.OpenAI) -> None:
    with oai.chat.completions.stream(
        model=MODEL,
        messages=[USER],
        extra_headers=HEADERS,
        stream_options={"include_usage": True},
    ) as stream:
        final = stream.get_final_completion()
    message = final.choices[0].message
    assert message.tool_calls and message.tool_calls[0].function.name == "write_file"
    assert final.usage is not None and final.usage.completion_tokens == 300


def test_anthropic_answer_has_tool_use_blocks_and_split_cache_usage(
    claude: anthropic.Anthropic,
) -> None:
    message = claude.messages.create(
        model=MODEL, max_tokens=1000, messages=[USER], extra_headers=HEADERS
    )
    assert message.stop_reason == "tool_use"
    text, tool = message.content
    assert text.type == "text" and text.text == "I will fix the median."
    assert tool.type == "tool_use" and tool.name == "write_file" and tool.input == WRITE
    assert message.usage.input_tokens == 1000
    assert message.usage.cache_read_input_tokens == 200
    assert message.usage.output_tokens == 300


def test_anthropic_stream_builds_the_same_message(claude: anthropic.Anthropic) -> None:
    with claude.messages.stream(
        model=MODEL, max_tokens=1000, messages=[USER], extra_headers=HEADERS
    ) as stream:
        message = stream.get_final_message()
    assert message.stop_reason == "tool_use"
    assert message.content[0].type == "text"
    assert message.content[0].text == "I will fix the median."
    assert message.content[1].type == "tool_use" and message.content[1].input == WRITE
    assert (message.usage.input_tokens, message.usage.output_tokens) == (1000, 300)
    assert message.usage.cache_read_input_tokens == 200


def test_anthropic_stream_events_come_in_protocol_order(base_url: str) -> None:
    body = {"model": MODEL, "max_tokens": 10, "messages": [USER], "stream": True}
    url = base_url + "/messages"
    with httpx.stream("POST", url, json=body, headers=HEADERS) as response:
        names = [line[7:] for line in response.iter_lines() if line.startswith("event: ")]
    assert names[0] == "message_start"
    assert names[1] == "content_block_start"
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert names.count("content_block_start") == 2


def test_anthropic_system_prompt_counts_toward_derived_usage(
    claude: anthropic.Anthropic,
) -> None:
    plain = claude.messages.create(model="unscripted", max_tokens=10, messages=[USER])
    with_system = claude.messages.create(
        model="unscripted", max_tokens=10, system="x" * 400, messages=[USER]
    )
    assert with_system.usage.input_tokens == plain.usage.input_tokens + 100


def test_unscripted_model_answers_done_with_deterministic_usage(oai: openai.OpenAI) -> None:
    first = oai.chat.completions.create(model="unscripted", messages=[USER])
    again = oai.chat.completions.create(model="unscripted", messages=[USER])
    longer = oai.chat.completions.create(
        model="unscripted", messages=[{"role": "user", "content": "x" * 4000}]
    )
    assert first.choices[0].message.content == DONE_REPLY
    assert first.usage == again.usage
    assert first.usage is not None and longer.usage is not None
    assert first.usage.prompt_tokens == 5  # 20 characters
    assert longer.usage.prompt_tokens == 1000


def test_task_header_selects_the_task(oai: openai.OpenAI) -> None:
    answer = oai.chat.completions.create(model=MODEL, messages=[USER])
    assert answer.choices[0].message.content == DONE_REPLY


@pytest.mark.parametrize(("turns", "status"), [(0, 500), (1, 429)])
def test_scripted_failure_status_reaches_the_openai_client(
    oai: openai.OpenAI, turns: int, status: int
) -> None:
    history = [USER] + [{"role": "assistant", "content": "x"}] * turns
    with pytest.raises(openai.APIStatusError) as caught:
        oai.chat.completions.create(
            model=MODEL, messages=history, extra_headers={"X-Agent-Task-Id": "fails"}
        )
    assert caught.value.status_code == status


def test_scripted_failure_is_an_anthropic_error_document(claude: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.InternalServerError) as caught:
        claude.messages.create(
            model=MODEL, max_tokens=10, messages=[USER], extra_headers={"X-Agent-Task-Id": "fails"}
        )
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "api_error", "message": "scripted failure: HTTP 500"},
    }


def test_cut_stream_ends_after_the_scripted_chunks(base_url: str) -> None:
    body = {"model": MODEL, "messages": [USER], "stream": True}
    received: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream(
            "POST", base_url + "/chat/completions", json=body, headers={"X-Agent-Task-Id": "cut"}
        ) as response,
    ):
        received.extend(line for line in response.iter_lines() if line.startswith("data: "))
    assert len(received) == 2
    assert "data: [DONE]" not in received


def test_cut_stream_is_a_connection_error_for_the_sdk(oai: openai.OpenAI) -> None:
    stream = oai.chat.completions.create(
        model=MODEL, messages=[USER], extra_headers={"X-Agent-Task-Id": "cut"}, stream=True
    )
    with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)):
        list(stream)


def test_models_are_listed_for_both_sdks(oai: openai.OpenAI, claude: anthropic.Anthropic) -> None:
    assert [m.id for m in oai.models.list()] == [MODEL]
    assert [m.id for m in claude.models.list()] == [MODEL]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "request body is not JSON"),
        (b'{"messages": []}', "'model' is required"),
        (b'{"model": "m"}', "'messages' is required"),
    ],
)
def test_malformed_requests_get_a_400_naming_the_problem(
    base_url: str, content: bytes, problem: str
) -> None:
    response = httpx.post(base_url + "/chat/completions", content=content)
    assert response.status_code == 400
    assert problem in response.json()["error"]["message"]


def test_received_requests_keep_headers_and_body(app: Any, oai: openai.OpenAI) -> None:
    oai.chat.completions.create(model="recorded", messages=[USER], extra_headers=HEADERS)
    last = received_requests(app)[-1]
    assert last.path == "/v1/chat/completions"
    assert last.task_id == TASK
    assert last.headers["authorization"] == "Bearer sk-test"
    assert last.body["model"] == "recorded"
