"""``agent-evals scripted-model`` from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from agent_evals.cli.app import main


def test_serves_the_script_until_stopped(tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text("models:\n  m1:\n    tasks:\n      '*':\n        - content: scripted hello\n")
    argv = [sys.executable, "-m", "agent_evals", "scripted-model", "--script", str(script)]
    server = subprocess.Popen(
        [*argv, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert server.stdout is not None
        announced = server.stdout.readline()
        url = announced.split(" listening on ")[1].split()[0]
        body = {"model": "m1", "messages": [{"role": "user", "content": "hi"}]}
        answer = httpx.post(url + "/chat/completions", json=body, timeout=30).json()
        assert answer["choices"][0]["message"]["content"] == "scripted hello"
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_a_bad_script_exits_2_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.yaml"
    script.write_text("defaults: {delay: 5}\n")
    with pytest.raises(SystemExit) as caught:
        main(["scripted-model", "--script", str(script)])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert f"{script}: defaults.delay: unknown key; did you mean 'delayMs'?" in error
