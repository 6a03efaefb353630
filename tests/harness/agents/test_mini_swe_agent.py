"""mini-swe-agent: trajectories, the exit-status mapping, the argv, a run end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents import (
    EXIT_STATUSES,
    AgentOutputError,
    MiniSweAgent,
    exit_status_to_agent_status,
    parse_mini_swe_agent,
)
from agent_evals.records import TokenUsage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"


def test_submitted_run_sums_the_usage_of_every_response(recorded):
    report = parse_mini_swe_agent(recorded("mini-swe-agent", "submitted.traj.json"))

    assert report.status == "finished"
    assert report.tokens == TokenUsage(2700, 500, 5200, None, 8400, "reported")
    assert report.cost_usd == pytest.approx(0.0115)
    assert report.api_calls == 4
    assert report.model == "openai/gpt-5.4-coder-2026-10-01"
    assert report.commands[0] == "cat stats/core.py"
    assert report.commands[2] == "python -m unittest -q"
    assert report.final_message.startswith("diff --git")


def test_limits_exceeded_is_a_limit(recorded):
    report = parse_mini_swe_agent(recorded("mini-swe-agent", "limits_exceeded.traj.json"))

    assert report.status == "limit_exceeded"
    assert report.error is None
    assert report.tokens.input == 2400
    assert report.api_calls == 3


def test_an_unexpected_exception_is_an_error_named_after_it(recorded):
    report = parse_mini_swe_agent(recorded("mini-swe-agent", "error.traj.json"))

    assert report.status == "error"
    assert report.error == (
        "APIConnectionError: litellm.exceptions.APIConnectionError: Connection refused"
    )


def test_older_text_trajectory_without_usage(recorded):
    report = parse_mini_swe_agent(recorded("mini-swe-agent", "no_usage.traj.json"))

    assert report.tokens == TokenUsage.missing()
    assert report.cost_usd is None  # saved as 0.0 although two calls were made
    assert report.commands == ("ls", "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT")


@pytest.mark.parametrize(
    ("exit_status", "expected"),
    [
        ("Submitted", "finished"),
        ("LimitsExceeded", "limit_exceeded"),
        ("TimeExceeded", "limit_exceeded"),
        ("ContextWindowExceeded", "error"),
        ("RuntimeError", "error"),
        (None, "unknown"),
    ],
)
def test_exit_status_mapping(exit_status, expected):
    assert exit_status_to_agent_status(exit_status) == expected


def test_exit_status_mapping_is_read_only():
    with pytest.raises(TypeError):
        EXIT_STATUSES["Submitted"] = "error"  # type: ignore[index]


def test_other_json_is_not_a_trajectory():
    with pytest.raises(AgentOutputError, match="not a mini-swe-agent trajectory"):
        parse_mini_swe_agent('{"instance_id": "x"}')
    with pytest.raises(AgentOutputError, match="not JSON"):
        parse_mini_swe_agent("Saved trajectory to 'x'")


def test_argv_sets_step_limit_endpoint_and_output(request_for, tmp_path):
    argv = MiniSweAgent(AgentSpec(type="mini-swe-agent")).argv(request_for(), tmp_path)

    assert argv[:3] == ["mini", "--yolo", "--exit-immediately"]
    assert "--task=The median of an even-length list is wrong. Fix stats.median." in argv
    assert "--model=openai/gpt-5.4-coder-2026-10-01" in argv
    assert f"--output={tmp_path / 'mini-swe-agent.traj.json'}" in argv
    overrides = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-c"]
    assert overrides == [
        "mini.yaml",
        "agent.step_limit=12",
        "model.model_kwargs.api_base=http://127.0.0.1:9001/v1",
        'model.model_kwargs.extra_headers={"X-Agent-Task-Id": "fix-median-even"}',
    ]


def test_end_to_end_reads_the_trajectory_the_fake_mini_wrote(fake_cli, request_for):
    fake = fake_cli(
        "mini", write_flag="--output", source=FIXTURES / "mini-swe-agent" / "submitted.traj.json"
    )

    result = MiniSweAgent(AgentSpec(type="mini-swe-agent")).run(request_for())

    assert result.error is None
    assert result.tokens.total == 8400
    assert result.cost_usd == pytest.approx(0.0115)
    assert len(result.commands_run) == 4
    assert fake.call()["env"]["MSWEA_CONFIGURED"] == "true"


def test_end_to_end_limits_exceeded(fake_cli, request_for):
    source = FIXTURES / "mini-swe-agent" / "limits_exceeded.traj.json"
    fake_cli("mini", write_flag="--output", source=source)

    result = MiniSweAgent(AgentSpec(type="mini-swe-agent")).run(request_for())

    assert result.limit_exceeded
    assert result.error is None


def test_the_version_comes_from_the_trajectory_not_from_a_version_flag(fake_cli, request_for):
    fake_cli(
        "mini", write_flag="--output", source=FIXTURES / "mini-swe-agent" / "submitted.traj.json"
    )
    agent = MiniSweAgent(AgentSpec(type="mini-swe-agent"))

    result = agent.run(request_for())

    assert agent.version() is None
    assert result.agent_version == "2.1.0"
