"""The usage parsers by name, the json-usage format and file-located format errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.errors import ImportFormatError, UsageError
from agent_evals.harness.agents import PARSERS, get_parser, parse_file, parse_json_usage
from agent_evals.records import TokenUsage

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"


def test_every_agent_format_and_json_usage_is_registered():
    assert sorted(PARSERS) == [
        "aider",
        "claude-code",
        "codex",
        "gemini-cli",
        "json-usage",
        "mini-swe-agent",
    ]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("claude-code", "claude-code/success.json"),
        ("codex", "codex/success.jsonl"),
        ("gemini-cli", "gemini-cli/success.json"),
        ("aider", "aider/success.jsonl"),
        ("mini-swe-agent", "mini-swe-agent/submitted.traj.json"),
    ],
)
def test_parse_file_reads_each_recorded_success(name, path):
    report = parse_file(name, FIXTURES / path)

    assert report.agent == name
    assert report.status == "finished"
    assert report.tokens.source == "reported"
    assert report.tokens.total > 0


def test_format_errors_name_the_file_and_line(tmp_path):
    log = tmp_path / "events.jsonl"
    log.write_text('{"type":"thread.started","thread_id":"t"}\n\n{"type": oops}\n')

    with pytest.raises(ImportFormatError, match=rf"^{log}:3: Codex event line is not JSON"):
        parse_file("codex", log)


def test_parse_file_on_a_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="cannot read"):
        parse_file("aider", tmp_path / "missing.jsonl")


def test_unknown_parser_name_lists_the_known_ones():
    with pytest.raises(UsageError, match=r"did you mean 'json-usage'\? \(known: aider, "):
        get_parser("json_usage")


def test_json_usage_reads_known_keys_and_ignores_others():
    usage = '{"input_tokens": 10, "output_tokens": 5, "total_tokens": 15, "api_calls": 2, '
    text = f'step 1\n{usage}"model": "m", "other": 1}}\n\n'

    report = parse_json_usage(text)

    assert report.tokens == TokenUsage(10, 5, None, None, 15, "reported")
    assert (report.api_calls, report.model, report.status) == (2, "m", "finished")


def test_json_usage_error_key_marks_the_run_failed():
    report = parse_json_usage('{"error": "model refused", "input_tokens": 3}')

    assert report.status == "error"
    assert report.error == "model refused"
    assert report.tokens.input == 3


def test_json_usage_without_any_token_key_is_missing():
    assert parse_json_usage('{"cost_usd": 0.2}').tokens == TokenUsage.missing()
