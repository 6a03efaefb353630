"""The gateway: a metering, routing proxy that coding agents point their base URL at.

It speaks the OpenAI (Chat Completions, Responses) and Anthropic (Messages) wire formats,
routes each task to a lane by the release's rollout, meters tokens from the upstream's own
usage, falls back to the incumbent when the candidate fails, shadows sampled tasks, takes
outcomes and GitHub reviews, and feeds the canary controller.
"""

from agent_evals.gateway.app import ENDPOINTS, Gateway
from agent_evals.gateway.lanes import LaneTarget, lane_targets
from agent_evals.gateway.ledger import LiveRun, Outcome
from agent_evals.gateway.routing import TaskTag
from agent_evals.gateway.server import DEFAULT_PORT, serve, serve_in_thread
from agent_evals.gateway.upstream import (
    AsgiUpstream,
    HttpUpstream,
    Reply,
    StreamBroken,
    Upstream,
    UpstreamFailure,
)
from agent_evals.gateway.wire import StreamMeter, anthropic_usage, openai_usage

__all__ = [
    "DEFAULT_PORT",
    "ENDPOINTS",
    "AsgiUpstream",
    "Gateway",
    "HttpUpstream",
    "LaneTarget",
    "LiveRun",
    "Outcome",
    "Reply",
    "StreamBroken",
    "StreamMeter",
    "TaskTag",
    "Upstream",
    "UpstreamFailure",
    "anthropic_usage",
    "lane_targets",
    "openai_usage",
    "serve",
    "serve_in_thread",
]
