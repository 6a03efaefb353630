"""The adapter registry: every documented agent name, and a hint for a misspelled one."""

from __future__ import annotations

import pytest

from agent_evals.config.models import AgentSpec
from agent_evals.errors import UsageError
from agent_evals.harness.agents import ADAPTERS, get_adapter

CLI_AGENTS = ["aider", "claude-code", "codex", "gemini-cli", "mini-swe-agent"]


def test_registry_names():
    assert sorted(ADAPTERS) == sorted([*CLI_AGENTS, "builtin", "command"])


@pytest.mark.parametrize("name", CLI_AGENTS)
def test_each_cli_agent_resolves_to_an_adapter_of_that_name(name):
    adapter = get_adapter(AgentSpec(type=name, version="1.0"))

    assert adapter.name == name
    assert adapter.version() == "1.0"


def test_command_agent_resolves_with_its_template():
    adapter = get_adapter(AgentSpec(type="command", command=("my-agent", "{instruction}")))

    assert adapter.name == "command"


def test_builtin_agent_resolves():
    try:
        import agent_evals.harness.agents.builtin  # noqa: F401
    except ImportError as exc:  # pragma: no cover - only while the builtin agent is absent
        pytest.skip(f"builtin agent module not importable: {exc}")

    assert get_adapter(AgentSpec()).name == "builtin"


def test_unknown_agent_type_suggests_the_closest_and_lists_all():
    with pytest.raises(UsageError) as caught:
        get_adapter(AgentSpec(type="claude"))

    message = str(caught.value)
    assert message.startswith(
        "agent.type: unknown agent type 'claude'; did you mean 'claude-code'?"
    )
    assert (
        "(known: aider, builtin, claude-code, codex, command, gemini-cli, mini-swe-agent)"
        in message
    )
