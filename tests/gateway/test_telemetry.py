"""Per-request spans in the GenAI conventions, exported over OTLP/HTTP to a receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import openai
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent_evals.errors import ConfigError
from agent_evals.gateway import Gateway, serve_in_thread
from agent_evals.gateway.telemetry import spans_from_environment
from agent_evals.rollout import CanaryController, run_drill
from agent_evals.scripted_model import create_app, parse_script, serve_app_in_thread
from agent_evals.store import Store, sqlite_url

from ..replays import pass_replays
from .conftest import CAND_MODEL, ENVIRON, INC_MODEL, USAGE, release_config

MESSAGES: Any = [{"role": "user", "content": "Fix the median."}]


def _receiver(bodies: list[bytes]) -> Starlette:
    async def traces(request: Request) -> Response:
        bodies.append(await request.body())
        return Response(b"", media_type="application/x-protobuf")

    return Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])


def _spans(bodies: list[bytes]) -> list[Any]:
    found = []
    for body in bodies:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                found += [(resource, span) for span in scope.spans]
    return found


def _attributes(span: Any) -> dict[str, Any]:
    values = {}
    for item in span.attributes:
        value = item.value
        values[item.key] = getattr(value, value.WhichOneof("value"))
    return values


@pytest.fixture
def traced_gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    bodies: list[bytes] = []
    with ExitStack() as stack:
        served = stack.enter_context(serve_app_in_thread(_receiver(bodies)))
        collector = served.removesuffix("/v1")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
        upstream = parse_script({"defaults": {"usage": USAGE}})
        inc = stack.enter_context(serve_app_in_thread(create_app(upstream)))
        cand = stack.enter_context(serve_app_in_thread(create_app(upstream)))
        config = release_config(inc, cand, share=1.0)
        store = Store(sqlite_url(tmp_path / "runs.db"))
        stack.callback(store.close)
        controller = CanaryController(store, config)
        pass_replays(store, config)
        run_drill(controller, actor="test")
        controller.start(actor="test")
        environ = {
            **ENVIRON,
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector,
            "OTEL_SERVICE_NAME": "gw-test",
        }
        gateway = Gateway(config, store, environ=environ, controller=controller)
        yield gateway, bodies


def test_each_model_call_is_an_otlp_span_with_genai_attributes(traced_gateway: Any) -> None:
    gateway, bodies = traced_gateway
    with serve_in_thread(gateway) as url:
        headers = {"X-Agent-Task-Id": "traced-1"}
        with openai.OpenAI(base_url=url, api_key="k", default_headers=headers) as client:
            client.chat.completions.create(model="any", messages=MESSAGES)
            stream = client.chat.completions.create(model="any", messages=MESSAGES, stream=True)
            for _ in stream:
                pass
    # Leaving the server flushes the batch to the receiver.
    spans = _spans(bodies)
    assert len(spans) == 2
    resource, span = spans[0]
    service = {a.key: a.value.string_value for a in resource.resource.attributes}
    assert service["service.name"] == "gw-test"
    assert span.name == f"chat {CAND_MODEL}"
    assert span.kind == span.SPAN_KIND_CLIENT
    assert span.end_time_unix_nano > span.start_time_unix_nano
    found = _attributes(span)
    assert found["gen_ai.operation.name"] == "chat"
    assert found["gen_ai.provider.name"] == "openai"
    assert found["gen_ai.request.model"] == CAND_MODEL
    assert found["gen_ai.usage.input_tokens"] == USAGE["prompt_tokens"]
    assert found["gen_ai.usage.output_tokens"] == USAGE["completion_tokens"]
    assert found["gen_ai.usage.cache_read.input_tokens"] == USAGE["cached_tokens"]
    assert found["agent_evals.task_id"] == "traced-1"
    assert found["agent_evals.lane"] == "candidate"
    assert found["server.address"] == "127.0.0.1"
    assert [_attributes(s)["agent_evals.stream"] for _, s in spans] == [False, True]
    assert INC_MODEL not in {s.name for _, s in spans}


def test_no_spans_without_the_variables_and_a_clear_error_for_an_unknown_exporter() -> None:
    assert spans_from_environment({}) is None
    assert spans_from_environment({"OTEL_TRACES_EXPORTER": "none"}) is None
    with pytest.raises(ConfigError, match="OTEL_TRACES_EXPORTER='zipkin'"):
        spans_from_environment({"OTEL_TRACES_EXPORTER": "zipkin"})
