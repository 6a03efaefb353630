"""Claude Code: the parser on recorded outputs, the argv it is run with, a run end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents import AgentOutputError, ClaudeCodeAgent, parse_claude_code
from agent_evals.records import TokenUsage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"


def test_stream_json_reports_all_models_usage_cost_turns_commands_and_edits(recorded):
    report = parse_claude_code(recorded("claude-code", "success.stream.jsonl"))

    assert report.status == "finished"
    # modelUsage also counts the helper model, so it is preferred over the main-model usage
    assert report.tokens == TokenUsage(2226, 415, 12820, 4530, 19991, "reported")
    assert report.cost_usd == pytest.approx(0.0371745)
    assert report.turns == 7
    assert report.api_calls == 4
    assert report.model == "claude-sonnet-4-5-20250929"
    assert report.commands == ("python -m unittest -q",)
    assert report.files_changed == ("/tmp/ws/stats/core.py",)
    assert report.final_message.startswith("Fixed: even-length lists")
    assert report.error is None


def test_verbose_json_array_reads_like_the_stream(recorded):
    stream = parse_claude_code(recorded("claude-code", "success.stream.jsonl"))
    array = parse_claude_code(recorded("claude-code", "success.verbose.json"))

    assert array == stream


def test_single_result_object_uses_its_usage(recorded):
    report = parse_claude_code(recorded("claude-code", "success.json"))

    assert report.status == "finished"
    assert report.tokens == TokenUsage(9, 410, 6100, 2300, 8819, "reported")
    assert report.cost_usd == pytest.approx(0.01942)
    assert report.turns == 3
    assert report.commands == ()


def test_max_turns_is_a_limit_not_an_error(recorded):
    report = parse_claude_code(recorded("claude-code", "max_turns.json"))

    assert report.status == "limit_exceeded"
    assert report.limit_exceeded
    assert report.error is None
    assert report.tokens.output == 5120


def test_api_error_reported_as_success_with_is_error(recorded):
    report = parse_claude_code(recorded("claude-code", "api_error.json"))

    assert report.status == "error"
    assert "authentication_error" in report.error


def test_error_during_execution_names_the_errors(recorded):
    report = parse_claude_code(recorded("claude-code", "error_during_execution.json"))

    assert report.status == "error"
    assert report.error == "Tool execution was interrupted"


def test_missing_usage_is_missing_not_zero(recorded):
    report = parse_claude_code(recorded("claude-code", "no_usage.json"))

    assert report.status == "finished"
    assert report.tokens == TokenUsage.missing()
    assert report.tokens.source == "missing"
    assert report.cost_usd is None


def test_output_without_a_result_message_is_rejected():
    with pytest.raises(AgentOutputError, match=r"no .*result"):
        parse_claude_code('{"type":"system","subtype":"init"}\n')


def test_garbage_names_the_line():
    with pytest.raises(AgentOutputError, match="line 2"):
        parse_claude_code('{"type":"system"}\nSegmentation fault\n')


def test_argv_passes_the_instruction_as_one_element_after_the_options(request_for):
    agent = ClaudeCodeAgent(AgentSpec(type="claude-code", args=("--allowedTools", "Bash,Edit")))
    request = request_for(instruction="--help me; rm -rf /")

    argv = agent.argv(request, FIXTURES)

    assert argv[:2] == ["claude", "-p"]
    assert argv[-2:] == ["--", "--help me; rm -rf /"]
    assert argv[argv.index("--output-format") + 1] == "stream-json"
    assert argv[argv.index("--model") + 1] == "gpt-5.4-coder-2026-10-01"
    assert argv[argv.index("--max-turns") + 1] == "12"
    assert "--allowedTools" in argv
    assert "sk-test-key" not in " ".join(argv)


def test_environment_points_at_the_lane_endpoint_without_v1(request_for):
    env = ClaudeCodeAgent(AgentSpec(type="claude-code")).environment(request_for())

    assert env == {
        "ANTHROPIC_API_KEY": "sk-test-key",
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:9001",
        "ANTHROPIC_CUSTOM_HEADERS": "X-Agent-Task-Id: fix-median-even",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }


def test_allow_root_lets_claude_code_bypass_permissions_as_root(request_for):
    spec = AgentSpec.model_validate({"type": "claude-code", "allowRoot": True})

    assert ClaudeCodeAgent(spec).environment(request_for())["IS_SANDBOX"] == "1"


def test_end_to_end_with_a_fake_claude_on_path(fake_cli, request_for):
    fake = fake_cli("claude", stdout=FIXTURES / "claude-code" / "success.stream.jsonl")
    request = request_for()

    result = ClaudeCodeAgent(AgentSpec(type="claude-code")).run(request)

    assert result.exit_code == 0
    assert result.error is None
    assert result.tokens.total == 19991
    assert result.tokens.source == "reported"
    assert result.api_calls == 4
    assert result.commands_run == ("python -m unittest -q",)
    call = fake.call()
    assert call["argv"][-1] == request.instruction
    assert call["env"]["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:9001"
    assert call["cwd"] == str(request.workspace)


def test_end_to_end_max_turns_maps_to_limit_exceeded(fake_cli, request_for):
    fake_cli("claude", stdout=FIXTURES / "claude-code" / "max_turns.json", exit_code=1)

    result = ClaudeCodeAgent(AgentSpec(type="claude-code")).run(request_for())

    assert result.limit_exceeded
    assert result.error is None
    assert result.tokens.output == 5120


def test_version_is_probed_from_the_cli(fake_cli):
    fake_cli("claude")

    assert ClaudeCodeAgent(AgentSpec(type="claude-code")).version() == "fake-cli 9.9.9"
    assert ClaudeCodeAgent(AgentSpec(type="claude-code", version="2.0.1")).version() == "2.0.1"
