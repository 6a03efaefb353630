"""The ASGI app: OpenAI Chat Completions and Anthropic Messages endpoints, answered by script."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from agent_evals.scripted_model import anthropic_wire, openai_wire
from agent_evals.scripted_model.script import Script, Turn
from agent_evals.scripted_model.sse import dumps

TASK_HEADER = "x-agent-task-id"
REQUEST_LOG_SIZE = 256
# Keys that carry structure, not text the model reads; left out of derived prompt tokens.
_STRUCTURAL_KEYS = frozenset(
    {"role", "type", "id", "tool_call_id", "tool_use_id", "cache_control", "media_type"}
)

ErrorBody = Callable[[int, str], dict[str, Any]]


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the scripted model answered, kept for inspection by tests."""

    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]

    @property
    def task_id(self) -> str | None:
        """The ``X-Agent-Task-Id`` header, when sent."""
        return self.headers.get(TASK_HEADER)


class ScriptedModel:
    """Answers model requests from a pre-indexed script; remembers the latest requests."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script()
        self.requests: deque[ReceivedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        self._serial = itertools.count(1)
        self._models_body = dumps(_models_list(self.script.models))

    async def chat_completions(self, request: Request) -> Response:
        """``POST /v1/chat/completions``, plain or streamed."""
        prepared = await self._prepare(request, openai_wire.error_body)
        if isinstance(prepared, Response):
            return prepared
        body, turn = prepared
        usage = self.script.usage_for(turn, text_chars(body["messages"]))
        model, serial, created = body["model"], next(self._serial), int(time.time())
        if body.get("stream"):
            options = body.get("stream_options") or {}
            include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
            events = openai_wire.completion_events(
                turn,
                usage,
                model=model,
                serial=serial,
                created=created,
                include_usage=include_usage,
            )
            return EventStream(events, turn.cut_after_chunks)
        body = openai_wire.completion_body(turn, usage, model=model, serial=serial, created=created)
        return _json(body)

    async def messages(self, request: Request) -> Response:
        """``POST /v1/messages`` (Anthropic), plain or streamed."""
        prepared = await self._prepare(request, anthropic_wire.error_body)
        if isinstance(prepared, Response):
            return prepared
        body, turn = prepared
        prompt_chars = text_chars(body["messages"]) + text_chars(body.get("system"))
        usage = self.script.usage_for(turn, prompt_chars)
        model, serial = body["model"], next(self._serial)
        if body.get("stream"):
            events = anthropic_wire.message_events(turn, usage, model=model, serial=serial)
            return EventStream(events, turn.cut_after_chunks)
        return _json(anthropic_wire.message_body(turn, usage, model=model, serial=serial))

    async def list_models(self, request: Request) -> Response:
        """``GET /v1/models``: the models the script names, readable by both SDKs."""
        return Response(self._models_body, media_type="application/json")

    async def _prepare(
        self, request: Request, error_body: ErrorBody
    ) -> tuple[dict[str, Any], Turn] | Response:
        try:
            body = json.loads(await request.body())
        except ValueError as exc:
            return _json(error_body(400, f"request body is not JSON: {exc}"), 400)
        problem = _request_problem(body)
        if problem:
            return _json(error_body(400, problem), 400)
        headers = dict(request.headers)
        self.requests.append(ReceivedRequest(request.url.path, headers, body))
        turn = self.script.turn(body["model"], headers.get(TASK_HEADER), _turn_index(body))
        if turn.delay_ms:
            await asyncio.sleep(turn.delay_ms / 1000)
        if turn.status is not None:
            message = f"scripted failure: HTTP {turn.status}"
            return _json(error_body(turn.status, message), turn.status)
        return body, turn


class EventStream(Response):
    """A server-sent event stream; with ``cut_after`` it stops after that many events,
    leaving the response unfinished so the server drops the connection mid-stream."""

    media_type = "text/event-stream"

    def __init__(self, events: Sequence[bytes], cut_after: int | None = None) -> None:
        self.status_code = 200
        self.background = None
        self.events = events
        self.cut_after = cut_after
        self.init_headers({"cache-control": "no-cache"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the events one body chunk each."""
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        events = self.events if self.cut_after is None else self.events[: self.cut_after]
        for event in events:
            await send({"type": "http.response.body", "body": event, "more_body": True})
        if self.cut_after is None:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def create_app(script: Script | None = None) -> Starlette:
    """The scripted model as a Starlette app; ``app.state.scripted_model`` is its ScriptedModel."""
    model = ScriptedModel(script)
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", model.chat_completions, methods=["POST"]),
            Route("/v1/messages", model.messages, methods=["POST"]),
            Route("/v1/models", model.list_models, methods=["GET"]),
        ]
    )
    app.state.scripted_model = model
    return app


def received_requests(app: Starlette) -> list[ReceivedRequest]:
    """The latest requests an app made by ``create_app`` answered, oldest first."""
    model: ScriptedModel = app.state.scripted_model
    return list(model.requests)


def text_chars(value: Any) -> int:
    """Characters of text in a message structure (strings under non-structural keys)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return sum(text_chars(item) for item in value)
    if isinstance(value, dict):
        return sum(text_chars(v) for k, v in value.items() if k not in _STRUCTURAL_KEYS)
    return 0


def _turn_index(body: Mapping[str, Any]) -> int:
    return sum(1 for m in body["messages"] if isinstance(m, dict) and m.get("role") == "assistant")


def _request_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "request body must be a JSON object"
    if not isinstance(body.get("model"), str):
        return "'model' is required and must be a string"
    if not isinstance(body.get("messages"), list):
        return "'messages' is required and must be a list"
    return None


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
