"""aider: the analytics-log parser, the argv and environment, a run writing its log."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents import AgentOutputError, AiderAgent, parse_aider
from agent_evals.harness.agents.base import state_files
from agent_evals.records import TokenUsage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"


def test_message_send_events_add_up(recorded):
    report = parse_aider(recorded("aider", "success.jsonl"))

    assert report.status == "finished"
    assert report.tokens == TokenUsage(14496, 396, None, None, 14892, "reported")
    assert report.cost_usd == pytest.approx(0.049428)
    assert report.api_calls == 2
    assert report.model == "openai/gpt-5.4-coder-2026-10-01"


def test_exception_event_is_an_error_without_usage(recorded):
    report = parse_aider(recorded("aider", "exception.jsonl"))

    assert report.status == "error"
    assert report.error == "litellm.APIConnectionError: OpenAIException - Connection error."
    assert report.tokens.source == "missing"
    assert report.api_calls is None


def test_a_session_without_messages_has_missing_usage(recorded):
    report = parse_aider(recorded("aider", "no_usage.jsonl"))

    assert report.status == "unknown"
    assert report.tokens == TokenUsage.missing()
    assert report.cost_usd is None


def test_zero_cost_for_an_unpriced_model_is_unknown_not_free(recorded):
    text = recorded("aider", "success.jsonl").replace('"cost": 0.034743', '"cost": 0')
    text = text.replace('"cost": 0.014685', '"cost": 0').replace(
        '"total_cost": 0.049428', '"total_cost": 0'
    )

    report = parse_aider(text)

    assert report.cost_usd is None
    assert report.tokens.total == 14892


def test_a_log_that_is_not_analytics_is_rejected():
    with pytest.raises(AgentOutputError, match="line 1"):
        parse_aider("Aider v0.86.1\n")
    with pytest.raises(AgentOutputError, match="no aider analytics events"):
        parse_aider('{"type": "result"}\n')


def test_argv_uses_the_openai_prefix_and_logs_analytics_outside_the_workspace(
    request_for, tmp_path
):
    out = tmp_path / "out"
    argv = AiderAgent(AgentSpec(type="aider", args=("stats/core.py",))).argv(request_for(), out)

    assert argv[0] == "aider"
    assert argv[1] == "--message=The median of an even-length list is wrong. Fix stats.median."
    assert argv[argv.index("--model") + 1] == "openai/gpt-5.4-coder-2026-10-01"
    assert argv[argv.index("--analytics-log") + 1] == str(out / "aider-analytics.jsonl")
    assert {"--yes-always", "--no-git", "--no-analytics"} <= set(argv)
    assert argv[-1] == "stats/core.py"


def test_environment_names_the_openai_compatible_endpoint(request_for):
    env = AiderAgent(AgentSpec(type="aider")).environment(request_for())

    assert env == {"OPENAI_API_BASE": "http://127.0.0.1:9001/v1", "OPENAI_API_KEY": "sk-test-key"}


def test_end_to_end_reads_the_log_the_fake_aider_wrote(fake_cli, request_for, tmp_path):
    fake_cli("aider", write_flag="--analytics-log", source=FIXTURES / "aider" / "success.jsonl")
    request = request_for(log_dir=tmp_path / "logs")

    result = AiderAgent(AgentSpec(type="aider")).run(request)

    assert result.error is None
    assert result.tokens.input == 14496
    assert result.api_calls == 2
    assert (tmp_path / "logs" / "aider-analytics.jsonl").is_file()
    assert (tmp_path / "logs" / "agent.stdout").is_file()


def test_an_aider_that_cannot_import_itself_is_an_infra_error_without_usage(fake_cli, request_for):
    fake_cli(
        "aider",
        exit_code=2,
        stderr="Traceback ...\nModuleNotFoundError: No module named 'litellm'\n",
    )

    result = AiderAgent(AgentSpec(type="aider")).run(request_for())

    assert result.exit_code == 2
    assert result.infra_error
    assert result.error.startswith(
        "infrastructure: the agent program is broken (it cannot import its own modules) "
        "(ModuleNotFoundError: No module named 'litellm'); agent exited with code 2"
    )
    assert result.error.endswith("No module named 'litellm'")
    assert result.tokens.source == "missing"
    assert "ModuleNotFoundError" in result.output_tail


def test_aider_runs_without_streaming_and_keeps_its_history_outside_the_workspace(
    request_for, tmp_path
):
    out = tmp_path / "out"
    argv = AiderAgent(AgentSpec(type="aider")).argv(request_for(), out)

    assert "--no-stream" in argv
    assert argv[argv.index("--chat-history-file") + 1] == str(out / ".aider.chat.history.md")
    assert argv[argv.index("--input-history-file") + 1] == str(out / ".aider.input.history")


def test_counts_of_an_aider_told_to_stream_are_estimates(fake_cli, request_for):
    fake_cli("aider", write_flag="--analytics-log", source=FIXTURES / "aider" / "success.jsonl")

    streamed = AiderAgent(AgentSpec(type="aider", args=("--stream",))).run(request_for())
    plain = AiderAgent(AgentSpec(type="aider")).run(request_for())

    assert streamed.tokens.source == "estimated"
    assert plain.tokens.source == "reported"
    assert streamed.tokens.total == plain.tokens.total


def test_aider_declares_its_history_and_cache_as_its_own_state():
    files = state_files(AiderAgent(AgentSpec(type="aider")))

    assert "**/.aider.chat.history.md" in files
    assert "**/.aider.input.history" in files


def test_the_task_id_reaches_the_model_as_a_header_through_the_model_settings_file(
    request_for, tmp_path
):
    out = tmp_path / "out"
    out.mkdir()
    request = request_for()
    argv = AiderAgent(AgentSpec(type="aider")).argv(request, out)
    settings = yaml.safe_load(Path(argv[argv.index("--model-settings-file") + 1]).read_text())
    assert settings == [
        {
            "name": argv[argv.index("--model") + 1],
            "extra_params": {"extra_headers": {"X-Agent-Task-Id": request.task_id}},
        }
    ]
