"""Webhook URLs carry credentials: drills, hook outcomes and the audit log show them masked."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent_evals.config.redact import redact_url, redact_urls

from ..conftest import CANONICAL_CONFIG, RunCli

SECRET = "T0SECRET/B0SECRET/XXXXtokenXXXX"


@pytest.fixture
def sink() -> Iterator[str]:
    """A webhook receiver on 127.0.0.1 that answers 200 on any path; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def _actor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_EVALS_ACTOR", "ops-bot")


def test_a_drill_and_the_audit_log_never_show_a_webhooks_secret_path_or_query(
    run_cli: RunCli, tmp_path: Path, sink: str
) -> None:
    dead = f"http://user:pass@127.0.0.1:{closed_port()}/services/{SECRET}"
    hooks = (
        "hooks:\n"
        f"  onRollback: [{{webhook: '{sink}/services/{SECRET}', retries: 0}}]\n"
        f"  onAlert: [{{webhook: '{dead}?token={SECRET}', retries: 0, timeoutSeconds: 2}}]\n"
    )
    config = tmp_path / "config" / "model-release.yaml"
    config.parent.mkdir()
    config.write_text(CANONICAL_CONFIG + hooks, encoding="utf-8")

    drill = run_cli("canary", "drill")
    drill_json = run_cli("canary", "drill", "--format", "json")
    audit = run_cli("audit")
    audit_json = run_cli("audit", "--format", "json")

    for shown in (drill, drill_json, audit, audit_json):
        assert "SECRET" not in shown.stdout + shown.stderr
        assert "pass@" not in shown.stdout + shown.stderr
    assert f"webhook {sink}/…" in drill.stdout
    assert "webhook http://127.0.0.1:" in audit.stdout
    checks = json.loads(drill_json.stdout)["checks"]
    assert f"[ok] rollback hook webhook {sink}/…: HTTP 200 after 1 attempt(s)" in checks


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T0/B0/XXXX", "https://hooks.slack.com/…"),
        ("https://user:pw@hooks.example:8443/h?token=abc", "https://hooks.example:8443/…"),
        ("https://hooks.example", "https://hooks.example"),
        ("https://hooks.example/", "https://hooks.example"),
        ("http://[::1]:9000/x", "http://[::1]:9000/…"),
        ("not a url", "…"),
        ("http://host:99999999/x", "…"),
    ],
)
def test_a_url_keeps_its_scheme_host_and_port_and_masks_the_rest(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_urls_inside_an_error_message_are_masked() -> None:
    message = "Client error '404' for url 'https://hooks.slack.com/services/T0/B0/XXXX'"

    assert redact_urls(message) == "Client error '404' for url 'https://hooks.slack.com/…'"
