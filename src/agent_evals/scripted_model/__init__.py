"""A scripted stand-in for OpenAI- and Anthropic-compatible model endpoints.

It answers from a YAML script (per model, task and turn) with exact usage, delays and
injected failures, so replays, gateways and agents can be tested without a hosted model.
"""

from agent_evals.scripted_model.app import (
    ReceivedRequest,
    ScriptedModel,
    create_app,
    received_requests,
)
from agent_evals.scripted_model.script import (
    DONE_REPLY,
    Script,
    ToolCall,
    Turn,
    Usage,
    derived_usage,
    load_script,
    parse_script,
)
from agent_evals.scripted_model.server import (
    DEFAULT_PORT,
    serve,
    serve_app_in_thread,
    serve_in_thread,
)

__all__ = [
    "DEFAULT_PORT",
    "DONE_REPLY",
    "ReceivedRequest",
    "Script",
    "ScriptedModel",
    "ToolCall",
    "Turn",
    "Usage",
    "create_app",
    "derived_usage",
    "load_script",
    "parse_script",
    "received_requests",
    "serve",
    "serve_app_in_thread",
    "serve_in_thread",
]
