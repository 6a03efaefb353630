"""A replay whose endpoint is down stops before any run is stored and exits 4, never 1."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from agent_evals.errors import EXIT_RUNTIME
from agent_evals.scripted_model import load_script, serve_in_thread
from agent_evals.store import Store


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def point(config: Path, model: str, url: str) -> None:
    """Set ``models.<model>.baseUrl`` in the example's config."""
    lines, current = [], None
    for line in config.read_text().splitlines():
        found = re.match(r"  ([\w.-]+):$", line)
        current = found.group(1) if found else current
        if current == model and line.strip().startswith("baseUrl:"):
            line = f"    baseUrl: {url}"
        lines.append(line)
    config.write_text("\n".join(lines) + "\n")


def test_the_closed_port_replay_exits_4_naming_the_lane_and_stores_nothing(run_cli, tmp_path):
    assert run_cli("init", "--example").exit_code == 0
    config = tmp_path / "config" / "model-release.yaml"
    closed = closed_port_url()
    point(config, "gpt-5.4-coder", closed)

    with serve_in_thread(load_script(tmp_path / "scripts" / "models.yaml")) as url:
        point(config, "gpt-5.3-coder", url)
        result = run_cli(
            "replay", "--lane", "candidate", "--slice", "bugfix-small", "--with-baseline"
        )

    assert result.exit_code == EXIT_RUNTIME
    (line,) = [line for line in result.stderr.splitlines() if line.strip().startswith("candidate")]
    assert line.strip().startswith(f"candidate: {closed}/chat/completions: nothing answered")
    assert "fix: start the endpoint, or correct models.gpt-5.4-coder.baseUrl" in line
    assert "incumbent:" not in result.stderr
    stores = list((tmp_path / ".agent-evals").glob("*.db"))
    assert all(Store(f"sqlite:///{path}").count_runs() == 0 for path in stores)
