"""Per-request spans for teams that trace: OpenTelemetry, in the GenAI semantic conventions.

One CLIENT span per model call the gateway makes, named ``{gen_ai.operation.name}
{gen_ai.request.model}`` with the ``gen_ai.*`` attributes of the conventions
(https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/) and the release's own
``agent_evals.*`` attributes (task, lane, fallback). Export is configured the OpenTelemetry way,
by the standard environment variables (``OTEL_TRACES_EXPORTER``,
``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``, ...); with none of them set the gateway
makes no spans and pays nothing. The SDK is the optional extra ``otel``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from agent_evals.errors import ConfigError
from agent_evals.records import TokenUsage
from agent_evals.types import Lane

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

# Which variables switch tracing on: any of OpenTelemetry's own exporter settings.
TRACING_VARIABLES = (
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)
# The conventions' provider and operation names for each wire the gateway speaks.
_PROVIDERS = {
    "openai": "openai",
    "responses": "openai",
    "anthropic": "anthropic",
    "gemini": "gcp.gemini",
}
_OPERATIONS = {
    "openai": "chat",
    "responses": "chat",
    "anthropic": "chat",
    "gemini": "generate_content",
}


@dataclass(frozen=True, slots=True)
class ModelCall:
    """One metered model call, as the proxy saw it."""

    wire: str
    release: str
    task_id: str | None
    lane: Lane
    model: str
    status: int
    ok: bool
    usage: TokenUsage | None
    seconds: float
    fell_back: bool
    streamed: bool
    server: str


class RequestSpans(Protocol):
    """Where the proxy reports each model call (a tracer, or a list in tests)."""

    def record(self, call: ModelCall) -> None:
        """Report one finished call."""

    def close(self) -> None:
        """Flush what is buffered and stop."""


def attributes(call: ModelCall) -> dict[str, Any]:
    """The span attributes of one call: ``gen_ai.*`` first, then the release's own."""
    found: dict[str, Any] = {
        "gen_ai.operation.name": _OPERATIONS.get(call.wire, "chat"),
        "gen_ai.provider.name": _PROVIDERS.get(call.wire, call.wire),
        "gen_ai.request.model": call.model,
        "server.address": call.server,
        "http.response.status_code": call.status,
        "agent_evals.release": call.release,
        "agent_evals.lane": call.lane,
        "agent_evals.fallback": call.fell_back,
        "agent_evals.stream": call.streamed,
    }
    if call.task_id is not None:
        found["agent_evals.task_id"] = call.task_id
    if call.usage is not None:
        found |= _usage(call.usage)
    if not call.ok:
        found["error.type"] = str(call.status) if call.status >= 400 else "upstream_failure"
    return found


def _usage(usage: TokenUsage) -> dict[str, int]:
    """The conventions count cached reads and writes inside the input tokens; ours apart."""
    parts = (usage.input, usage.cache_read, usage.cache_write)
    found: dict[str, int] = {}
    if any(p is not None for p in parts):
        found["gen_ai.usage.input_tokens"] = sum(p or 0 for p in parts)
    if usage.output is not None:
        found["gen_ai.usage.output_tokens"] = usage.output
    if usage.cache_read is not None:
        found["gen_ai.usage.cache_read.input_tokens"] = usage.cache_read
    if usage.cache_write is not None:
        found["gen_ai.usage.cache_creation.input_tokens"] = usage.cache_write
    return found


class OtelSpans:
    """Spans through an OpenTelemetry ``TracerProvider`` (batched, exported off the hot path)."""

    def __init__(self, provider: TracerProvider) -> None:
        from opentelemetry.trace import SpanKind

        self.provider = provider
        self.tracer = provider.get_tracer("agent_evals.gateway")
        self._client = SpanKind.CLIENT

    def record(self, call: ModelCall) -> None:
        """Make the call's span after the fact, with its real start and end times."""
        from opentelemetry.trace import Status, StatusCode

        end = time.time_ns()
        start = end - int(call.seconds * 1e9)
        found = attributes(call)
        name = f"{found['gen_ai.operation.name']} {call.model}"
        span = self.tracer.start_span(name, kind=self._client, start_time=start, attributes=found)
        if not call.ok:
            span.set_status(Status(StatusCode.ERROR))
        span.end(end_time=end)

    def close(self) -> None:
        """Export what is still batched."""
        self.provider.shutdown()


def spans_from_environment(environ: Mapping[str, str]) -> OtelSpans | None:
    """Spans when OpenTelemetry's exporter variables are set, else ``None``."""
    if not any(environ.get(name) for name in TRACING_VARIABLES):
        return None
    exporter_name = environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if exporter_name == "none":
        return None
    return OtelSpans(_provider(_exporter(exporter_name), environ))


def _exporter(name: str) -> SpanExporter:
    try:
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter
    except ImportError as exc:
        raise ConfigError(
            "OTEL_* tracing variables are set but the OpenTelemetry SDK is not installed; "
            "install it with `pip install 'agent-evals[otel]'` or unset them"
        ) from exc
    if name == "console":
        return ConsoleSpanExporter()
    if name in ("otlp", "otlp_proto_http"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    raise ConfigError(
        f"OTEL_TRACES_EXPORTER={name!r} is not supported by the gateway; "
        "use otlp (OTLP over HTTP), console or none"
    )


def _provider(exporter: SpanExporter, environ: Mapping[str, str]) -> TracerProvider:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    service = environ.get("OTEL_SERVICE_NAME") or "agent-evals-gateway"
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider
