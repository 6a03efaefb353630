"""The request path: route, send upstream (falling back when the candidate fails), meter.

Kept lean on purpose: raw ASGI, one JSON parse and dump of the request, bytes streamed
through as whole events, usage read from the answer or its final event, and bookkeeping
in memory (the batch writer stores it later).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from time import perf_counter
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.types import Receive, Scope, Send

from agent_evals.config.pricing import cost_of
from agent_evals.gateway.lanes import LaneTarget
from agent_evals.gateway.ledger import Ledger, LiveRun
from agent_evals.gateway.limits import CLOSE
from agent_evals.gateway.metrics import GatewayMetrics
from agent_evals.gateway.routing import Routing, TaskTag
from agent_evals.gateway.shadow import Shadow
from agent_evals.gateway.telemetry import ModelCall, RequestSpans
from agent_evals.gateway.upstream import Reply, StreamBroken, Upstream, UpstreamFailure
from agent_evals.gateway.wire import (
    CLIENT_AUTH,
    ErrorEvent,
    RawHeaders,
    StreamMeter,
    WireName,
    body_usage,
    upstream_headers,
    upstream_url,
)
from agent_evals.records import TokenUsage
from agent_evals.rollout import RouteDecision
from agent_evals.types import Lane

log = logging.getLogger("agent_evals.gateway")
# Each lane's first upstream try of a request it was routed: (lane, ok, failure).
UpstreamResult = Callable[[Lane, bool, str], Awaitable[None]]

_FORWARDED = frozenset(
    {b"accept", b"anthropic-version", b"anthropic-beta", b"openai-beta", b"x-agent-task-id"}
)
_TAGS = {
    b"x-agent-task-id": "task_id",
    b"x-agent-task-risk": "risk",
    b"x-agent-task-slice": "slice",
    b"x-agent-task-opt": "opt",
}
_META_TAGS = {"agent_task_id": "task_id", "agent_task_risk": "risk", "agent_task_slice": "slice"}


class BodyTooLarge(Exception):
    """The request body is over the configured limit."""


class ClientGone(Exception):
    """The client disconnected before its request was read."""


@dataclass(frozen=True, slots=True)
class Whole:
    """An answer read to its end."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass
class Attempt:
    """One request's way through the gateway."""

    decision: RouteDecision
    run: LiveRun | None
    started: float
    upstream_s: float = 0.0
    served: Lane = "incumbent"
    fell_back: bool = False


