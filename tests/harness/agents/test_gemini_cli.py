"""Gemini CLI: json and stream-json parsing, the turn-limit exit code, a run end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents import AgentOutputError, GeminiCliAgent, parse_gemini_cli
from agent_evals.records import TokenUsage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"


def test_json_sums_every_model_and_counts_thoughts_as_output(recorded):
    report = parse_gemini_cli(recorded("gemini-cli", "success.json"))

    assert report.status == "finished"
    assert report.tokens == TokenUsage(14548, 372, 10656, None, 25576, "reported")
    assert report.api_calls == 5
    assert report.model == "gemini-2.5-pro"
    assert report.final_message.startswith("I fixed `median`")
    assert report.error is None


def test_api_error_keeps_partial_usage_and_names_the_error(recorded):
    report = parse_gemini_cli(recorded("gemini-cli", "api_error.json"))

    assert report.status == "error"
    assert report.error == "ApiError: Rate limit exceeded"
    assert report.tokens == TokenUsage(9000, 120, 0, None, 9120, "reported")


def test_turn_limit_error_is_a_limit(recorded):
    report = parse_gemini_cli(recorded("gemini-cli", "turn_limit.json"))

    assert report.status == "limit_exceeded"
    assert report.error is None
    assert report.tokens == TokenUsage(151220, 8620, 250000, None, 409840, "reported")


def test_response_without_stats_has_missing_usage(recorded):
    report = parse_gemini_cli(recorded("gemini-cli", "no_usage.json"))

    assert report.status == "finished"
    assert report.tokens.source == "missing"
    assert report.api_calls is None


def test_stream_json_reports_usage_commands_and_edited_files(recorded):
    report = parse_gemini_cli(recorded("gemini-cli", "success.stream.jsonl"))

    assert report.status == "finished"
    assert report.tokens == TokenUsage(14548, 372, 10656, None, 25576, "reported")
    assert report.commands == ("python -m unittest -q",)
    assert report.files_changed == ("/tmp/ws/stats/core.py",)
    assert report.model == "gemini-2.5-pro"


def test_notice_lines_before_the_json_are_skipped(recorded):
    text = "Loaded cached credentials.\n" + recorded("gemini-cli", "success.json")

    assert parse_gemini_cli(text).tokens.total == 25576


def test_output_without_json_is_rejected():
    with pytest.raises(AgentOutputError, match="no JSON object"):
        parse_gemini_cli("Please set an Auth method in your settings.json\n")


def test_argv_and_environment(request_for):
    agent = GeminiCliAgent(AgentSpec(type="gemini-cli"))
    request = request_for(instruction="--yolo off", base_url="http://127.0.0.1:9002/v1beta")

    argv = agent.argv(request, FIXTURES)

    assert argv[0] == "gemini"
    assert argv[-1] == "--prompt=--yolo off"
    assert argv[argv.index("--output-format") + 1] == "json"
    assert argv[argv.index("--model") + 1] == "gpt-5.4-coder-2026-10-01"
    env = agent.environment(request)
    assert env["GEMINI_API_KEY"] == "sk-test-key"
    assert env["GOOGLE_GEMINI_BASE_URL"] == "http://127.0.0.1:9002"


def test_end_to_end_exit_code_53_is_the_turn_limit(fake_cli, request_for):
    fake = fake_cli("gemini", stdout=FIXTURES / "gemini-cli" / "turn_limit.json", exit_code=53)

    result = GeminiCliAgent(AgentSpec(type="gemini-cli")).run(request_for())

    assert result.exit_code == 53
    assert result.limit_exceeded
    assert result.error is None
    assert result.api_calls == 30
    assert fake.call()["env"]["GEMINI_API_KEY"] == "sk-test-key"


def test_end_to_end_success(fake_cli, request_for):
    fake_cli("gemini", stdout=FIXTURES / "gemini-cli" / "success.json")

    result = GeminiCliAgent(AgentSpec(type="gemini-cli")).run(request_for())

    assert (result.exit_code, result.error, result.limit_exceeded) == (0, None, False)
    assert result.tokens.total == 25576
