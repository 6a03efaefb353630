"""The preflight stops a replay whose lanes cannot work, naming the lane, what answered, the fix."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from agent_evals.config.models import AgentSpec
from agent_evals.errors import EXIT_RUNTIME
from agent_evals.harness.agents import ClaudeCodeAgent, CodexAgent, MiniSweAgent
from agent_evals.harness.agents.builtin import BuiltinAgent
from agent_evals.harness.preflight import LaneProbe, PreflightError, preflight, probe_request
from agent_evals.scripted_model import parse_script, serve_in_thread

MODEL = "gpt-5.4-coder-2026-10-01"


def lane(base_url: str | None, **changes: object) -> LaneProbe:
    fields: dict[str, object] = {
        "lane": "candidate",
        "model_key": "gpt-5.4-coder",
        "model": MODEL,
        "base_url": base_url,
        "api_key": None,
        "api_key_env": None,
    }
    fields.update(changes)
    return LaneProbe(**fields)  # type: ignore[arg-type]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def failure_lines(lanes: list[LaneProbe], adapter: object) -> list[str]:
    with pytest.raises(PreflightError) as caught:
        preflight(lanes, adapter)
    assert caught.value.exit_code == EXIT_RUNTIME
    return [failure.line() for failure in caught.value.failures]


def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / name
    script.write_text(f"#!{sys.executable}\nimport sys\n{body}\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


def test_a_lane_whose_endpoint_answers_passes():
    with serve_in_thread() as url:
        preflight([lane(url), lane(url, lane="incumbent")], BuiltinAgent())


def test_a_closed_port_names_the_lane_the_url_what_answered_and_the_fix():
    url = closed_port_url()

    (line,) = failure_lines([lane(url)], BuiltinAgent())

    assert line.startswith(f"candidate: {url}/chat/completions: nothing answered (")
    assert line.endswith("fix: start the endpoint, or correct models.gpt-5.4-coder.baseUrl")


def test_a_refused_key_names_the_variable_that_holds_it():
    script = parse_script({"models": {"*": {"tasks": {"*": [{"status": 401}]}}}})
    with serve_in_thread(script) as url:
        (line,) = failure_lines(
            [lane(url, api_key="sk-bad", api_key_env="CANDIDATE_KEY")], BuiltinAgent()
        )

    assert ": HTTP 401" in line
    assert line.endswith("fix: check the key in CANDIDATE_KEY (models.gpt-5.4-coder.apiKeyEnv)")


def test_an_endpoint_that_wants_a_key_when_none_is_configured_says_where_to_set_one():
    script = parse_script({"models": {"*": {"tasks": {"*": [{"status": 403}]}}}})
    with serve_in_thread(script) as url:
        (line,) = failure_lines([lane(url)], BuiltinAgent())

    assert "set models.gpt-5.4-coder.apiKeyEnv" in line


def test_a_missing_api_route_is_refused_with_a_hint_about_the_base_url():
    with serve_in_thread() as url:
        root = url.removesuffix("/v1")
        (line,) = failure_lines([lane(root)], BuiltinAgent())

    assert line.startswith(f"candidate: {root}/chat/completions: HTTP 404")
    assert "usually end in /v1" in line


def test_the_builtin_agent_without_a_base_url_is_refused():
    (line,) = failure_lines([lane(None)], BuiltinAgent())

    assert line == (
        "candidate: models.gpt-5.4-coder: no baseUrl; "
        "fix: set models.gpt-5.4-coder.baseUrl to the lane's endpoint"
    )


def test_a_missing_agent_binary_is_refused_once_for_every_lane():
    agent = CodexAgent(AgentSpec(type="codex", command=("agent-evals-no-such-codex",)))

    (line,) = failure_lines(
        [lane(None), lane(None, lane="incumbent")],
        agent,
    )

    assert line.startswith("candidate, incumbent: agent-evals-no-such-codex: not found on PATH")


def test_an_agent_whose_version_probe_fails_is_refused(tmp_path, monkeypatch):
    install(
        tmp_path, monkeypatch, "claude", "sys.stderr.write('cannot load config\\n')\nsys.exit(3)"
    )

    (line,) = failure_lines([lane(None)], ClaudeCodeAgent(AgentSpec(type="claude-code")))

    assert line.startswith("candidate: claude --version: exited with code 3: cannot load config")


def test_mini_swe_agent_is_probed_with_help_since_it_has_no_version_flag(tmp_path, monkeypatch):
    install(tmp_path, monkeypatch, "mini", "sys.exit(0 if sys.argv[1:] == ['--help'] else 2)")

    preflight([lane(None)], MiniSweAgent(AgentSpec(type="mini-swe-agent")))


def test_each_wire_is_probed_on_the_route_its_agent_calls():
    base = "http://h:1/v1"

    assert probe_request("openai-chat", base, MODEL, "k").url == "http://h:1/v1/chat/completions"
    assert probe_request("openai-responses", base, MODEL, None).url == "http://h:1/v1/responses"
    anthropic = probe_request("anthropic-messages", base, MODEL, "k")
    assert anthropic.url == "http://h:1/v1/messages"
    assert anthropic.headers["x-api-key"] == "k"
    gemini = probe_request("gemini", "http://h:1/v1beta", MODEL, "k")
    assert gemini.url == f"http://h:1/v1beta/models/{MODEL}:generateContent"
    assert probe_request("openai-chat", base, MODEL, None).headers == {}
