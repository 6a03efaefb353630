"""The ASGI app: OpenAI (Chat Completions, Responses), Anthropic and Gemini endpoints, by script.

Every endpoint is also served under a task prefix, ``/tasks/<task id>/...``, for clients that
cannot send headers. The task is the prefix's, else the ``X-Agent-Task-Id`` header's, else
the first script task whose ``match`` text the prompt contains.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent_evals.scripted_model import anthropic_wire, gemini_wire, openai_wire, responses_wire
from agent_evals.scripted_model.conversation import (
    Conversation,
    anthropic_conversation,
    chat_conversation,
    gemini_conversation,
    replayed_turns,
    responses_conversation,
)
from agent_evals.scripted_model.script import CHARS_PER_TOKEN, Script, Turn, Usage
from agent_evals.scripted_model.sse import EventStream, dumps

TASK_HEADER = "x-agent-task-id"
TASK_PREFIX = "/tasks/"
REQUEST_LOG_SIZE = 256
GEMINI_METHODS = frozenset({"generateContent", "streamGenerateContent", "countTokens"})

ErrorBody = Callable[[int, str], dict[str, Any]]


@dataclass(frozen=True)
class _Wire:
    """How one API's requests are read and its errors written."""

    field: str
    read: Callable[[Mapping[str, Any]], Conversation]
    error_body: ErrorBody
    text_input: bool = False


