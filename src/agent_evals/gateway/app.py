"""The gateway as one ASGI app: model endpoints on a fast path, everything else on Starlette."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from agent_evals.config.models import ReleaseConfig
from agent_evals.gateway.admin import Admin
from agent_evals.gateway.api import OutcomeEndpoints
from agent_evals.gateway.background import BatchWriter, StoreThread
from agent_evals.gateway.control import ReleaseLink
from agent_evals.gateway.credentials import IngestGuard
from agent_evals.gateway.dashboard import Dashboard
from agent_evals.gateway.gemini_wire import endpoint_of, endpoints
from agent_evals.gateway.github import GithubWebhook
from agent_evals.gateway.lanes import lane_targets
from agent_evals.gateway.ledger import DEFAULT_MAX_RUNS, Ledger
from agent_evals.gateway.limits import http_error, within_limit
from agent_evals.gateway.metrics import GatewayMetrics
from agent_evals.gateway.openapi import openapi_endpoint
from agent_evals.gateway.outcomes import TaskRuns
from agent_evals.gateway.probe import Prober
from agent_evals.gateway.proxy import Proxy
from agent_evals.gateway.replicas import StateWatch
from agent_evals.gateway.routing import LiveRouting, ReplayRouting, Routing
from agent_evals.gateway.shadow import Shadow
from agent_evals.gateway.telemetry import RequestSpans, spans_from_environment
from agent_evals.gateway.upstream import HttpUpstream, Upstream
from agent_evals.gateway.wire import WireName
from agent_evals.rollout import CanaryController
from agent_evals.store import Store

ENDPOINTS: tuple[tuple[WireName, str], ...] = (
    ("openai", "/v1/chat/completions"),
    ("anthropic", "/v1/messages"),
    ("responses", "/v1/responses"),
    *(("gemini", path) for path in endpoints("generateContent", "streamGenerateContent")),
)
# Token counting is passed through to the task's lane but is not a model call.
COUNTING: tuple[tuple[WireName, str], ...] = (
    ("anthropic", "/v1/messages/count_tokens"),
    *(("gemini", path) for path in endpoints("countTokens")),
)
TASK_PREFIX = "/tasks/"
# How long a stopping gateway waits for the store to take the runs it still holds.
STOP_WRITE_S = 10.0


class Gateway:
    """The metering, routing proxy of one release, as an ASGI app.

    ``Gateway(config, store)`` routes live work by the release's stored rollout;
    ``Gateway(config, store, replay=True)`` routes each registered replay attempt to its
    lane, without fallback, shadows or probes (replays metered through the gateway).
    ``upstream`` is the seam to the model endpoints (``HttpUpstream`` by default,
    ``AsgiUpstream`` in process). With ``config_path`` a live gateway reloads that file when
    it changes, and on ``SIGHUP`` when it serves in the main thread.
    """

    def __init__(
        self,
        config: ReleaseConfig,
        store: Store,
        *,
        upstream: Upstream | None = None,
        environ: Mapping[str, str] | None = None,
        controller: CanaryController | None = None,
        replay: bool = False,
        config_path: Path | None = None,
        spans: RequestSpans | None = None,
    ) -> None:
        spec = config.gateway
        self.spans = spans or spans_from_environment(os.environ if environ is None else environ)
        self.config = config
        self.replay = replay
        self.targets = lane_targets(config, environ)
        self.upstream = upstream or HttpUpstream(
            connect_timeout_s=spec.connect_timeout_seconds,
            read_timeout_s=spec.upstream_timeout_seconds,
        )
        self.io = StoreThread()
        release = config.release.release_id
        prices = {lane: t.price for lane, t in self.targets.items()}
        self.ledger = Ledger(release, prices, max_runs=None if replay else DEFAULT_MAX_RUNS)
        self.link = ReleaseLink(
            controller or CanaryController(store, config), self.io, None if replay else config_path
        )
        self.metrics = GatewayMetrics(self.link.gauges)
        self.writer = BatchWriter(
            self.ledger,
            store,
            self.io,
            spec.flush_interval_seconds,
            breaker=None if replay else self.link.breaker,
            merged=None if replay else lambda merged: self.link.counts_stored(merged.breaker),
        )
        self.state_watch = StateWatch(self.link, store)
        self.prober = Prober(self.targets, self.upstream, self.metrics, self.link.alert)
        self.runs = TaskRuns(
            self.ledger, self.link, self.writer, self.io, spec.evaluate_debounce_seconds
        )
        self.replay_routing = ReplayRouting(
            {k: t.model for k, t in self.targets.items()}, self.ledger
        )
        self.proxies = {path: self._proxy(wire, path) for wire, path in ENDPOINTS}
        self.proxies |= {path: self._proxy(wire, path, metered=False) for wire, path in COUNTING}
        self.app = Starlette(
            routes=self._routes(environ),
            lifespan=self._lifespan,
            exception_handlers={HTTPException: http_error},
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._reloads: set[asyncio.Task[Any]] = set()

    def _routing(self) -> Routing:
        if self.replay:
            return self.replay_routing
        return LiveRouting(lambda: self.link.router, self.ledger)

    def _proxy(self, wire: WireName, path: str, *, metered: bool = True) -> Proxy:
        spec = self.config.gateway
        shadow = Shadow(
            wire=wire,
            target=self.targets["candidate"],
            upstream=self.upstream,
            ledger=self.ledger,
            stats=self.metrics.lanes["candidate"],
            concurrency=spec.shadow_concurrency,
        )
        return Proxy(
            wire=wire,
            path=path,
            targets=self.targets,
            routing=self._routing(),
            ledger=self.ledger,
            metrics=self.metrics,
            upstream=self.upstream,
            body_limit=spec.body_limit_bytes,
            upstream_result=self.link.upstream_result,
            shadow=None if self.replay or not metered or wire == "gemini" else shadow,
            fallback=not self.replay,
            streams=path.endswith(":streamGenerateContent") if wire == "gemini" else None,
            metered=metered,
            spans=self.spans,
        )

    def _routes(self, environ: Mapping[str, str] | None) -> list[Route]:
        spec = self.config.gateway
        outcomes = OutcomeEndpoints(self.runs)
        admin = Admin(self.link, spec, environ)
        guard = admin.guarded
        ingest = IngestGuard(spec, self.config.release.release_id, environ).guarded
        github = GithubWebhook(self.runs, spec, environ)
        return [
            Route("/v1/models", self.models, methods=["GET"]),
            Route(TASK_PREFIX + "{task}/v1/models", self.models, methods=["GET"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/readyz", self.readyz, methods=["GET"]),
            Route("/metrics", self.prometheus, methods=["GET"]),
            Route("/openapi.json", openapi_endpoint, methods=["GET"]),
            Route("/api/outcomes", ingest(outcomes.outcome), methods=["POST"]),
            Route("/api/reviews", ingest(outcomes.review), methods=["POST"]),
            Route("/webhooks/github", github.handle, methods=["POST"]),
            Route("/admin/status", guard(admin.status), methods=["GET"]),
            Route("/admin/explain", guard(admin.explain), methods=["GET"]),
            Route("/admin/promote", guard(admin.promote), methods=["POST"]),
            Route("/admin/rollback", guard(admin.rollback), methods=["POST"]),
            Route("/admin/freeze", guard(admin.freeze), methods=["POST"]),
            Route("/admin/unfreeze", guard(admin.unfreeze), methods=["POST"]),
            *Dashboard(self.link).routes(),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Model requests go straight to their proxy; the rest through Starlette."""
        if scope["type"] == "http" and scope["method"] == "POST":
            path: str = scope["path"]
            proxy = self.proxies.get(endpoint_of(path))
            if proxy is not None:
                await proxy(scope, receive, send)
                return
            if path.startswith(TASK_PREFIX):
                task, _, rest = path[len(TASK_PREFIX) :].partition("/")
                proxy = self.proxies.get(endpoint_of("/" + rest))
                if proxy is not None and task:
                    await proxy(scope, receive, send, unquote(task))
                    return
        if scope["type"] == "http":
            limit = self.config.gateway.body_limit_bytes
            await within_limit(self.app, limit, scope, receive, send)
            return
        await self.app(scope, receive, send)

    # lifecycle ----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    async def start(self) -> None:
        """Open the upstream pool, load the plan, start the writer, refresher and probes."""
        spec = self.config.gateway
        await self.upstream.start()
        loops = [self.writer.run_forever()]
        if not self.replay:
            await self.link.start()
            loops.append(self.link.refresh_forever(spec.refresh_interval_seconds))
            loops.append(self.prober.probe_forever(spec.probe_interval_seconds))
            loops.append(self.state_watch.run_forever())
            loops.append(self._deliver_hooks_forever(spec.refresh_interval_seconds))
            self._listen_for_hangup()
        self._tasks = [asyncio.create_task(loop) for loop in loops]

    async def _deliver_hooks_forever(self, interval_s: float) -> None:
        """Deliver the hook deliveries left due (a killed command's, a failed round's retry),
        in a thread of its own: a slow webhook must hold neither requests nor store writes."""
        controller = self.link.controller
        while True:
            try:
                await asyncio.to_thread(controller.hooks.deliver_due, controller.release)
            except Exception as exc:  # a store outage must not end the loop
                logging.getLogger(__name__).warning("cannot deliver rollout hooks: %s", exc)
            await asyncio.sleep(interval_s)

    def _listen_for_hangup(self) -> None:
        """Reload the config on SIGHUP (only a main-thread event loop can take signals)."""
        if self.link.watch is None or threading.current_thread() is not threading.main_thread():
            return
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hangup)

    def _hangup(self) -> None:
        task = asyncio.create_task(self.link.reload())
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)

    async def stop(self) -> None:
        """Stop the loops, wait for shadow requests, store what is left, close the pool."""
        if self.link.watch is not None and threading.current_thread() is threading.main_thread():
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        for task in (*self._tasks, *self._reloads):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._reloads, return_exceptions=True)
        for proxy in self.proxies.values():
            if proxy.shadow is not None:
                await proxy.shadow.drain()
        await self.link.stop()
        await self.writer.stop(STOP_WRITE_S)
        await self.upstream.close()
        if self.spans is not None:
            await asyncio.to_thread(self.spans.close)
        self.io.close()

    # small endpoints ----------------------------------------------------------------------

    async def models(self, request: Request) -> Response:
        """Both lanes' exact model ids, readable by the OpenAI and Anthropic SDKs."""
        entries = [
            {
                "id": t.model,
                "object": "model",
                "created": 0,
                "owned_by": t.name,
                "type": "model",
                "display_name": t.model,
                "created_at": "1970-01-01T00:00:00Z",
            }
            for t in self.targets.values()
        ]
        body = {"object": "list", "data": entries, "has_more": False}
        return Response(orjson.dumps(body), media_type="application/json")

    async def healthz(self, request: Request) -> Response:
        """The process answers."""
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        """Ready when the store takes writes and the fallback lane answers its probes."""
        problems = []
        if problem := self.writer.problem():
            problems.append(problem)
        if not self.replay and (problem := self.prober.incumbent_problem()):
            problems.append(problem)
        body: dict[str, Any] = {"ready": not problems, "problems": problems}
        body["stage"] = self.link.plan.stage
        return JSONResponse(body, status_code=503 if problems else 200)

    async def prometheus(self, request: Request) -> Response:
        """Prometheus text exposition."""
        return Response(self.metrics.render(), media_type="text/plain; version=0.0.4")
