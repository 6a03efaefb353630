"""Shadow requests: the candidate answers a sampled task's request too, and is only metered.

A shadow request starts after the primary answer is sent, runs in the background with
bounded concurrency (when every slot is busy it is dropped, never queued), and keeps its
own ledger: a ``shadow`` run of the candidate lane. Its answer is read and discarded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson

from agent_evals.config.pricing import cost_of
from agent_evals.errors import UpstreamError
from agent_evals.gateway.lanes import LaneTarget
from agent_evals.gateway.ledger import Ledger, LiveRun
from agent_evals.gateway.metrics import LaneStats
from agent_evals.gateway.upstream import Upstream
from agent_evals.gateway.wire import RawHeaders, WireName, body_usage, upstream_headers

log = logging.getLogger("agent_evals.gateway")


class Shadow:
    """Sends sampled requests to the candidate in the background."""

    def __init__(
        self,
        *,
        wire: WireName,
        target: LaneTarget,
        upstream: Upstream,
        ledger: Ledger,
        stats: LaneStats,
        concurrency: int,
    ) -> None:
        self.wire = wire
        self.target = target
        self.upstream = upstream
        self.ledger = ledger
        self.stats = stats
        self.concurrency = concurrency
        self._running: set[asyncio.Task[None]] = set()

    def launch(
        self,
        path: str,
        document: dict[str, Any],
        forwarded: RawHeaders,
        run: LiveRun,
    ) -> None:
        """Start a shadow request unless every slot is busy (then it is dropped and counted)."""
        if len(self._running) >= self.concurrency:
            self.stats.shadow_dropped += 1
            return
        body = {**document, "model": self.target.model, "stream": False}
        body.pop("stream_options", None)
        task = asyncio.create_task(self._send(path, orjson.dumps(body), forwarded, run))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _send(self, path: str, body: bytes, forwarded: RawHeaders, primary: LiveRun) -> None:
        self.stats.shadow_requests += 1
        headers = upstream_headers(self.wire, self.target, forwarded)
        sent = time.perf_counter()
        try:
            reply = await self.upstream.post(self.target.url(path), body, headers)
            try:
                answer = await reply.read()
            finally:
                reply.close()
        except UpstreamError as exc:
            self.stats.errors["shadow"] += 1
            log.info("shadow request of task %s failed: %s", primary.task_id, exc)
            return
        seconds = time.perf_counter() - sent
        ok = 200 <= reply.status < 300
        usage = body_usage(self.wire, answer) if ok else None
        if usage is not None:
            self.stats.shadow_cost_usd += cost_of(usage, self.target.price) or 0.0
        run = self.ledger.get(primary.task_id, "shadow") or self.ledger.open(
            primary.task_id, "candidate", self.target.model, primary.slice, "shadow"
        )
        self.ledger.add(run, usage, served="candidate", seconds=seconds, ttft=None, ok=ok)

    async def drain(self) -> None:
        """Wait for running shadow requests (at shutdown)."""
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