_CHAT = _Wire("messages", chat_conversation, openai_wire.error_body)
_ANTHROPIC = _Wire("messages", anthropic_conversation, anthropic_wire.error_body)
_RESPONSES = _Wire("input", responses_conversation, openai_wire.error_body, text_input=True)
_GEMINI = _Wire("contents", gemini_conversation, gemini_wire.error_body)


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the scripted model answered, kept for inspection by tests."""

    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]

    @property
    def task_id(self) -> str | None:
        """The task the client named: its ``/tasks/<id>/`` prefix, else ``X-Agent-Task-Id``."""
        return _path_task(self.path) or self.headers.get(TASK_HEADER)


@dataclass(frozen=True)
class _Asked:
    """A valid model request and the scripted turn that answers it."""

    model: str
    turn: Turn
    usage: Usage
    serial: int
    stream: bool
    body: Mapping[str, Any]


class ScriptedModel:
    """Answers model requests from a pre-indexed script; remembers the latest requests."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script()
        self.requests: deque[ReceivedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        self._serial = itertools.count(1)
        self._models_body = dumps(_models_list(self.script.models))

    async def chat_completions(self, request: Request) -> Response:
        """``POST /v1/chat/completions``, plain or streamed."""
        asked = await self._ask(request, _CHAT)
        if isinstance(asked, Response):
            return asked
        turn, usage, model, serial = asked.turn, asked.usage, asked.model, asked.serial
        created = int(time.time())
        if asked.stream:
            options = asked.body.get("stream_options")
            include = isinstance(options, dict) and options.get("include_usage") is True
            events = openai_wire.completion_events(
                turn, usage, model=model, serial=serial, created=created, include_usage=include
            )
            return EventStream(events, turn.cut_after_chunks)
        body = openai_wire.completion_body(turn, usage, model=model, serial=serial, created=created)
        return _json(body)

    async def messages(self, request: Request) -> Response:
        """``POST /v1/messages`` (Anthropic), plain or streamed."""
        asked = await self._ask(request, _ANTHROPIC)
        if isinstance(asked, Response):
            return asked
        turn, usage, model, serial = asked.turn, asked.usage, asked.model, asked.serial
        if asked.stream:
            events = anthropic_wire.message_events(turn, usage, model=model, serial=serial)
            return EventStream(events, turn.cut_after_chunks)
        return _json(anthropic_wire.message_body(turn, usage, model=model, serial=serial))

    async def responses(self, request: Request) -> Response:
        """``POST /v1/responses`` (OpenAI Responses API), plain or streamed."""
        asked = await self._ask(request, _RESPONSES)
        if isinstance(asked, Response):
            return asked
        turn, usage, model, serial = asked.turn, asked.usage, asked.model, asked.serial
        created = int(time.time())
        if asked.stream:
            events = responses_wire.response_events(
                turn, usage, model=model, serial=serial, created=created
            )
            return EventStream(events, turn.cut_after_chunks)
        return _json(
            responses_wire.response_body(turn, usage, model=model, serial=serial, created=created)
        )

    async def gemini(self, request: Request) -> Response:
        """``POST /v1beta/models/<model>:<method>``: generate, stream (SSE) or count tokens."""
        name, _, method = request.path_params["target"].rpartition(":")
        if not name or method not in GEMINI_METHODS:
            allowed = ", ".join(sorted(GEMINI_METHODS))
            message = f"unknown method {method!r} for model {name!r}; use one of {allowed}"
            return _json(gemini_wire.error_body(404, message), 404)
        if method == "countTokens":
            return await self._count(request, _GEMINI, gemini_wire.count_body)
        asked = await self._ask(request, _GEMINI, name, stream=method != "generateContent")
        if isinstance(asked, Response):
            return asked
        turn, usage, model, serial = asked.turn, asked.usage, asked.model, asked.serial
        if asked.stream:
            events = gemini_wire.content_events(turn, usage, model=model, serial=serial)
            return EventStream(events, turn.cut_after_chunks)
        return _json(gemini_wire.content_body(turn, usage, model=model, serial=serial))

    async def count_tokens(self, request: Request) -> Response:
        """``POST /v1/messages/count_tokens`` (Anthropic): the derived prompt tokens."""
        return await self._count(request, _ANTHROPIC, lambda n: {"input_tokens": n})

    async def list_models(self, request: Request) -> Response:
        """``GET /v1/models``: the models the script names, readable by both SDKs."""
        return Response(self._models_body, media_type="application/json")

    async def _ask(
        self, request: Request, wire: _Wire, model: str | None = None, stream: bool = False
    ) -> _Asked | Response:
        body = await self._read(request, wire, need_model=model is None)
        if not isinstance(body, dict):
            return body
        model = model or body["model"]
        conversation = wire.read(body)
        task = self._task(request, model, conversation)
        turns = self.script.task_turns(model, task)
        turn = self.script.turn(model, task, replayed_turns(turns, conversation.said))
        if turn.delay_ms:
            await asyncio.sleep(turn.delay_ms / 1000)
        if turn.status is not None:
            message = f"scripted failure: HTTP {turn.status}"
            return _json(wire.error_body(turn.status, message), turn.status)
        usage = self.script.usage_for(turn, conversation.prompt_chars)
        stream = stream or body.get("stream") is True
        return _Asked(model, turn, usage, next(self._serial), stream, body)

    async def _count(
        self, request: Request, wire: _Wire, answer: Callable[[int], dict[str, Any]]
    ) -> Response:
        body = await self._read(request, wire, need_model=False)
        if not isinstance(body, dict):
            return body
        conversation = wire.read(body)
        return _json(answer(math.ceil(conversation.prompt_chars / CHARS_PER_TOKEN)))

    async def _read(
        self, request: Request, wire: _Wire, *, need_model: bool
    ) -> dict[str, Any] | Response:
        try:
            body = json.loads(await request.body())
        except ValueError as exc:
            return _json(wire.error_body(400, f"request body is not JSON: {exc}"), 400)
        if isinstance(body, dict) and isinstance(body.get("generateContentRequest"), dict):
            body = body["generateContentRequest"]  # countTokens may wrap the request
        problem = _request_problem(body, wire, need_model)
        if problem:
            return _json(wire.error_body(400, problem), 400)
        self.requests.append(ReceivedRequest(request.url.path, dict(request.headers), body))
        return body  # type: ignore[no-any-return]

    def _task(self, request: Request, model: str, conversation: Conversation) -> str | None:
        task = request.path_params.get("task_id") or request.headers.get(TASK_HEADER)
        if task or not self.script.matches:
            return task
        return self.script.matched_task(model, conversation.prompt_text)


def create_app(script: Script | None = None) -> Starlette:
    """The scripted model as a Starlette app; ``app.state.scripted_model`` is its ScriptedModel."""
    model = ScriptedModel(script)
    endpoints = [
        ("/v1/chat/completions", model.chat_completions, "POST"),
        ("/v1/responses", model.responses, "POST"),
        ("/v1/messages", model.messages, "POST"),
        ("/v1/messages/count_tokens", model.count_tokens, "POST"),
        ("/v1/models", model.list_models, "GET"),
        ("/v1beta/models/{target}", model.gemini, "POST"),
        ("/v1/models/{target}", model.gemini, "POST"),
    ]
    routes = [
        Route(prefix + path, handler, methods=[method])
        for prefix in ("", "/tasks/{task_id}")
        for path, handler, method in endpoints
    ]
    app = Starlette(routes=routes)
    app.state.scripted_model = model
    return app


def received_requests(app: Starlette) -> list[ReceivedRequest]:
    """The latest requests an app made by ``create_app`` answered, oldest first."""
    model: ScriptedModel = app.state.scripted_model
    return list(model.requests)


def _path_task(path: str) -> str | None:
    if not path.startswith(TASK_PREFIX):
        return None
    task = path[len(TASK_PREFIX) :].partition("/")[0]
    return unquote(task) or None


def _request_problem(body: Any, wire: _Wire, need_model: bool) -> str | None:
    if not isinstance(body, dict):
        return "request body must be a JSON object"
    if need_model and not isinstance(body.get("model"), str):
        return "'model' is required and must be a string"
    value = body.get(wire.field)
    if isinstance(value, list) or (wire.text_input and isinstance(value, str)):
        return None
    kind = "a string or a list" if wire.text_input else "a list"
    return f"'{wire.field}' is required and must be {kind}"


def _json(body: Any, status: int = 200) -> Response:
    return Response(dumps(body), status_code=status, media_type="application/json")


def _models_list(models: Sequence[str]) -> dict[str, Any]:
    entries = [
        {
            "id": name,
            "object": "model",
            "created": 0,
            "owned_by": "agent-evals",
            "type": "model",
            "display_name": name,
            "created_at": "1970-01-01T00:00:00Z",
        }
        for name in models
    ]
    first, last = (models[0], models[-1]) if models else (None, None)
    return {
        "object": "list",
        "data": entries,
        "has_more": False,
        "first_id": first,
        "last_id": last,
    }
