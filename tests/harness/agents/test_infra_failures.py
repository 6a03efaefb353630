"""Failures of the plumbing, not the model: each is an infra error with a readable reason.

The fake executables print the error text the real CLIs print (quoted in the adapters'
docstrings and in their public issue trackers) and exit with the real exit code.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents import (
    AiderAgent,
    ClaudeCodeAgent,
    CodexAgent,
    GeminiCliAgent,
    MiniSweAgent,
)
from agent_evals.harness.agents.builtin import BuiltinAgent
from agent_evals.harness.agents.cli import NO_KEY
from agent_evals.scripted_model import serve_in_thread

CLAUDE_AS_ROOT = (
    "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons\n"
)
GEMINI_BAD_AUTH = json.dumps(
    {
        "error": {
            "type": "FatalAuthenticationError",
            "message": "Invalid auth method selected.",
            "code": 41,
        }
    },
    indent=2,
)
CODEX_NO_KEY = "ERROR: Missing environment variable: `AGENT_EVALS_API_KEY`.\n"
AIDER_REFUSED = (
    "litellm.APIConnectionError: APIConnectionError: OpenAIException - Connection error.\n"
    "Retrying in 0.2 seconds...\n"
)
AIDER_NO_KEY = (
    "litellm.AuthenticationError: AuthenticationError: OpenAIException - The api_key client "
    "option must be set either by passing api_key to the client or by setting the "
    "OPENAI_API_KEY environment variable\n"
)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"
AIDER_LAUNCH_ONLY = json.dumps(
    {"event": "launched", "properties": {"aider_version": "0.86.1"}, "user_id": "u", "time": 1}
)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_a_missing_agent_binary_is_an_infra_error(request_for):
    agent = ClaudeCodeAgent(AgentSpec(type="claude-code", command=("agent-evals-no-such-cli",)))

    result = agent.run(request_for())

    assert result.infra_error
    assert result.error.startswith(
        "infrastructure: the agent program 'agent-evals-no-such-cli' could not be started"
    )


def test_claude_code_refusing_bypass_permissions_as_root_is_an_infra_error(fake_cli, request_for):
    fake_cli("claude", exit_code=1, stderr=CLAUDE_AS_ROOT)

    result = ClaudeCodeAgent(AgentSpec(type="claude-code")).run(request_for())

    assert result.infra_error
    assert "Claude Code refuses bypassPermissions as root" in result.error
    assert "IS_SANDBOX=1" in result.error
    assert result.error.endswith(CLAUDE_AS_ROOT.strip())


def test_claude_code_answered_401_by_its_endpoint_is_an_infra_error(fake_cli, request_for):
    fake_cli("claude", stdout=FIXTURES / "claude-code" / "api_error.json", exit_code=1)

    result = ClaudeCodeAgent(AgentSpec(type="claude-code")).run(request_for())

    assert result.infra_error
    assert result.error.startswith("infrastructure: the model endpoint refused the key")
    assert "invalid x-api-key" in result.error


def test_gemini_invalid_auth_method_exit_41_is_an_infra_error_with_its_message(
    fake_cli, request_for
):
    fake_cli("gemini", exit_code=41, stderr=GEMINI_BAD_AUTH + "\n")

    result = GeminiCliAgent(AgentSpec(type="gemini-cli")).run(request_for())

    assert result.infra_error
    assert "Gemini CLI failed its own auth or config check" in result.error
    assert "FatalAuthenticationError: Invalid auth method selected." in result.error
    assert not result.error.endswith("agent exited with code 41: }")


def test_a_gemini_exit_code_reserved_for_config_errors_is_an_infra_error(fake_cli, request_for):
    fake_cli("gemini", exit_code=52, stderr="settings.json: unexpected token\n")

    result = GeminiCliAgent(AgentSpec(type="gemini-cli")).run(request_for())

    assert result.infra_error
    assert "gemini exited with code 52, which it reserves for setup errors" in result.error
    assert "settings.json: unexpected token" in result.error


def test_codex_missing_environment_variable_is_an_infra_error(fake_cli, request_for):
    fake_cli("codex", exit_code=1, stderr=CODEX_NO_KEY)

    result = CodexAgent(AgentSpec(type="codex")).run(request_for())

    assert result.infra_error
    assert result.error.startswith("infrastructure: the agent has no key to send")
    assert "`AGENT_EVALS_API_KEY`" in result.error


def test_codex_on_an_endpoint_without_a_key_reads_a_placeholder_key(request_for, tmp_path):
    agent = CodexAgent(AgentSpec(type="codex"))
    request = request_for(api_key=None)

    argv = agent.argv(request, tmp_path)

    assert 'model_providers.agent_evals.env_key="AGENT_EVALS_API_KEY"' in argv
    assert agent.environment(request)["AGENT_EVALS_API_KEY"]


def test_aider_giving_up_on_a_closed_port_with_exit_0_is_an_infra_error(
    fake_cli, request_for, tmp_path
):
    log = tmp_path / "analytics.jsonl"
    log.write_text(AIDER_LAUNCH_ONLY + "\n")
    stdout = tmp_path / "aider.stdout"
    stdout.write_text(AIDER_REFUSED * 3)
    fake_cli("aider", stdout=stdout, write_flag="--analytics-log", source=log)

    result = AiderAgent(AgentSpec(type="aider")).run(request_for())

    assert result.exit_code == 0
    assert result.infra_error
    assert result.error.startswith("infrastructure: the model endpoint cannot be reached")


def test_aider_without_a_key_is_an_infra_error(fake_cli, request_for, tmp_path):
    log = tmp_path / "analytics.jsonl"
    log.write_text(AIDER_LAUNCH_ONLY + "\n")
    stdout = tmp_path / "aider.stdout"
    stdout.write_text(AIDER_NO_KEY)
    fake_cli("aider", stdout=stdout, write_flag="--analytics-log", source=log)

    result = AiderAgent(AgentSpec(type="aider")).run(request_for())

    assert result.infra_error
    assert "the model endpoint refused the key" in result.error


@pytest.mark.parametrize("agent", [AiderAgent, MiniSweAgent])
def test_litellm_agents_on_an_endpoint_without_a_key_get_a_placeholder_key(agent, request_for):
    env = agent(AgentSpec(type=agent.name)).environment(request_for(api_key=None))

    assert env["OPENAI_API_KEY"] == NO_KEY


def test_mini_swe_agent_connection_error_exit_status_is_an_infra_error(
    fake_cli, request_for, tmp_path
):
    trajectory = tmp_path / "error.traj.json"
    trajectory.write_text(
        json.dumps(
            {
                "info": {
                    "exit_status": "APIConnectionError",
                    "submission": "litellm.APIConnectionError: OpenAIException - Connection error.",
                    "model_stats": {"instance_cost": 0.0, "api_calls": 0},
                    "mini_version": "1.17.3",
                },
                "messages": [],
            }
        )
    )
    fake_cli("mini", write_flag="--output", source=trajectory, exit_code=1)

    result = MiniSweAgent(AgentSpec(type="mini-swe-agent")).run(request_for())

    assert result.infra_error
    assert result.error.startswith("infrastructure: the model endpoint cannot be reached")
    assert result.agent_version == "1.17.3"


def test_a_finished_run_whose_stderr_mentions_a_refused_connection_stays_the_models(
    fake_cli, request_for
):
    fake_cli(
        "codex",
        stdout=FIXTURES / "codex" / "success.jsonl",
        stderr="pytest: redis: Connection refused\n",
    )

    result = CodexAgent(AgentSpec(type="codex")).run(request_for())

    assert result.error is None
    assert not result.infra_error


def test_the_builtin_agent_on_a_closed_port_is_an_infra_error(request_for):
    url = closed_port_url()

    result = BuiltinAgent().run(request_for(base_url=url, timeout_s=30.0))

    assert result.infra_error
    assert result.error.startswith(f"infrastructure: cannot reach the model endpoint {url}")


def test_the_builtin_agent_on_a_missing_api_route_is_an_infra_error(request_for):
    with serve_in_thread() as url:
        wrong = url.removesuffix("/v1") + "/api"
        result = BuiltinAgent().run(request_for(base_url=wrong, timeout_s=30.0))

    assert result.infra_error
    assert "answered HTTP 404" in result.error


def test_the_builtin_agent_without_an_endpoint_is_an_infra_error(request_for):
    result = BuiltinAgent().run(request_for(base_url=None, timeout_s=30.0))

    assert result.infra_error
    assert "no model endpoint" in result.error
