"""How a process outcome and an agent's report combine into the harness's result."""

from __future__ import annotations

from pathlib import Path

from agent_evals.harness.agents import AgentOutputError, AgentReport
from agent_evals.harness.agents.process import ProcessOutcome
from agent_evals.harness.agents.report import agent_result, reported_tokens
from agent_evals.records import TokenUsage

USAGE = TokenUsage(100, 20, 50, None, 170, "reported")


def outcome(
    exit_code: int | None = 0, *, timed_out: bool = False, stderr: str = ""
) -> ProcessOutcome:
    return ProcessOutcome(exit_code, "out", stderr, timed_out, 2.0)


def report(status="finished", **fields) -> AgentReport:
    return AgentReport(agent="codex", status=status, tokens=USAGE, **fields)


def test_a_clean_finish_carries_the_reported_usage():
    result = agent_result(outcome(), report(api_calls=3, commands=("pytest",)))

    assert result.error is None
    assert result.tokens == USAGE
    assert result.api_calls == 3
    assert result.commands_run == ("pytest",)


def test_turns_stand_in_for_api_calls_when_calls_are_unknown():
    assert agent_result(outcome(), report(turns=7)).api_calls == 7


def test_a_timeout_wins_over_everything_and_keeps_partial_usage():
    result = agent_result(outcome(None, timed_out=True), report("limit_exceeded"))

    assert result.timed_out
    assert not result.limit_exceeded
    assert result.error == "agent timed out after 2.0s and was killed"
    assert result.tokens == USAGE


def test_a_limit_is_not_an_error():
    result = agent_result(outcome(1), report("limit_exceeded"))

    assert result.limit_exceeded
    assert result.error is None


def test_a_limit_exit_code_is_a_limit_even_without_a_report():
    result = agent_result(outcome(53), None, limit_exit_codes=frozenset({53}))

    assert result.limit_exceeded
    assert result.tokens == TokenUsage.missing()


def test_the_reported_error_beats_the_exit_code_and_keeps_the_stderr_tail():
    result = agent_result(outcome(1, stderr="trace"), report("error", error="rate limited"))

    assert result.error == "rate limited\n--- agent stderr (tail) ---\ntrace"
    assert not result.infra_error


def test_a_program_that_could_not_start_says_why():
    result = agent_result(outcome(None, stderr="cannot start 'claude': No such file"), None)

    assert result.error == "cannot start 'claude': No such file"
    assert result.tokens.source == "missing"


def test_an_error_status_without_a_message_still_fails_the_run():
    assert agent_result(outcome(), report("error")).error == "agent reported an error"


def test_the_output_tail_keeps_the_end_of_both_streams():
    result = agent_result(ProcessOutcome(1, "x" * 5000, "fatal", False, 1.0), None)

    assert result.output_tail.endswith("--- stderr ---\nfatal")
    assert len(result.output_tail) == 4000


def test_reported_tokens_fill_the_total_and_stay_missing_when_nothing_is_known():
    assert reported_tokens(input=10, output=2) == TokenUsage(10, 2, None, None, 12, "reported")
    assert reported_tokens(total=9) == TokenUsage(None, None, None, None, 9, "reported")
    assert reported_tokens() == TokenUsage.missing()


def test_output_errors_can_be_located_in_a_file():
    error = AgentOutputError("bad event", line=4)

    assert str(error) == "line 4: bad event"
    assert str(error.located(Path("run.jsonl"))) == "run.jsonl:4: bad event"
    assert str(AgentOutputError("empty").located(Path("run.jsonl"))) == "run.jsonl: empty"
