"""The builtin agent's process: a tool-calling loop against an OpenAI-compatible chat endpoint.

Run as ``python -P builtin_main.py --spec FILE --result FILE`` (or with ``-m``); it needs only
the standard library and httpx. It rewrites the result file after every model call, so a run
killed at its timeout still reports the usage it spent.
Exit codes: 0 finished, 1 error, 3 max turns reached.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

API_KEY_ENV = "AGENT_EVALS_BUILTIN_API_KEY"
TASK_HEADER = "X-Agent-Task-Id"
EXIT_FINISHED, EXIT_ERROR, EXIT_LIMIT = 0, 1, 3
OUTPUT_LIMIT = 8000
READ_LIMIT = 100_000

SYSTEM_PROMPT = (
    "You are a careful software engineer working in a repository checked out in your current "
    "directory. Complete the task using the tools: run_command runs a bash command in the "
    "repository and returns its exit code and output; read_file returns a file's text; "
    "write_file replaces a file's whole content (paths are relative to the repository and "
    "must stay inside it). Make the smallest change that solves the task, run the tests to "
    "check it, and call finish with a one-line summary when you are done."
)


def _tool(name: str, description: str, **params: str) -> dict[str, Any]:
    properties = {key: {"type": "string", "description": text} for key, text in params.items()}
    schema = {"type": "object", "properties": properties, "required": list(params)}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": schema},
    }


TOOLS: list[dict[str, Any]] = [
    _tool("run_command", "Run a bash command in the repository.", command="The command."),
    _tool(
        "write_file",
        "Write a file (whole content).",
        path="Path relative to the repository.",
        content="The complete new content.",
    ),
    _tool("read_file", "Read a file.", path="Path relative to the repository."),
    _tool("finish", "End the task.", summary="What was done, in one line."),
]


@dataclass(frozen=True)
class LoopSpec:
    """What the loop needs, written to the spec file by the adapter (never the API key)."""

    task_id: str
    instruction: str
    workspace: str
    model: str
    base_url: str | None
    max_turns: int
    request_timeout_s: float


@dataclass
class LoopOutcome:
    """What the loop reports; summed usage stays ``None`` when any answer lacked it."""

    api_calls: int = 0
    answered: int = 0
    prompt_tokens: int | None = 0
    completion_tokens: int | None = 0
    cached_tokens: int | None = 0
    commands: list[str] = field(default_factory=list)
    error: str | None = None
    infra_error: bool = False
    limit_exceeded: bool = False
    finished: bool = False
    summary: str | None = None

    def add_usage(self, usage: Any) -> None:
        """Add one answer's ``usage`` object; a missing one makes the sums unknown."""
        self.answered += 1
        if not isinstance(usage, dict) or not isinstance(usage.get("prompt_tokens"), int):
            self.prompt_tokens = self.completion_tokens = self.cached_tokens = None
            return
        details = usage.get("prompt_tokens_details") or {}
        cached = details.get("cached_tokens") if isinstance(details, dict) else 0
        if self.prompt_tokens is not None:
            self.prompt_tokens += usage["prompt_tokens"]
        if self.completion_tokens is not None:
            self.completion_tokens += int(usage.get("completion_tokens") or 0)
        if self.cached_tokens is not None:
            self.cached_tokens += int(cached or 0)


class ModelCallError(Exception):
    """The model endpoint failed, could not be reached, or answered nonsense.

    ``infra`` marks failures that say nothing about the model: the endpoint cannot be reached,
    refuses the key, has no such route, or its gateway cannot reach the model behind it.
    """

    def __init__(self, message: str, *, infra: bool = False) -> None:
        super().__init__(message)
        self.infra = infra


INFRA_STATUSES = frozenset({401, 403, 404, 405, 502, 503, 504})


