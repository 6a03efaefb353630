"""The shared CLI adapter shape: version probing, output directories, endpoint helpers."""

from __future__ import annotations

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents import CodexAgent
from agent_evals.harness.agents.cli import strip_version_suffix


def test_version_of_a_missing_program_is_unknown():
    agent = CodexAgent(AgentSpec(type="codex", command=("agent-evals-no-such-program",)))

    assert agent.version() is None


def test_a_missing_program_is_an_agent_error_not_a_crash(request_for):
    agent = CodexAgent(AgentSpec(type="codex", command=("agent-evals-no-such-program",)))

    result = agent.run(request_for())

    assert result.exit_code is None
    assert "cannot start 'agent-evals-no-such-program'" in result.error
    assert result.tokens.source == "missing"


def test_streams_are_kept_in_the_log_dir(fake_cli, request_for, tmp_path):
    fake_cli("codex", stderr="warming up\n")
    log_dir = tmp_path / "logs" / "run-1"

    CodexAgent(AgentSpec(type="codex")).run(request_for(log_dir=log_dir))

    assert (log_dir / "agent.stderr").read_text() == "warming up\n"
    assert (log_dir / "agent.stdout").read_text() == ""


def test_strip_version_suffix():
    assert strip_version_suffix("http://h:1/v1/", "/v1") == "http://h:1"
    assert strip_version_suffix("http://h:1/v1beta", "/v1beta", "/v1") == "http://h:1"
    assert strip_version_suffix("http://h:1/anthropic", "/v1") == "http://h:1/anthropic"
