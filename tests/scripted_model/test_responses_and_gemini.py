"""The Responses and Gemini APIs of the scripted model, seen through the official SDKs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest
import yaml
from google import genai
from google.genai import types as genai_types

from agent_evals.scripted_model import create_app, parse_script, serve_app_in_thread

MODEL = "gpt-5.4-coder-2026-10-01"
TASK = "fix-median-even"
COMMAND = {"cmd": "python -m unittest -q"}
SCRIPT = parse_script(
    yaml.safe_load(
        f"""
models:
  "*":
    tasks:
      {TASK}:
        - content: Running the tests.
          toolCalls: [{{name: exec_command, arguments: {json.dumps(COMMAND)}}}]
          usage: {{prompt_tokens: 1200, completion_tokens: 300, cached_tokens: 200}}
        - content: The median is fixed.
          usage: {{prompt_tokens: 1500, completion_tokens: 40}}
      busy: [{{status: 429}}]
"""
    )
)
HEADERS = {"X-Agent-Task-Id": TASK}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_app_in_thread(create_app(SCRIPT)) as url:
        yield url


@pytest.fixture
def oai(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url, api_key="sk-test", max_retries=0) as client:
        yield client


@pytest.fixture
def gemini(base_url: str) -> Iterator[genai.Client]:
    options = genai_types.HttpOptions(base_url=base_url.removesuffix("/v1"), headers=HEADERS)
    client = genai.Client(api_key="test-key", http_options=options)
    yield client
    client.close()


def test_responses_answer_has_a_function_call_and_cached_usage(oai: openai.OpenAI) -> None:
    response = oai.responses.create(model=MODEL, input="Fix the median.", extra_headers=HEADERS)
    message, call = response.output
    assert message.type == "message" and response.output_text == "Running the tests."
    assert call.type == "function_call" and call.name == "exec_command"
    assert json.loads(call.arguments) == COMMAND
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (1200, 300)
    assert response.usage.input_tokens_details.cached_tokens == 200
    assert response.usage.total_tokens == 1500


def test_responses_stream_ends_with_the_completed_response_and_usage(oai: openai.OpenAI) -> None:
    events = list(
        oai.responses.create(
            model=MODEL, input="Fix the median.", extra_headers=HEADERS, stream=True
        )
    )
    kinds = [e.type for e in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    assert "response.function_call_arguments.done" in kinds
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == "Running the tests."
    completed = events[-1].response  # type: ignore[union-attr]
    assert completed.usage is not None and completed.usage.input_tokens == 1200
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_a_function_call_output_moves_the_responses_script_on(oai: openai.OpenAI) -> None:
    first = oai.responses.create(model=MODEL, input="Fix the median.", extra_headers=HEADERS)
    call = first.output[1]
    assert call.type == "function_call"
    history: list[Any] = [
        {"role": "developer", "content": "You are a coding agent."},
        {"role": "user", "content": "Fix the median."},
        *[item.model_dump(exclude_none=True) for item in first.output],
        {"type": "function_call_output", "call_id": call.call_id, "output": "OK"},
    ]
    second = oai.responses.create(model=MODEL, input=history, extra_headers=HEADERS)
    assert second.output_text == "The median is fixed."


def test_gemini_generate_content_reads_a_function_call_and_usage(gemini: genai.Client) -> None:
    answer = gemini.models.generate_content(model="gemini-3-pro", contents="Fix the median.")
    assert answer.text == "Running the tests."
    assert answer.function_calls and answer.function_calls[0].name == "exec_command"
    assert answer.function_calls[0].args == COMMAND
    usage = answer.usage_metadata
    assert usage is not None
    assert (usage.prompt_token_count, usage.candidates_token_count) == (1200, 300)
    assert usage.cached_content_token_count == 200 and usage.total_token_count == 1500


def test_gemini_stream_finishes_with_usage_metadata(gemini: genai.Client) -> None:
    chunks = list(
        gemini.models.generate_content_stream(model="gemini-3-pro", contents="Fix the median.")
    )
    assert "".join(c.text or "" for c in chunks) == "Running the tests."
    assert chunks[-1].function_calls and chunks[-1].function_calls[0].name == "exec_command"
    last = chunks[-1].usage_metadata
    assert last is not None and last.prompt_token_count == 1200


def test_a_gemini_function_response_moves_the_script_on(gemini: genai.Client) -> None:
    call = genai_types.Part.from_function_call(name="exec_command", args=COMMAND)
    result = genai_types.Part.from_function_response(name="exec_command", response={"out": "OK"})
    contents = [
        genai_types.Content(role="user", parts=[genai_types.Part.from_text(text="Context.")]),
        genai_types.Content(role="model", parts=[genai_types.Part.from_text(text="Got it.")]),
        genai_types.Content(role="user", parts=[genai_types.Part.from_text(text="Fix it.")]),
        genai_types.Content(role="model", parts=[call]),
        genai_types.Content(role="user", parts=[result]),
    ]
    answer = gemini.models.generate_content(model="gemini-3-pro", contents=contents)
    assert answer.text == "The median is fixed."


def test_gemini_counts_tokens_from_the_prompt_text(gemini: genai.Client) -> None:
    counted = gemini.models.count_tokens(model="gemini-3-pro", contents="x" * 400)
    assert counted.total_tokens == 100


def test_gemini_scripted_failure_is_a_google_error(base_url: str) -> None:
    url = base_url.removesuffix("/v1") + "/v1beta/models/gemini-3-pro:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    answer = httpx.post(url, json=body, headers={"X-Agent-Task-Id": "busy"})
    assert answer.status_code == 429
    assert answer.json()["error"]["status"] == "RESOURCE_EXHAUSTED"


def test_an_unknown_gemini_method_is_a_404_naming_the_methods(base_url: str) -> None:
    url = base_url.removesuffix("/v1") + "/v1beta/models/gemini-3-pro:embedContent"
    answer = httpx.post(url, json={"contents": []})
    assert answer.status_code == 404
    assert (
        "countTokens, generateContent, streamGenerateContent" in answer.json()["error"]["message"]
    )


def test_anthropic_count_tokens_counts_the_prompt_text(base_url: str) -> None:
    root = base_url.removesuffix("/v1")
    with anthropic.Anthropic(base_url=root, api_key="sk-test", max_retries=0) as client:
        counted = client.messages.count_tokens(
            model=MODEL, messages=[{"role": "user", "content": "y" * 40}], system="z" * 40
        )
    assert counted.input_tokens == 20


def test_every_endpoint_also_answers_under_a_task_prefix(base_url: str) -> None:
    root = base_url.removesuffix("/v1")
    with openai.OpenAI(base_url=f"{root}/tasks/{TASK}/v1", api_key="k", max_retries=0) as client:
        assert client.responses.create(model=MODEL, input="Fix.").output_text == (
            "Running the tests."
        )
        assert client.models.list().data == []
    count = httpx.post(
        f"{root}/tasks/{TASK}/v1/messages/count_tokens",
        json={"model": MODEL, "messages": [{"role": "user", "content": "abcd"}]},
    )
    assert count.json() == {"input_tokens": 1}
