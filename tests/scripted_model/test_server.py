"""Starting and stopping the scripted model server."""

from __future__ import annotations

import socket

import httpx
import pytest

from agent_evals.errors import UsageError
from agent_evals.scripted_model import serve_in_thread
from agent_evals.serving import bind_socket


def test_server_answers_inside_the_block_and_is_gone_after() -> None:
    with serve_in_thread() as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        assert httpx.get(url + "/models").json()["data"] == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/models")


def test_servers_side_by_side_get_their_own_ports() -> None:
    with serve_in_thread() as first, serve_in_thread() as second:
        assert first != second
        assert httpx.get(second + "/models").status_code == 200


def test_a_taken_port_is_a_usage_error_naming_the_fix() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=r"pass another --port \(0 picks a free one\)"):
            bind_socket("127.0.0.1", port)
