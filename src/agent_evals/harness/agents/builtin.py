"""The builtin agent adapter: runs the tool-calling loop of ``builtin_main`` in its own process."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from agent_evals.harness.agents import builtin_main
from agent_evals.harness.agents.base import AgentRequest, AgentResult, scratch_dir
from agent_evals.harness.agents.builtin_main import (
    API_KEY_ENV,
    EXIT_FINISHED,
    EXIT_LIMIT,
    SYSTEM_PROMPT,
    TOOLS,
    LoopOutcome,
    LoopSpec,
)
from agent_evals.harness.agents.process import ProcessOutcome, run_process
from agent_evals.harness.agents.report import with_stderr_tail
from agent_evals.records import TokenUsage

# builtin_main needs only the standard library and httpx, so it runs as a plain script (-P: no
# script folder on sys.path) and skips importing the package: a faster start for every run.
LOOP_SCRIPT = Path(builtin_main.__file__)
TAIL_CHARS = 4000


class BuiltinAgent:
    """A small agent for any OpenAI-compatible chat endpoint, with shell and file tools."""

    name = "builtin"
    wire = "openai-chat"

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable

    def version(self) -> str:
        """The package version plus a fingerprint of the prompt and tools the model sees."""
        behaviour = SYSTEM_PROMPT + json.dumps(TOOLS, sort_keys=True)
        fingerprint = hashlib.sha256(behaviour.encode()).hexdigest()[:8]
        try:
            return f"{package_version('agent-evals')}+{fingerprint}"
        except PackageNotFoundError:
            return fingerprint

    def run(self, request: AgentRequest) -> AgentResult:
        """Run the loop on the request's workspace until it finishes, fails or times out."""
        if request.log_dir is not None:
            request.log_dir.mkdir(parents=True, exist_ok=True)
            return self._run_in(request, request.log_dir)
        with scratch_dir(request, "agent-evals-builtin-") as folder:
            return self._run_in(request, Path(folder))

    def _run_in(self, request: AgentRequest, run_dir: Path) -> AgentResult:
        spec = LoopSpec(
            task_id=request.task_id,
            instruction=request.instruction,
            workspace=str(request.workspace.resolve()),
            model=request.model,
            base_url=request.base_url,
            max_turns=request.max_turns,
            request_timeout_s=request.timeout_s,
        )
        spec_path, result_path = run_dir / "builtin-spec.json", run_dir / "builtin-result.json"
        transcript = run_dir / "builtin-transcript.jsonl"
        for stale in (result_path, transcript):
            stale.unlink(missing_ok=True)
        spec_path.write_text(json.dumps(asdict(spec)), encoding="utf-8")
        env = dict(request.env)
        if request.api_key:
            env[API_KEY_ENV] = request.api_key
        argv = [self.python, "-P", str(LOOP_SCRIPT), "--spec", str(spec_path)]
        argv += ["--result", str(result_path), "--transcript", str(transcript)]
        process = run_process(
            argv, cwd=run_dir, timeout_s=request.timeout_s, env=env, die_with_parent=True
        )
        return agent_result(process, _read_outcome(result_path))


def agent_result(process: ProcessOutcome, outcome: LoopOutcome | None) -> AgentResult:
    """Combine how the process ended with what the loop reported.

    A loop that could not reach its endpoint, or a process that died before writing any
    outcome (it could not start, or crashed on its own), is the infrastructure's failure.
    """
    tail = (process.stdout + process.stderr)[-TAIL_CHARS:]
    error = outcome.error if outcome else None
    finished_normally = process.exit_code in (EXIT_FINISHED, EXIT_LIMIT)
    if not process.timed_out and not error and (outcome is None or not finished_normally):
        error = f"the builtin agent exited with code {process.exit_code}"
    infra = not process.timed_out and (outcome.infra_error if outcome else error is not None)
    if error is not None:
        headline = f"infrastructure: {error}" if infra else error
        error = with_stderr_tail(headline, process.stderr if outcome is None else "")
    if outcome is None:
        return AgentResult(
            process.exit_code,
            timed_out=process.timed_out,
            error=error,
            output_tail=tail,
            infra_error=infra,
        )
    return AgentResult(
        exit_code=process.exit_code,
        tokens=_tokens(outcome),
        api_calls=outcome.api_calls,
        timed_out=process.timed_out,
        limit_exceeded=outcome.limit_exceeded,
        error=error,
        commands_run=tuple(outcome.commands),
        output_tail=tail,
        infra_error=infra,
    )


def _tokens(outcome: LoopOutcome) -> TokenUsage:
    """Summed usage; input excludes cache reads so that the parts add up to the total."""
    prompt, completion, cached = (
        outcome.prompt_tokens,
        outcome.completion_tokens,
        outcome.cached_tokens,
    )
    if not outcome.answered or prompt is None or completion is None or cached is None:
        return TokenUsage.missing()
    return TokenUsage(
        input=prompt - cached,
        output=completion,
        cache_read=cached,
        total=prompt + completion,
        source="reported",
    )


def _read_outcome(path: Path) -> LoopOutcome | None:
    try:
        return LoopOutcome(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
