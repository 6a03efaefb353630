"""Codex: the JSONL parser on recorded events, the argv and provider overrides, a real run."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents import AgentOutputError, CodexAgent, parse_codex
from agent_evals.records import TokenUsage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"


def test_success_splits_cached_input_and_lists_commands_and_files(recorded):
    report = parse_codex(recorded("codex", "success.jsonl"))

    assert report.status == "finished"
    assert report.tokens == TokenUsage(5563, 1122, 19200, None, 25885, "reported")
    assert report.turns == 1
    assert report.commands == (
        "bash -lc 'cat stats/core.py'",
        "bash -lc 'python -m unittest -q'",
    )
    assert report.files_changed == ("stats/core.py", "tests/test_median.py")
    assert report.final_message.startswith("Fixed median")
    assert report.cost_usd is None


def test_turn_failed_is_an_error_with_its_message(recorded):
    report = parse_codex(recorded("codex", "turn_failed.jsonl"))

    assert report.status == "error"
    assert report.error.startswith("stream disconnected before completion")
    assert report.tokens.source == "missing"


def test_recoverable_error_events_before_a_completed_turn_do_not_fail_it(recorded):
    text = '{"type":"error","message":"Reconnecting... 1/5"}\n' + recorded("codex", "success.jsonl")

    assert parse_codex(text).status == "finished"


def test_stream_cut_before_the_turn_ended_has_missing_usage(recorded):
    report = parse_codex(recorded("codex", "no_usage.jsonl"))

    assert report.status == "unknown"
    assert report.tokens == TokenUsage.missing()
    assert report.commands == ("bash -lc 'python -m unittest'",)


def test_non_event_output_is_rejected():
    with pytest.raises(AgentOutputError, match="line 1"):
        parse_codex("Error: unexpected argument '--jsn' found\n")
    with pytest.raises(AgentOutputError, match="no Codex thread events"):
        parse_codex('{"hello": "world"}\n')


def test_argv_defines_a_custom_provider_for_the_lane_endpoint(request_for):
    agent = CodexAgent(AgentSpec(type="codex", command=("npx", "@openai/codex")))

    argv = agent.argv(request_for(instruction="-v"), FIXTURES)

    assert argv[:5] == ["npx", "@openai/codex", "exec", "--json", "--skip-git-repo-check"]
    assert argv[-2:] == ["--", "-v"]
    overrides = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-c"]
    assert overrides == [
        'model_provider="agent_evals"',
        'model_providers.agent_evals.name="agent-evals"',
        'model_providers.agent_evals.base_url="http://127.0.0.1:9001/v1"',
        'model_providers.agent_evals.env_key="AGENT_EVALS_API_KEY"',
        'model_providers.agent_evals.wire_api="responses"',
        'model_providers.agent_evals.http_headers={"X-Agent-Task-Id"="fix-median-even"}',
    ]
    assert "sk-test-key" not in argv


def test_without_a_base_url_the_key_goes_to_codex_api_key(request_for):
    agent = CodexAgent(AgentSpec(type="codex"))
    request = request_for(base_url=None)

    assert "-c" not in agent.argv(request, FIXTURES)
    assert agent.environment(request) == {"CODEX_API_KEY": "sk-test-key"}


def test_end_to_end_with_a_fake_codex_on_path(fake_cli, request_for):
    fake = fake_cli("codex", stdout=FIXTURES / "codex" / "success.jsonl")

    result = CodexAgent(AgentSpec(type="codex")).run(request_for())

    assert result.error is None
    assert result.tokens.cache_read == 19200
    assert result.commands_run[-1] == "bash -lc 'python -m unittest -q'"
    assert fake.call()["env"]["AGENT_EVALS_API_KEY"] == "sk-test-key"


def test_a_turn_that_cannot_reach_the_endpoint_is_an_infra_error(fake_cli, request_for):
    fake_cli("codex", stdout=FIXTURES / "codex" / "turn_failed.jsonl", exit_code=1)

    result = CodexAgent(AgentSpec(type="codex")).run(request_for())

    assert result.exit_code == 1
    assert result.infra_error
    assert result.error.startswith("infrastructure: the model endpoint cannot be reached")
    assert "stream disconnected before completion" in result.error
    assert result.tokens.source == "missing"
    assert not result.limit_exceeded
