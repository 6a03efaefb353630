"""Agent, verify and lint processes get an allow-listed environment, never operator secrets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_evals.errors import UsageError
from agent_evals.harness.runner import RunOptions, run_slice
from agent_evals.scripted_model import parse_script, serve_in_thread
from agent_evals.store import Store

SECRETS = {
    "INCUMBENT_KEY": "sk-incumbent-secret",
    "CANDIDATE_KEY": "sk-candidate-secret",
    "AGENT_EVALS_ADMIN_TOKEN": "admin-token-secret",
    "AGENT_EVALS_INGEST_TOKEN": "ingest-token-secret",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
}
CANDIDATE = "gpt-5.4-coder-2026-10-01"


def _script(dump: Path) -> dict[str, object]:
    turns = [
        {"toolCalls": [{"name": "run_command", "arguments": {"command": f"env > {dump}"}}]},
        {"toolCalls": [{"name": "finish", "arguments": {"summary": "looked around"}}]},
    ]
    return {"models": {CANDIDATE: {"tasks": {"leak": turns}}}}


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(parse_script(_script(tmp_path / "agent.env"))) as url:
        yield url


def _configure(project, base_url: str, agent: str) -> None:
    project.config_path.write_text(
        "release:\n  incumbent: gpt-5.3-coder\n  candidate: gpt-5.4-coder\n"
        "  evalSlices: [bugfix-small]\n"
        "models:\n"
        f"  gpt-5.3-coder: {{baseUrl: '{base_url}', apiKeyEnv: INCUMBENT_KEY}}\n"
        f"  gpt-5.4-coder: {{model: {CANDIDATE}, baseUrl: '{base_url}',"
        " apiKeyEnv: CANDIDATE_KEY}\n"
        f"agent:\n{agent}",
        encoding="utf-8",
    )


def _add_leaky_task(project, tmp_path: Path) -> None:
    project.add_task(
        "leak",
        "instruction: Look around.\n"
        f"verify: {{command: ['sh', '-c', 'env > {tmp_path / 'verify.env'}']}}\n"
        f"review: {{lintCommand: ['sh', '-c', 'env >> {tmp_path / 'lint.env'}']}}\n",
        {"a.txt": "a\n"},
    )


def _env(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _replay(project) -> None:
    store = Store.memory()
    run_slice(store, project.loaded(), "candidate", "bugfix-small", RunOptions(progress=False))


@pytest.mark.usefixtures("secrets")
def test_the_builtin_agent_verify_and_lint_see_no_key_and_no_token(
    project, tmp_path: Path, base_url: str
) -> None:
    _configure(project, base_url, "  type: builtin\n")
    _add_leaky_task(project, tmp_path)
    _replay(project)
    for name in ("verify.env", "lint.env"):  # the agent's bash -l sets its own PATH
        assert _env(tmp_path / name)["PATH"] == os.environ["PATH"]
    for name in ("agent.env", "verify.env", "lint.env"):
        seen = (tmp_path / name).read_text(encoding="utf-8")
        assert not [secret for secret in SECRETS.values() if secret in seen], name
        env = _env(tmp_path / name)
        assert env["LC_ALL"] == "C.UTF-8"
        assert env["HOME"] != os.environ["HOME"]  # a private, empty home per run
        assert not Path(env["HOME"]).exists()  # removed with the workspace


@pytest.mark.usefixtures("secrets")
def test_a_command_agent_gets_its_own_lanes_key_under_the_name_it_reads(
    project, tmp_path: Path, base_url: str
) -> None:
    dump = tmp_path / "agent.env"
    _configure(
        project,
        base_url,
        f"  type: command\n  version: '1'\n  command: [sh, -c, 'env > {dump}']\n",
    )
    _add_leaky_task(project, tmp_path)
    _replay(project)
    env = _env(dump)
    assert env["OPENAI_API_KEY"] == env["AGENT_EVALS_API_KEY"] == SECRETS["CANDIDATE_KEY"]
    leaked = [v for k, v in SECRETS.items() if k != "CANDIDATE_KEY" and v in dump.read_text()]
    assert leaked == []


@pytest.mark.usefixtures("secrets")
def test_pass_env_adds_named_variables_to_every_process(
    project, tmp_path: Path, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    monkeypatch.setenv("HOME", str(tmp_path))
    _configure(project, base_url, "  type: builtin\n  passEnv: [PIP_INDEX_URL, HOME, UNSET_ONE]\n")
    _add_leaky_task(project, tmp_path)
    _replay(project)
    for name in ("agent.env", "verify.env", "lint.env"):
        env = _env(tmp_path / name)
        assert env["PIP_INDEX_URL"] == "https://mirror.example/simple"
        assert env["HOME"] == str(tmp_path)  # passEnv: [HOME] keeps the operator's home
        assert "UNSET_ONE" not in env


@pytest.mark.parametrize(
    ("variable", "named"),
    [
        ("INCUMBENT_KEY", "models.gpt-5.3-coder.apiKeyEnv"),
        ("CANDIDATE_KEY", "models.gpt-5.4-coder.apiKeyEnv"),
        ("AGENT_EVALS_ADMIN_TOKEN", "gateway.adminTokenEnv"),
        ("AGENT_EVALS_GITHUB_WEBHOOK_SECRET", "gateway.githubWebhookSecretEnv"),
    ],
)
@pytest.mark.usefixtures("secrets")
def test_pass_env_refuses_a_key_or_token_of_the_config(
    project, base_url: str, variable: str, named: str
) -> None:
    _configure(project, base_url, f"  type: builtin\n  passEnv: [{variable}]\n")
    project.add_task("leak", "instruction: x\nverify: {command: ['true']}\n", {"a.txt": "a\n"})
    with pytest.raises(UsageError, match=rf"agent.passEnv: {variable} is the secret of {named}"):
        _replay(project)
