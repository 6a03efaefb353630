"""Time the scripted model's own work per request, in process, against a bare Starlette route.

Run: ``.venv/bin/python bench/scripted_model.py`` (``--requests N``). Requests go straight to
the ASGI app (no sockets), so the figures are the app's work, not the network's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agent_evals.scripted_model import create_app, parse_script

MODEL = "gpt-5.4-coder-2026-10-01"
SCRIPT = {
    "models": {
        MODEL: {
            "tasks": {
                "fix": [
                    {
                        "content": "I will fix the median.",
                        "toolCalls": [{"name": "write_file", "arguments": {"path": "a.py"}}],
                        "usage": {"prompt_tokens": 1200, "completion_tokens": 300},
                    }
                ]
            }
        }
    }
}
MESSAGES = [
    {"role": "system", "content": "You are a careful engineer. " * 20},
    {"role": "user", "content": "The median of an even-length list is wrong. Fix it."},
]


async def _fixed(request: Request) -> Response:
    await request.body()
    return Response(b'{"ok":true}', media_type="application/json")


def _baseline_app() -> Starlette:
    return Starlette(routes=[Route("/v1/chat/completions", _fixed, methods=["POST"])])


async def _drive(app: Any, body: bytes, headers: list[tuple[bytes, bytes]], n: int) -> float:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers],
        "server": ("127.0.0.1", 9001),
        "client": ("127.0.0.1", 5000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    started = time.perf_counter()
    for _ in range(n):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - started) / n


def main() -> None:
    """Print microseconds per request for each case and its ratio to the bare route."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    scripted = create_app(parse_script(SCRIPT))
    task = [(b"x-agent-task-id", b"fix")]
    plain = json.dumps({"model": "unscripted", "messages": MESSAGES}).encode()
    tool = json.dumps({"model": MODEL, "messages": MESSAGES}).encode()
    stream = json.dumps(
        {
            "model": MODEL,
            "messages": MESSAGES,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
    ).encode()
    cases = [
        ("bare Starlette route (baseline)", _baseline_app(), plain, []),
        ("unscripted, derived usage", scripted, plain, []),
        ("scripted tool call", scripted, tool, task),
        ("scripted tool call, streamed", scripted, stream, task),
    ]
    baseline = None
    for name, app, body, headers in cases:
        asyncio.run(_drive(app, body, headers, 200))
        per_request = asyncio.run(_drive(app, body, headers, args.requests))
        baseline = baseline or per_request
        print(f"{name:36s} {per_request * 1e6:8.1f} us/request  x{per_request / baseline:.2f}")


if __name__ == "__main__":
    main()