class Workspace:
    """The tools, confined to one folder."""

    def __init__(self, root: Path, outcome: LoopOutcome, env: dict[str, str]) -> None:
        self.root = root.resolve()
        self.outcome = outcome
        self.env = env

    def call(self, name: str, arguments: dict[str, Any]) -> str:
        """Run one tool and return the text the model sees."""
        try:
            if name == "run_command":
                return self.run_command(str(arguments["command"]))
            if name == "write_file":
                return self.write_file(str(arguments["path"]), str(arguments["content"]))
            if name == "read_file":
                return self.read_file(str(arguments["path"]))
        except KeyError as exc:
            return f"error: missing argument {exc}"
        except OSError as exc:
            return f"error: {exc.strerror or exc}"
        return f"error: unknown tool {name!r}; use run_command, write_file, read_file or finish"

    def run_command(self, command: str) -> str:
        """Run the model's command with ``bash -lc`` in the workspace."""
        self.outcome.commands.append(command)
        done = subprocess.run(
            ["bash", "-lc", command],
            cwd=self.root,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            check=False,
        )
        return f"exit code: {done.returncode}\n{_truncate(done.stdout)}"

    def write_file(self, path: str, content: str) -> str:
        """Replace a file's content, creating folders as needed."""
        target = self.resolve(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        return f"wrote {len(content)} characters to {path}"

    def read_file(self, path: str) -> str:
        """A file's text, truncated when very long."""
        text = self.resolve(path).read_text(encoding="utf-8", errors="replace")
        return text if len(text) <= READ_LIMIT else text[:READ_LIMIT] + "\n[truncated]"

    def resolve(self, path: str) -> Path:
        """The absolute path inside the workspace; ``PermissionError`` when it escapes."""
        target = (self.root / path).resolve()
        if not path or not target.is_relative_to(self.root) or target == self.root:
            raise PermissionError(1, f"refused: {path!r} is outside the workspace")
        return target


def _truncate(text: str) -> str:
    if len(text) <= OUTPUT_LIMIT:
        return text
    head, tail = OUTPUT_LIMIT // 4, OUTPUT_LIMIT - OUTPUT_LIMIT // 4
    return f"{text[:head]}\n[... {len(text) - head - tail} characters cut ...]\n{text[-tail:]}"


class ChatClient:
    """Posts the conversation to ``{base_url}/chat/completions`` with the tools offered."""

    def __init__(self, spec: LoopSpec, base_url: str, api_key: str | None) -> None:
        headers = {TASK_HEADER: spec.task_id}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = spec.model
        self.http = httpx.Client(headers=headers, timeout=spec.request_timeout_s)

    def complete(self, messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """One model call; ``ModelCallError`` on any transport, HTTP or format failure."""
        payload = {"model": self.model, "messages": list(messages), "tools": TOOLS}
        try:
            response = self.http.post(self.url, json=payload)
        except httpx.HTTPError as exc:
            raise ModelCallError(
                f"cannot reach the model endpoint {self.url}: {exc}", infra=True
            ) from None
        if response.status_code >= 400:
            status, detail = response.status_code, response.text[:300]
            raise ModelCallError(
                f"model endpoint {self.url} answered HTTP {status}: {detail}",
                infra=status in INFRA_STATUSES,
            )
        try:
            body = response.json()
            message = body["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelCallError(
                f"malformed answer from {self.url}: {response.text[:300]}"
            ) from None
        if not isinstance(message, dict):
            raise ModelCallError(f"malformed answer from {self.url}: message is not an object")
        return dict(body)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


class Recorder:
    """Writes the result file (atomically, after every model call) and the transcript."""

    def __init__(self, result: Path, transcript: Path | None) -> None:
        self.result = result
        self.transcript = transcript

    def save(self, outcome: LoopOutcome) -> None:
        """Replace the result file with the outcome so far."""
        partial = self.result.with_suffix(".partial")
        partial.write_text(json.dumps(asdict(outcome)), encoding="utf-8")
        os.replace(partial, self.result)

    def message(self, message: dict[str, Any]) -> None:
        """Append one conversation message to the transcript."""
        if self.transcript is not None:
            with self.transcript.open("a", encoding="utf-8") as out:
                out.write(json.dumps(message) + "\n")


def run_loop(spec: LoopSpec, api_key: str | None, recorder: Recorder) -> tuple[int, LoopOutcome]:
    """Talk to the model until it finishes, fails, or uses up ``max_turns``."""
    outcome = LoopOutcome()
    if not spec.base_url:
        outcome.error = "no model endpoint: set the model's baseUrl in the release config"
        outcome.infra_error = True
        return EXIT_ERROR, outcome
    env = {k: v for k, v in os.environ.items() if k != API_KEY_ENV}
    workspace = Workspace(Path(spec.workspace), outcome, env)
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": spec.instruction},
    ]
    for message in messages:
        recorder.message(message)
    client = ChatClient(spec, spec.base_url, api_key)
    try:
        for turn in range(1, spec.max_turns + 1):
            if not _step(turn, client, messages, workspace, recorder):
                return (EXIT_ERROR if outcome.error else EXIT_FINISHED), outcome
    finally:
        client.close()
    outcome.limit_exceeded = True
    return EXIT_LIMIT, outcome


def _step(
    turn: int,
    client: ChatClient,
    messages: list[dict[str, Any]],
    workspace: Workspace,
    recorder: Recorder,
) -> bool:
    """One model call and its tool calls; ``False`` when the run is over."""
    outcome = workspace.outcome
    outcome.api_calls += 1
    try:
        body = client.complete(messages)
    except ModelCallError as exc:
        outcome.error = str(exc)
        outcome.infra_error = exc.infra
        print(f"turn {turn}: {exc}", flush=True)
        return False
    outcome.add_usage(body.get("usage"))
    recorder.save(outcome)
    message = body["choices"][0]["message"]
    calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    assistant: dict[str, Any] = {"role": "assistant", "content": message.get("content")}
    if calls:
        assistant["tool_calls"] = calls
    messages.append(assistant)
    recorder.message(assistant)
    if not calls:
        print(f"turn {turn}: reply without tool calls; done", flush=True)
        outcome.finished = True
        return False
    for result in _answer_calls(turn, calls, workspace):
        messages.append(result)
        recorder.message(result)
    return not outcome.finished


def _answer_calls(
    turn: int, calls: Sequence[dict[str, Any]], workspace: Workspace
) -> list[dict[str, Any]]:
    results = []
    for call in calls:
        function = call.get("function") or {}
        name = str(function.get("name"))
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except ValueError:
            arguments = None
        if not isinstance(arguments, dict):
            text = "error: arguments must be a JSON object"
        elif name == "finish":
            workspace.outcome.finished = True
            workspace.outcome.summary = str(arguments.get("summary", ""))
            text = "finished"
        else:
            text = workspace.call(name, arguments)
        first_line = text.split("\n", 1)[0]
        print(f"turn {turn}: {name} {_brief(arguments)} -> {first_line}", flush=True)
        results.append({"role": "tool", "tool_call_id": call.get("id"), "content": text})
        if workspace.outcome.finished:
            break
    return results


def _brief(arguments: Any) -> str:
    if not isinstance(arguments, dict):
        return ""
    shown = arguments.get("command") or arguments.get("path") or arguments.get("summary") or ""
    return str(shown).splitlines()[0][:120] if shown else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the agent process; returns its exit code."""
    parser = argparse.ArgumentParser(prog="builtin_main", description=__doc__)
    parser.add_argument("--spec", required=True, type=Path, help="JSON file of a LoopSpec")
    parser.add_argument("--result", required=True, type=Path, help="where to write the outcome")
    parser.add_argument("--transcript", type=Path, help="append the conversation here (JSONL)")
    args = parser.parse_args(argv)
    spec = LoopSpec(**json.loads(args.spec.read_text(encoding="utf-8")))
    recorder = Recorder(args.result, args.transcript)
    code, outcome = run_loop(spec, os.environ.get(API_KEY_ENV), recorder)
    recorder.save(outcome)
    if outcome.error:
        print(f"error: {outcome.error}", file=sys.stderr, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
