"""The shared shape of adapters that run an agent CLI in a task's workspace."""

from __future__ import annotations

import abc
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents.base import AgentRequest, AgentResult
from agent_evals.harness.agents.process import ProcessOutcome, run_process
from agent_evals.harness.agents.report import AgentOutputError, AgentReport, agent_result

VERSION_PROBE_TIMEOUT_S = 15.0


class CliAgent(abc.ABC):
    """Runs one agent CLI without a shell and maps what it reports into an ``AgentResult``.

    ``spec.command`` replaces the program (for example ``["npx", "@openai/codex"]``) and
    ``spec.args`` are appended to the options the adapter passes itself.
    """

    name: str
    default_program: tuple[str, ...]
    limit_exit_codes: frozenset[int] = frozenset()

    def __init__(self, spec: AgentSpec) -> None:
        self.spec = spec
        self.program: tuple[str, ...] = spec.command or self.default_program
        self._version: str | None = None
        self._version_probed = False

    def version(self) -> str | None:
        """The configured version, else the first line ``<program> --version`` prints."""
        if self.spec.version:
            return self.spec.version
        if not self._version_probed:
            self._version_probed = True
            probe = run_process(
                [*self.program, "--version"], cwd=Path.cwd(), timeout_s=VERSION_PROBE_TIMEOUT_S
            )
            lines = [line.strip() for line in probe.stdout.splitlines() if line.strip()]
            self._version = lines[0] if probe.exit_code == 0 and lines else None
        return self._version

    def run(self, request: AgentRequest) -> AgentResult:
        """Run the CLI in the workspace until it ends or its timeout kills it."""
        with _output_dir(request) as out:
            outcome = run_process(
                self.argv(request, out),
                cwd=request.workspace,
                timeout_s=request.timeout_s,
                env={**self.environment(request), **request.env},
            )
            if request.log_dir is not None:
                (out / "agent.stdout").write_text(outcome.stdout)
                (out / "agent.stderr").write_text(outcome.stderr)
            try:
                report, error = self.read_report(request, outcome, out), None
            except AgentOutputError as exc:
                report, error = None, str(exc)
        return agent_result(
            outcome, report, parse_error=error, limit_exit_codes=self.limit_exit_codes
        )

    @abc.abstractmethod
    def argv(self, request: AgentRequest, out: Path) -> list[str]:
        """The full argv; ``out`` is a directory outside the workspace for the agent's files."""

    @abc.abstractmethod
    def environment(self, request: AgentRequest) -> Mapping[str, str]:
        """Variables that point the CLI at the model endpoint, as the CLI documents them."""

    @abc.abstractmethod
    def read_report(self, request: AgentRequest, outcome: ProcessOutcome, out: Path) -> AgentReport:
        """Parse what the run recorded; raises :class:`AgentOutputError` when unreadable."""


def read_output_file(path: Path, what: str) -> str:
    """The text of a file an agent was asked to write, or an :class:`AgentOutputError`."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        raise AgentOutputError(f"the agent wrote no {what} at {path}") from None


def strip_version_suffix(base_url: str, *suffixes: str) -> str:
    """``base_url`` without a trailing API version path that the CLI appends itself."""
    url = base_url.rstrip("/")
    for suffix in suffixes:
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def litellm_model(request: AgentRequest) -> str:
    """The model name with LiteLLM's ``openai/`` prefix when the lane has its own endpoint."""
    if request.base_url and not request.model.startswith("openai/"):
        return f"openai/{request.model}"
    return request.model


def key_env(api_key: str | None, *names: str) -> dict[str, str]:
    """``{name: api_key}`` for each variable name, or nothing when there is no key."""
    return {name: api_key for name in names} if api_key else {}


@contextmanager
def _output_dir(request: AgentRequest) -> Iterator[Path]:
    if request.log_dir is not None:
        request.log_dir.mkdir(parents=True, exist_ok=True)
        yield request.log_dir
        return
    with tempfile.TemporaryDirectory(prefix="agent-evals-") as tmp:
        yield Path(tmp)