class Proxy:
    """One model endpoint (``/v1/chat/completions``, ``/v1/messages``, ``/v1/responses``, ...).

    ``streams`` fixes whether answers stream (Gemini says so by its method), else the body's
    ``stream`` does; an endpoint that is not ``metered`` (token counting) is passed through
    without being counted as a model call of its task.
    """

    def __init__(
        self,
        *,
        wire: WireName,
        path: str,
        targets: Mapping[Lane, LaneTarget],
        routing: Routing,
        ledger: Ledger,
        metrics: GatewayMetrics,
        upstream: Upstream,
        body_limit: int,
        upstream_result: UpstreamResult,
        shadow: Shadow | None = None,
        fallback: bool = True,
        streams: bool | None = None,
        metered: bool = True,
        spans: RequestSpans | None = None,
    ) -> None:
        self.wire: WireName = wire
        self.path = path
        self.targets = targets
        self.routing = routing
        self.ledger = ledger
        self.metrics = metrics
        self.upstream = upstream
        self.body_limit = body_limit
        self.upstream_result = upstream_result
        self.shadow = shadow
        self.fallback = fallback
        self.streams = streams
        self.metered = metered
        self.spans = spans
        self.errors = ErrorEvent(wire)
        self._urls = {lane: upstream_url(wire, t, path) for lane, t in targets.items()}

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, path_task: str | None = None
    ) -> None:
        """Answer one request."""
        started = perf_counter()
        try:
            tags, forwarded, body = await self._read(scope, receive)
        except BodyTooLarge:
            await self._refuse(send, 413, f"request body over {self.body_limit} bytes")
            return
        except ClientGone:
            return
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            await self._refuse(send, 400, f"request body is not JSON: {exc}")
            return
        if not isinstance(document, dict):
            await self._refuse(send, 400, "request body must be a JSON object")
            return
        tag = _task_tag(tags, document, path_task)
        decision, run = self.routing.route(tag)
        attempt = Attempt(decision, run, started)
        await self._serve(attempt, document, forwarded, send)

    async def _read(
        self, scope: Scope, receive: Receive
    ) -> tuple[dict[str, str], RawHeaders, bytes]:
        tags: dict[str, str] = {}
        forwarded = []
        for name, value in scope["headers"]:
            if name in _TAGS:
                tags[_TAGS[name]] = value.decode("latin-1")
            if name in _FORWARDED or name in CLIENT_AUTH:
                forwarded.append((name, value))
            elif name == b"content-length" and int(value) > self.body_limit:
                raise BodyTooLarge
        return tags, forwarded, await self._body(receive)

    async def _body(self, receive: Receive) -> bytes:
        message = await receive()
        body: bytes = message.get("body", b"")
        if not message.get("more_body"):
            if message["type"] == "http.disconnect":
                raise ClientGone
            return body
        parts, size = [body], len(body)
        while message.get("more_body"):
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.body_limit:
                raise BodyTooLarge
            parts.append(chunk)
        return b"".join(parts)

    async def _serve(
        self,
        attempt: Attempt,
        document: dict[str, Any],
        forwarded: RawHeaders,
        send: Send,
    ) -> None:
        stream = document.get("stream") is True if self.streams is None else self.streams
        strip_usage = False
        if stream and self.wire == "openai":
            options = document.get("stream_options")
            if not (isinstance(options, dict) and options.get("include_usage") is True):
                strip_usage = True
                document["stream_options"] = {**(options or {}), "include_usage": True}
        reply = await self._send_upstream(attempt, document, forwarded, stream)
        if reply is None:
            await self._unreachable(attempt, send)
        elif isinstance(reply, Whole):
            await self._answer_whole(attempt, reply, send)
        else:
            await self._answer_stream(attempt, reply, strip_usage, send)
        if attempt.decision.shadow and self.shadow is not None and attempt.run is not None:
            self.shadow.launch(self.path, document, forwarded, attempt.run)

    async def _send_upstream(
        self,
        attempt: Attempt,
        document: dict[str, Any],
        forwarded: RawHeaders,
        stream: bool,
    ) -> Reply | Whole | None:
        """The first usable answer; a failing candidate is retried on the incumbent."""
        lane = attempt.decision.lane
        while True:
            target = self.targets[lane]
            if self.wire != "gemini":
                document["model"] = target.model
            headers = upstream_headers(self.wire, target, forwarded)
            sent = perf_counter()
            failure, reply = await self._try(lane, document, headers, stream)
            attempt.upstream_s += perf_counter() - sent
            attempt.served = lane
            if lane == attempt.decision.lane:
                await self.upstream_result(lane, failure is None, failure or "")
            if failure is None or lane == "incumbent" or not self.fallback:
                return reply
            self.metrics.fallbacks += 1
            attempt.fell_back = True
            log.warning(
                "candidate failed before its first byte (%s); retrying on incumbent", failure
            )
            lane = "incumbent"

    async def _try(
        self, lane: Lane, document: dict[str, Any], headers: dict[str, str], stream: bool
    ) -> tuple[str | None, Reply | Whole | None]:
        """Send once; returns (failure, answer), where a failure is a reason to fall back."""
        errors = self.metrics.lanes[lane].errors
        try:
            reply = await self.upstream.post(self._urls[lane], orjson.dumps(document), headers)
        except UpstreamFailure as exc:
            errors[exc.kind] += 1
            return f"{exc.kind}: {exc}", None
        status = reply.status
        if stream and 200 <= status < 300:
            return None, reply
        try:
            whole = Whole(status, reply.headers, await reply.read())
        except UpstreamFailure as exc:
            errors[exc.kind] += 1
            return f"{exc.kind}: {exc}", None
        finally:
            reply.close()
        if status >= 500 or status == 429:
            errors[f"http_{status}"] += 1
            return f"HTTP {status}", whole
        return None, whole

    async def _answer_whole(self, attempt: Attempt, whole: Whole, send: Send) -> None:
        ok = 200 <= whole.status < 300
        usage = body_usage(self.wire, whole.body) if ok else None
        content_type = whole.headers.get("content-type", "application/json")
        length = ((b"content-length", str(len(whole.body)).encode()),)
        await self._start(attempt, send, whole.status, content_type, whole.headers, length)
        # Recorded before the body goes out: a client that posts its outcome as soon as it has
        # the answer must find this request's usage in the ledger.
        self._account(attempt, whole.status, usage, ok, None)
        await send({"type": "http.response.body", "body": whole.body})

    async def _answer_stream(
        self, attempt: Attempt, reply: Reply, strip_usage: bool, send: Send
    ) -> None:
        meter = StreamMeter(self.wire, strip_usage=strip_usage)
        content_type = reply.headers.get("content-type", "text/event-stream")
        await self._start(attempt, send, reply.status, content_type, reply.headers)
        opened = perf_counter()
        first: float | None = None
        failure = None
        tail: bytes | None = None
        try:
            async for chunk in reply.chunks():
                if first is None:
                    first = perf_counter()
                out = meter.feed(chunk)
                if out:
                    await send({"type": "http.response.body", "body": out, "more_body": True})
            tail = meter.finish()
            if not meter.complete:
                raise StreamBroken("the answer ended before its final event")
        except StreamBroken as exc:
            failure = f"upstream stream broke off: {exc}"
            self.metrics.lanes[attempt.served].errors["stream_broken"] += 1
            tail = self.errors.event(failure)
        except OSError:
            failure, tail = "client went away mid-stream", None
        finally:
            reply.close()
        attempt.upstream_s += perf_counter() - opened
        ttft = None if first is None else first - opened
        # Recorded before the stream ends, for the same reason as in _answer_whole.
        self._account(attempt, reply.status, meter.usage, failure is None, ttft)
        if tail is not None:
            with contextlib.suppress(OSError):
                await send({"type": "http.response.body", "body": tail})

    async def _unreachable(self, attempt: Attempt, send: Send) -> None:
        message = f"the {attempt.served} upstream could not be reached; see the gateway log"
        body = self.errors.body(502, message, "upstream_unreachable")
        await self._start(attempt, send, 502, "application/json", {})
        await send({"type": "http.response.body", "body": body})
        self._account(attempt, 502, None, False, None)

    async def _start(
        self,
        attempt: Attempt,
        send: Send,
        status: int,
        content_type: str,
        extra: Mapping[str, str],
        length: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        overhead = perf_counter() - attempt.started - attempt.upstream_s
        self.metrics.overhead.observe(overhead)
        headers = [
            *length,
            (b"content-type", content_type.encode()),
            (b"x-agent-evals-lane", attempt.served.encode()),
            (b"x-agent-evals-model", self.targets[attempt.served].model.encode()),
            (b"x-agent-evals-overhead-ms", f"{overhead * 1000:.3f}".encode()),
        ]
        if attempt.fell_back:
            headers.append((b"x-agent-evals-fallback", b"candidate failed; served by incumbent"))
        headers += [(k.encode(), v.encode()) for k, v in extra.items() if k != "content-type"]
        await send({"type": "http.response.start", "status": status, "headers": headers})

    def _account(
        self,
        attempt: Attempt,
        status: int,
        usage: TokenUsage | None,
        ok: bool,
        ttft: float | None,
    ) -> None:
        served = attempt.served
        stats = self.metrics.lanes[served]
        stats.responses[status] += 1
        stats.latency.observe(attempt.upstream_s)
        if ttft is not None:
            stats.ttft.observe(ttft)
        if ok:
            price = self.ledger.prices.get(served)
            stats.add_usage(usage, None if usage is None else cost_of(usage, price))
        if self.spans is not None:
            self._trace(self.spans, attempt, status, usage, ok, streamed=ttft is not None)
        if attempt.run is not None and self.metered:
            self.ledger.add(
                attempt.run,
                usage if ok else None,
                served=served,
                seconds=attempt.upstream_s,
                ttft=ttft,
                ok=ok,
                fell_back=attempt.fell_back,
            )

    def _trace(
        self,
        spans: RequestSpans,
        attempt: Attempt,
        status: int,
        usage: TokenUsage | None,
        ok: bool,
        *,
        streamed: bool,
    ) -> None:
        served = attempt.served
        spans.record(
            ModelCall(
                wire=self.wire,
                release=self.ledger.release,
                task_id=None if attempt.run is None else attempt.run.task_id,
                lane=served,
                model=self.targets[served].model,
                status=status,
                ok=ok,
                usage=usage if ok else None,
                seconds=attempt.upstream_s,
                fell_back=attempt.fell_back,
                streamed=streamed,
                server=urlsplit(self._urls[served]).hostname or "",
            )
        )

    async def _refuse(self, send: Send, status: int, message: str) -> None:
        self.metrics.rejected[status] += 1
        kind = "request_too_large" if status == 413 else "invalid_request_error"
        body = self.errors.body(status, message, kind)
        headers = [(b"content-type", b"application/json")]
        if status == 413:
            # The rest of the upload is not wanted: the server closes instead of reading it.
            headers.append(CLOSE)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _task_tag(tags: dict[str, str], document: dict[str, Any], path_task: str | None) -> TaskTag:
    """Tags from the path, the ``X-Agent-Task-*`` headers, then ``metadata.agent_task_*``."""
    metadata = document.get("metadata")
    if isinstance(metadata, dict) and any(key in metadata for key in _META_TAGS):
        for key, name in _META_TAGS.items():
            value = metadata.pop(key, None)
            if isinstance(value, str) and name not in tags:
                tags[name] = value
        if not metadata:
            del document["metadata"]
    if path_task is not None:
        tags["task_id"] = path_task
    opt = tags.get("opt")
    return TaskTag(
        task_id=tags.get("task_id") or None,
        risk=tags.get("risk"),
        slice=tags.get("slice") or None,
        opt="in" if opt == "in" else "out" if opt == "out" else None,
    )
