"""The builtin agent against a real scripted model server."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_evals.harness.agents.base import AgentRequest
from agent_evals.harness.agents.builtin import BuiltinAgent
from agent_evals.scripted_model import create_app, parse_script, received_requests
from agent_evals.scripted_model.server import serve_app_in_thread

MODEL = "gpt-5.4-coder-2026-10-01"


def _call(name: str, **arguments: str) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def _usage(prompt: int, completion: int, cached: int = 0) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "cached_tokens": cached}


TASKS: dict[str, list[dict[str, Any]]] = {
    "fix": [
        {
            "content": "I will fix it.",
            "toolCalls": [_call("write_file", path="pkg/fixed.py", content="VALUE = 2\n")],
            "usage": _usage(1200, 300, 200),
        },
        {
            "toolCalls": [_call("run_command", command="cat pkg/fixed.py > seen.txt")],
            "usage": _usage(1500, 40, 1000),
        },
        {"toolCalls": [_call("finish", summary="fixed")], "usage": _usage(1600, 10)},
    ],
    "chatty": [{"content": "Nothing to do.", "usage": _usage(10, 5)}],
    "loop": [{"toolCalls": [_call("run_command", command="true")]}] * 5,
    "escape": [
        {"toolCalls": [_call("write_file", path="../outside.txt", content="x")]},
        {"toolCalls": [_call("write_file", path="/tmp/agent-evals-absolute.txt", content="x")]},
        {"toolCalls": [_call("read_file", path="link/secret.txt")]},
        {"toolCalls": [_call("finish", summary="tried")]},
    ],
    "hang": [{"toolCalls": [_call("run_command", command="echo $$ > pid.txt; exec sleep 60")]}],
    "broken": [{"status": 500}],
    "secret": [
        {"toolCalls": [_call("run_command", command="echo ${AGENT_EVALS_BUILTIN_API_KEY:-unset}")]},
        {"toolCalls": [_call("finish", summary="done")]},
    ],
}


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(parse_script({"models": {MODEL: {"tasks": TASKS}}}))


@pytest.fixture(scope="module")
def base_url(app: Any) -> Iterator[str]:
    with serve_app_in_thread(app) as url:
        yield url


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    return folder


def _request(task: str, workspace: Path, base_url: str | None, **extra: Any) -> AgentRequest:
    return AgentRequest(
        task_id=task,
        instruction="Fix the bug.",
        workspace=workspace,
        model=MODEL,
        base_url=base_url,
        api_key="sk-test",
        **extra,
    )


def _requests_for(app: Any, task: str) -> list[Any]:
    return [r for r in received_requests(app) if r.task_id == task]


def test_agent_writes_runs_and_finishes_with_summed_usage(
    app: Any, base_url: str, workspace: Path
) -> None:
    result = BuiltinAgent(python=sys.executable).run(_request("fix", workspace, base_url))
    assert result.error is None, result.output_tail
    assert result.exit_code == 0
    assert (workspace / "pkg" / "fixed.py").read_text() == "VALUE = 2\n"
    assert (workspace / "seen.txt").read_text() == "VALUE = 2\n"
    assert result.commands_run == ("cat pkg/fixed.py > seen.txt",)
    assert result.api_calls == 3
    tokens = result.tokens
    assert tokens.source == "reported"
    assert (tokens.input, tokens.cache_read) == (4300 - 1200, 1200)
    assert (tokens.output, tokens.total) == (350, 4300 + 350)
    assert not result.limit_exceeded and not result.timed_out


def test_agent_sends_task_header_key_tools_and_tool_results(
    app: Any, base_url: str, workspace: Path
) -> None:
    BuiltinAgent().run(_request("fix", workspace, base_url))
    first, second = _requests_for(app, "fix")[-3:-1]
    assert first.headers["authorization"] == "Bearer sk-test"
    names = {tool["function"]["name"] for tool in first.body["tools"]}
    assert names == {"run_command", "write_file", "read_file", "finish"}
    assert [m["role"] for m in first.body["messages"]] == ["system", "user"]
    assert first.body["messages"][1]["content"] == "Fix the bug."
    tool_answer = second.body["messages"][-1]
    assert tool_answer["role"] == "tool"
    assert tool_answer["content"] == "wrote 10 characters to pkg/fixed.py"


def test_a_reply_without_tool_calls_ends_the_run(base_url: str, workspace: Path) -> None:
    result = BuiltinAgent().run(_request("chatty", workspace, base_url))
    assert (result.exit_code, result.error, result.limit_exceeded) == (0, None, False)
    assert result.api_calls == 1
    assert result.tokens.total == 15


def test_max_turns_is_limit_exceeded(base_url: str, workspace: Path) -> None:
    result = BuiltinAgent().run(_request("loop", workspace, base_url, max_turns=2))
    assert result.limit_exceeded
    assert result.error is None
    assert result.api_calls == 2
    assert result.commands_run == ("true", "true")


def test_paths_outside_the_workspace_are_refused(
    app: Any, base_url: str, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret")
    (workspace / "link").symlink_to(outside)
    result = BuiltinAgent().run(_request("escape", workspace, base_url))
    assert result.error is None
    assert not (tmp_path / "outside.txt").exists()
    assert not Path("/tmp/agent-evals-absolute.txt").exists()
    answers = [r.body["messages"][-1]["content"] for r in _requests_for(app, "escape")[1:]]
    assert all("is outside the workspace" in answer for answer in answers)
    assert not any("top secret" in answer for answer in answers)


def test_api_key_is_hidden_from_the_model_commands(
    app: Any, base_url: str, workspace: Path
) -> None:
    BuiltinAgent().run(_request("secret", workspace, base_url))
    answer = _requests_for(app, "secret")[-1].body["messages"][-1]["content"]
    assert answer == "exit code: 0\nunset\n"


def test_timeout_kills_the_agent_and_its_commands(base_url: str, workspace: Path) -> None:
    result = BuiltinAgent().run(_request("hang", workspace, base_url, timeout_s=3))
    assert result.timed_out
    assert result.exit_code is None
    assert result.api_calls == 1, "usage so far survives the kill"
    pid = int((workspace / "pid.txt").read_text())
    assert _eventually_gone(pid)


def test_model_server_down_is_an_error(workspace: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = BuiltinAgent().run(_request("fix", workspace, f"http://127.0.0.1:{port}/v1"))
    assert result.exit_code not in (0, None)
    assert result.error is not None and "cannot reach the model endpoint" in result.error
    assert result.tokens.source == "missing"
    assert result.api_calls == 1


def test_model_http_error_is_an_error(base_url: str, workspace: Path) -> None:
    result = BuiltinAgent().run(_request("broken", workspace, base_url))
    assert result.exit_code == 1
    assert result.error is not None and "HTTP 500" in result.error


def test_missing_endpoint_is_an_error(workspace: Path) -> None:
    result = BuiltinAgent().run(_request("fix", workspace, None))
    assert result.error is not None and "baseUrl" in result.error
    assert result.api_calls == 0


def test_log_dir_keeps_the_transcript(base_url: str, workspace: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    BuiltinAgent().run(_request("chatty", workspace, base_url, log_dir=logs))
    lines = (logs / "builtin-transcript.jsonl").read_text().splitlines()
    roles = [json.loads(line)["role"] for line in lines]
    assert roles == ["system", "user", "assistant"]
    assert "sk-test" not in (logs / "builtin-spec.json").read_text()


def test_version_names_the_package_and_the_prompt() -> None:
    agent = BuiltinAgent()
    assert agent.name == "builtin"
    assert agent.version().startswith("0.")
    assert "+" in agent.version()


def _eventually_gone(pid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return not os.path.exists(f"/proc/{pid}")


def test_an_interpreter_that_cannot_start_is_an_error(workspace: Path) -> None:
    result = BuiltinAgent(python="/nonexistent/python").run(_request("fix", workspace, None))
    assert result.error is not None and "cannot start" in result.error
    assert result.tokens.source == "missing"
