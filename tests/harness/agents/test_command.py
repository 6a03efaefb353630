"""The command adapter: argv templates without a shell, usage parsers, crashes and timeouts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agent_evals.config.models import AgentSpec
from agent_evals.errors import UsageError
from agent_evals.harness.agents import CommandAgent, render_argv

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"
ECHO_ARGS = "import json, sys; open('argv.json', 'w').write(json.dumps(sys.argv[1:]))"


def command(*argv: str, **fields: object) -> CommandAgent:
    return CommandAgent(AgentSpec(type="command", command=argv, **fields))


def test_shell_syntax_in_the_instruction_runs_nothing_and_arrives_literally(request_for, tmp_path):
    instruction = "fix it $(touch pwned) `touch pwned2`; touch pwned3 && echo {workspace} | sh"
    request = request_for(instruction=instruction)

    result = command(sys.executable, "-c", ECHO_ARGS, "--task={instruction}").run(request)

    assert result.exit_code == 0
    assert result.error is None
    received = json.loads((request.workspace / "argv.json").read_text())
    assert received == [f"--task={instruction}"]
    assert not list(tmp_path.rglob("pwned*"))


def test_placeholders_fill_inside_single_elements_other_braces_stay(request_for, tmp_path):
    request = request_for()

    argv = render_argv(
        ["agent", "{model}@{base_url}", "--id={task_id}", "{{model}}", "{workspace}", "{'a': {}}"],
        {
            "model": request.model,
            "base_url": request.base_url,
            "task_id": request.task_id,
            "workspace": str(request.workspace),
        },
    )

    assert argv == [
        "agent",
        "gpt-5.4-coder-2026-10-01@http://127.0.0.1:9001/v1",
        "--id=fix-median-even",
        "{model}",
        str(request.workspace),
        "{'a': {}}",
    ]


def test_unknown_placeholder_is_a_usage_error_listing_the_allowed_ones():
    with pytest.raises(UsageError, match=r"unknown placeholder \{api_key\}.*\{instruction\}"):
        command("agent", "--key={api_key}")


def test_command_type_needs_a_command():
    with pytest.raises(UsageError, match=r"agent\.command: required"):
        CommandAgent(AgentSpec(type="command"))


def test_unknown_usage_parser_suggests_the_closest_name():
    with pytest.raises(UsageError, match="did you mean 'claude-code'"):
        command("agent", usage_parser="claude_code")


def test_hanging_command_is_killed_at_its_timeout(request_for):
    hang = command(sys.executable, "-c", "import time; time.sleep(120)")

    result = hang.run(request_for(timeout_s=0.5))

    assert result.timed_out
    assert result.exit_code is None
    assert "timed out" in result.error
    assert result.tokens.source == "missing"


def test_a_hanging_agent_is_killed_with_its_children(request_for):
    hang = command("sh", "-c", "sleep 120 & sleep 120")

    result = hang.run(request_for(timeout_s=0.5))

    assert result.timed_out
    assert result.tokens.source == "missing"


def test_crashing_agent_with_garbage_output_is_an_error_without_usage(request_for):
    crash = command(
        sys.executable,
        "-c",
        "import sys; print('\\x00garbage{'); "
        "sys.stderr.write('boom: agent fell over\\n'); sys.exit(3)",
        usage_parser="claude-code",
    )

    result = crash.run(request_for())

    assert result.exit_code == 3
    assert (
        result.error
        == "agent exited with code 3\n--- agent stderr (tail) ---\nboom: agent fell over"
    )
    assert not result.infra_error
    assert result.tokens.source == "missing"
    assert result.cost_usd is None


def test_unreadable_usage_after_a_clean_exit_is_missing_usage_not_an_agent_error(request_for):
    result = command("echo", "not json", usage_parser="json-usage").run(request_for())

    assert result.exit_code == 0
    assert result.error is None
    assert result.tokens.source == "missing"
    assert "--- agent-evals ---\nusage not read: line 1: " in result.output_tail


def test_json_usage_from_the_last_stdout_line(request_for):
    usage = {"input_tokens": 1200, "output_tokens": 300, "cache_read_tokens": 200, "cost_usd": 0.01}
    script = f"print('working...'); print({json.dumps(json.dumps(usage))})"

    result = command(sys.executable, "-c", script, usage_parser="json-usage").run(request_for())

    assert result.error is None
    assert (result.tokens.input, result.tokens.output, result.tokens.cache_read) == (1200, 300, 200)
    assert result.tokens.total == 1700
    assert result.tokens.source == "reported"
    assert result.cost_usd == 0.01


def test_without_a_parser_usage_is_missing_not_zero(request_for):
    result = command("true").run(request_for())

    assert result.error is None
    assert result.tokens.source == "missing"
    assert result.tokens.total is None


def test_usage_from_a_file_the_agent_wrote_in_its_output_dir(request_for):
    source = FIXTURES / "mini-swe-agent" / "submitted.traj.json"
    copy = "import shutil, sys; shutil.copy(sys.argv[1], sys.argv[2])"
    agent = command(
        sys.executable,
        "-c",
        copy,
        str(source),
        "{output_dir}/traj.json",
        usage_parser="mini-swe-agent",
        usage_file="{output_dir}/traj.json",
    )

    result = agent.run(request_for())

    assert result.error is None
    assert result.tokens.total == 8400
    assert result.api_calls == 4


def test_the_program_sees_the_run_in_its_environment(request_for):
    dump = (
        "import json, os; json.dump({k: v for k, v in os.environ.items()"
        " if k.startswith(('AGENT_EVALS_', 'OPENAI_'))}, open('env.json', 'w'))"
    )
    request = request_for()

    command(sys.executable, "-c", dump).run(request)

    env = json.loads((request.workspace / "env.json").read_text())
    assert env["AGENT_EVALS_TASK_ID"] == "fix-median-even"
    assert env["AGENT_EVALS_BASE_URL"] == env["OPENAI_BASE_URL"] == "http://127.0.0.1:9001/v1"
    assert env["AGENT_EVALS_API_KEY"] == env["OPENAI_API_KEY"] == "sk-test-key"


def test_version_is_the_configured_one():
    assert command("agent").version() is None
    assert command("agent", version="1.4.0").version() == "1.4.0"
