"""The shared shape of adapters that run an agent CLI in a task's workspace."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from agent_evals.config.models import AgentSpec
from agent_evals.harness.agents.base import AgentRequest, AgentResult, scratch_dir
from agent_evals.harness.agents.failures import InfraSigns, infra_reason
from agent_evals.harness.agents.process import ProcessOutcome, run_process
from agent_evals.harness.agents.report import AgentOutputError, AgentReport, agent_result
from agent_evals.types import EndpointWire

VERSION_PROBE_TIMEOUT_S = 15.0
# LiteLLM-based agents refuse to call an OpenAI-style endpoint without a key; an endpoint
# configured without apiKeyEnv takes none and ignores this one.
NO_KEY = "agent-evals-no-key"


class CliAgent(abc.ABC):
    """Runs one agent CLI without a shell and maps what it reports into an ``AgentResult``.

    ``spec.command`` replaces the program (for example ``["npx", "@openai/codex"]``) and
    ``spec.args`` are appended to the options the adapter passes itself.
    """

    name: str
    default_program: tuple[str, ...]
    limit_exit_codes: frozenset[int] = frozenset()
    infra_signs: InfraSigns = InfraSigns()
    state_files: tuple[str, ...] = ()
    wire: EndpointWire = "openai-chat"
    version_args: tuple[str, ...] = ("--version",)

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
            probe = self.probe()
            lines = [line.strip() for line in probe.stdout.splitlines() if line.strip()]
            self._version = lines[0] if probe.exit_code == 0 and lines else None
        return self._version

    def probe(self) -> ProcessOutcome:
        """Run the program with :attr:`version_args`: it exists and starts when this exits 0."""
        argv = [*self.program, *self.version_args]
        return run_process(argv, cwd=Path.cwd(), timeout_s=VERSION_PROBE_TIMEOUT_S)

    def run(self, request: AgentRequest) -> AgentResult:
        """Run the CLI in the workspace until it ends or its timeout kills it."""
        with _output_dir(request) as out:
            outcome = run_process(
                self.argv(request, out),
                cwd=request.workspace,
                timeout_s=request.timeout_s,
                env={**self.environment(request), **request.env},
                die_with_parent=True,
            )
            if request.log_dir is not None:
                (out / "agent.stdout").write_text(outcome.stdout)
                (out / "agent.stderr").write_text(outcome.stderr)
            try:
                report, error = self.read_report(request, outcome, out), None
            except AgentOutputError as exc:
                report, error = None, str(exc)
        return agent_result(
            outcome,
            report,
            parse_error=error,
            limit_exit_codes=self.limit_exit_codes,
            failure=self.infra_failure,
        )

    def infra_failure(self, outcome: ProcessOutcome, report: AgentReport | None) -> str | None:
        """Why a failed run failed outside the model, read from what the agent said about it."""
        return infra_reason(
            self.infra_signs,
            program=self.program[0] if self.program else self.name,
            exit_code=outcome.exit_code,
            timed_out=outcome.timed_out,
            texts=self.failure_texts(outcome, report),
        )

    def failure_texts(self, outcome: ProcessOutcome, report: AgentReport | None) -> list[str]:
        """What the agent said about its own failure: stderr and the error it reported."""
        return [outcome.stderr, (report.error or "") if report else ""]

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


def endpoint_key(request: AgentRequest) -> str | None:
    """The lane's key; :data:`NO_KEY` for a lane endpoint that takes none, else ``None``."""
    if request.api_key:
        return request.api_key
    return NO_KEY if request.base_url else None


def key_env(api_key: str | None, *names: str) -> dict[str, str]:
    """``{name: api_key}`` for each variable name, or nothing when there is no key."""
    return {name: api_key for name in names} if api_key else {}


@contextmanager
def _output_dir(request: AgentRequest) -> Iterator[Path]:
    if request.log_dir is not None:
        request.log_dir.mkdir(parents=True, exist_ok=True)
        yield request.log_dir
        return
    with scratch_dir(request, "agent-evals-") as tmp:
        yield Path(tmp)


TASK_HEADER = "X-Agent-Task-Id"


def task_header_line(request: AgentRequest) -> str:
    """The ``Name: value`` header that tells the model endpoint which task a call is for."""
    return f"{TASK_HEADER}: {request.task_id}"
