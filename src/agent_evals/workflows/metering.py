"""Replays metered through the gateway: any agent that takes a base URL gets metered tokens.

``metering_gateway`` serves an in-process gateway on 127.0.0.1 in replay mode and wraps an
agent adapter. Each attempt gets its own base URL (``.../tasks/<attempt>/v1``), so the
gateway can tell attempts apart even for agents that send no task header; after the agent
exits, its tokens are the gateway's count (source ``metered``) instead of its own report.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import quote

from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import HarnessError
from agent_evals.gateway.app import Gateway
from agent_evals.gateway.server import serve_in_thread
from agent_evals.harness.agents.base import (
    AgentAdapter,
    AgentRequest,
    AgentResult,
    state_files,
)
from agent_evals.records import TokenUsage
from agent_evals.store import Store

_NO_CALLS = TokenUsage(0, 0, 0, 0, 0, source="metered")


class MeteredAgent:
    """An agent adapter whose model calls go through the gateway and are metered there."""

    def __init__(self, inner: AgentAdapter, gateway: Gateway, base_url: str) -> None:
        self.inner = inner
        self.name = inner.name
        self.state_files = state_files(inner)
        self.gateway = gateway
        self.root = base_url.removesuffix("/v1")

    def version(self) -> str | None:
        """The wrapped agent's version."""
        return self.inner.version()

    def run(self, request: AgentRequest) -> AgentResult:
        """Run the agent against the gateway; its tokens and call count are the metered ones."""
        lane = next((k for k, t in self.gateway.targets.items() if t.model == request.model), None)
        if lane is None:
            raise HarnessError(
                f"model {request.model!r} is neither lane's model; the gateway cannot meter it"
            )
        attempt = f"{request.task_id}~{uuid.uuid4().hex[:12]}"
        self.gateway.replay_routing.register(attempt, lane)
        routed = replace(request, base_url=f"{self.root}/tasks/{quote(attempt, safe='')}/v1")
        result = self.inner.run(routed)
        run = self.gateway.ledger.pop(attempt)
        if run is None:
            return replace(result, tokens=_NO_CALLS, cost_usd=None, api_calls=0)
        return replace(result, tokens=run.tokens(), cost_usd=None, api_calls=run.requests)


@contextmanager
def metering_gateway(config: ReleaseConfig) -> Iterator[Callable[[AgentAdapter], MeteredAgent]]:
    """Serve a replay-mode gateway until the block ends; yields ``wrap(adapter)``."""
    store = Store.memory()
    gateway = Gateway(config, store, replay=True)
    try:
        with serve_in_thread(gateway) as url:
            yield lambda adapter: MeteredAgent(adapter, gateway, url)
    finally:
        store.close()
