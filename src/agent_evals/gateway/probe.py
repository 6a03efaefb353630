"""Keeping the lanes warm: each lane's upstream is probed on a timer.

A probe lists the endpoint's models (no tokens spent) over the pooled connections, so the
fallback lane's connections stay open. A failing or cold incumbent (never answered since
the gateway started) raises an alert, once per change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from agent_evals.errors import UpstreamError
from agent_evals.gateway.lanes import LaneTarget
from agent_evals.gateway.metrics import GatewayMetrics
from agent_evals.gateway.upstream import Upstream
from agent_evals.gateway.wire import WireName, auth_headers
from agent_evals.types import Lane

log = logging.getLogger("agent_evals.gateway")


@dataclass(frozen=True)
class ProbeResult:
    """The last probe of one lane."""

    ok: bool
    detail: str
    at: float


class Prober:
    """Probes every lane's upstream and remembers the last result."""

    def __init__(
        self,
        targets: Mapping[Lane, LaneTarget],
        upstream: Upstream,
        metrics: GatewayMetrics,
        alert: Callable[[str], Awaitable[None]],
    ) -> None:
        self.targets = targets
        self.upstream = upstream
        self.metrics = metrics
        self.alert = alert
        self.results: dict[Lane, ProbeResult] = {}
        self._incumbent_problem: str | None = None

    def incumbent_problem(self) -> str | None:
        """Why the fallback lane is not warm, or ``None`` when it answered its last probe."""
        result = self.results.get("incumbent")
        if result is None:
            return "incumbent not probed yet (cold)"
        return None if result.ok else f"incumbent upstream failing: {result.detail}"

    async def probe_forever(self, interval_s: float) -> None:
        """Probe now, then every ``interval_s`` seconds."""
        while True:
            await self.probe_all()
            await asyncio.sleep(interval_s)

    async def probe_all(self) -> None:
        """Probe each lane once; alert when the incumbent's warmth changes for the worse."""
        for lane, target in self.targets.items():
            self.results[lane] = await self.probe(target)
            self.metrics.lanes[lane].up = 1.0 if self.results[lane].ok else 0.0
        problem = self.incumbent_problem()
        if problem != self._incumbent_problem:
            self._incumbent_problem = problem
            if problem is not None:
                await self.alert(problem)
            else:
                log.info("incumbent upstream answers its probes again")

    async def probe(self, target: LaneTarget) -> ProbeResult:
        """List the lane's models; any answer below 500 (except 429) is a live endpoint."""
        wire: WireName = "anthropic" if target.provider == "anthropic" else "openai"
        headers = auth_headers(wire, target.api_key) if target.api_key else {}
        try:
            status = await self.upstream.get(target.url("/v1/models"), headers)
        except UpstreamError as exc:
            return ProbeResult(False, str(exc), time.time())
        ok = status < 500 and status != 429
        return ProbeResult(ok, f"HTTP {status}", time.time())
