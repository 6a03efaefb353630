"""What an agent CLI said about its own run, read from its recorded output.

Every parser in this package is a pure function from recorded output (the text a CLI printed
or the file it wrote) to an :class:`AgentReport`. Replay adapters and importers share them.

Token parts in a report are disjoint, the way Anthropic counts them: ``input`` excludes cache
reads and cache writes, so ``input + output + cache_read + cache_write`` is everything billed.
Formats that count cached tokens inside the prompt (OpenAI, Gemini, LiteLLM) are split.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent_evals.errors import ImportFormatError
from agent_evals.harness.agents.base import AgentResult
from agent_evals.harness.agents.failures import stderr_tail
from agent_evals.harness.agents.process import ProcessOutcome
from agent_evals.records import TokenUsage

AgentStatus = Literal["finished", "limit_exceeded", "error", "unknown"]
"""How a run ended, as the agent reported it; ``unknown`` when the output does not say."""

OUTPUT_TAIL_CHARS = 4000

JsonObject = dict[str, Any]


class AgentOutputError(ImportFormatError):
    """Recorded agent output is not in the format its parser reads; names the line if known."""

    def __init__(self, message: str, *, line: int | None = None, path: Path | None = None) -> None:
        self.detail = message
        self.line = line
        self.path = path
        where = _where(path, line)
        super().__init__(f"{where}: {message}" if where else message)

    def located(self, path: Path) -> AgentOutputError:
        """The same error, naming the file it was found in (``file:line: ...``)."""
        return AgentOutputError(self.detail, line=self.line, path=path)


def _where(path: Path | None, line: int | None) -> str:
    if path is not None:
        return f"{path}:{line}" if line else str(path)
    return f"line {line}" if line else ""


@dataclass(frozen=True)
class AgentReport:
    """The facts one agent run reported about itself."""

    agent: str
    status: AgentStatus
    tokens: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: float | None = None
    api_calls: int | None = None
    turns: int | None = None
    model: str | None = None
    error: str | None = None
    commands: tuple[str, ...] = ()
    files_changed: tuple[str, ...] = ()
    final_message: str | None = None
    agent_version: str | None = None

    @property
    def limit_exceeded(self) -> bool:
        """Whether the agent stopped at a turn, step, cost or time limit."""
        return self.status == "limit_exceeded"


FailureCheck = Callable[[ProcessOutcome, AgentReport | None], str | None]
"""Why a failed run failed outside the model (``None`` when it may be the model's)."""


def reported_tokens(
    *,
    input: int | None = None,
    output: int | None = None,
    cache_read: int | None = None,
    cache_write: int | None = None,
    total: int | None = None,
) -> TokenUsage:
    """Token usage with source ``reported``; ``missing`` when no part at all is known."""
    parts = (input, output, cache_read, cache_write, total)
    if all(part is None for part in parts):
        return TokenUsage.missing()
    usage = TokenUsage(input, output, cache_read, cache_write, total, source="reported")
    return usage.with_total()


def int_or_none(value: object) -> int | None:
    """An integer count from a JSON value, ``None`` for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def float_or_none(value: object) -> float | None:
    """A float from a JSON value, ``None`` for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def sum_known(values: Iterator[int | None] | list[int | None]) -> int | None:
    """The sum of the known values, ``None`` when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def as_object(value: object) -> JsonObject:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def load_json_object(text: str, what: str) -> JsonObject:
    """Parse ``text`` as one JSON object or raise :class:`AgentOutputError`."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AgentOutputError(f"{what} is not JSON: {exc.msg}", line=exc.lineno) from None
    if not isinstance(value, dict):
        raise AgentOutputError(f"{what} is a JSON {type(value).__name__}, not an object")
    return value


def iter_json_lines(text: str, what: str) -> Iterator[JsonObject]:
    """The objects of a JSONL document; blank lines are skipped, anything else is an error."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AgentOutputError(f"{what} line is not JSON: {exc.msg}", line=number) from None
        if not isinstance(value, dict):
            raise AgentOutputError(f"{what} line is not a JSON object", line=number)
        yield value


def agent_result(
    outcome: ProcessOutcome,
    report: AgentReport | None,
    *,
    parse_error: str | None = None,
    limit_exit_codes: frozenset[int] = frozenset(),
    failure: FailureCheck | None = None,
) -> AgentResult:
    """Combine how the process ended with what it reported into the harness's result.

    Output that cannot be read after a clean exit is not held against the agent (the verify
    step judges its work); usage stays missing and the reason ends the output tail. A failed
    run is checked with ``failure`` for signs that the infrastructure, not the model, failed.
    """
    limit = report is not None and report.limit_exceeded
    limit = (limit or outcome.exit_code in limit_exit_codes) and not outcome.timed_out
    error = None if limit else _error(outcome, report)
    # A run that got no answer from the model at all is checked even when it exited cleanly:
    # some agents give up on an unreachable endpoint with exit code 0.
    suspect = error is not None or (not limit and not _calls(report))
    infra = failure(outcome, report) if failure and suspect else None
    if infra is not None:
        headline = f"infrastructure: {infra}" + (f"; {error}" if error else "")
        error = with_stderr_tail(headline, outcome.stderr)
    elif error is not None and outcome.exit_code:
        error = with_stderr_tail(error, outcome.stderr)
    return AgentResult(
        exit_code=outcome.exit_code,
        tokens=report.tokens if report else TokenUsage.missing(),
        cost_usd=report.cost_usd if report else None,
        api_calls=_calls(report),
        timed_out=outcome.timed_out,
        limit_exceeded=limit,
        error=error,
        commands_run=report.commands if report else (),
        output_tail=output_tail(outcome, note=parse_error and f"usage not read: {parse_error}"),
        infra_error=infra is not None,
        agent_version=report.agent_version if report else None,
    )


def with_stderr_tail(headline: str, stderr: str) -> str:
    """``headline`` followed by the last lines the agent wrote on stderr, when it wrote any."""
    tail = stderr_tail(stderr)
    return f"{headline}\n--- agent stderr (tail) ---\n{tail}" if tail else headline


def output_tail(outcome: ProcessOutcome, *, note: str | None = None) -> str:
    """The last characters the process printed, stdout then stderr, then ``note`` if any."""
    parts = [outcome.stdout]
    if outcome.stderr:
        parts.append(f"--- stderr ---\n{outcome.stderr}")
    if note:
        parts.append(f"--- agent-evals ---\n{note}")
    return "\n".join(part for part in parts if part)[-OUTPUT_TAIL_CHARS:]


def _calls(report: AgentReport | None) -> int | None:
    if report is None:
        return None
    return report.api_calls if report.api_calls is not None else report.turns


def _error(outcome: ProcessOutcome, report: AgentReport | None) -> str | None:
    if outcome.timed_out:
        return f"agent timed out after {outcome.duration_s:.1f}s and was killed"
    if report is not None and report.error:
        return report.error
    if outcome.exit_code is None:
        return _last_line(outcome.stderr) or "agent process could not be started"
    if outcome.exit_code != 0:
        return f"agent exited with code {outcome.exit_code}"
    if report is not None and report.status == "error":
        return "agent reported an error"
    return None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def first_present(obj: Mapping[str, Any], *keys: str) -> Any:
    """The value of the first of ``keys`` present (and not null) in ``obj``."""
    for key in keys:
        if obj.get(key) is not None:
            return obj[key]
    return None
