"""Any agent CLI, run from an argv template.

Placeholders ``{instruction}``, ``{workspace}``, ``{model}``, ``{base_url}``, ``{task_id}``
and ``{output_dir}`` (a directory outside the workspace for the agent's own files) are
replaced inside single argv elements in one pass, never through a shell: an instruction
holding ``$(...)``, backticks or ``{workspace}`` reaches the program as literal text.
Other braces are literal; ``{{name}}`` stands for a literal ``{name}``. The API key is never
put in argv (process listings show argv); it is passed in ``AGENT_EVALS_API_KEY`` and
``OPENAI_API_KEY``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from agent_evals.config.models import AgentSpec
from agent_evals.errors import UsageError
from agent_evals.harness.agents.base import AgentRequest
from agent_evals.harness.agents.cli import CliAgent, key_env, read_output_file
from agent_evals.harness.agents.parsers import UsageParser, get_parser
from agent_evals.harness.agents.process import ProcessOutcome
from agent_evals.harness.agents.report import AgentReport

PLACEHOLDERS = ("instruction", "workspace", "model", "base_url", "task_id", "output_dir")
_FIELD = re.compile(r"\{\{(\w+)\}\}|\{(\w+)\}")


def render_argv(template: Sequence[str], values: Mapping[str, str]) -> list[str]:
    """Each template element with its ``{name}`` placeholders replaced, one element each."""
    return [_render(element, values) for element in template]


def check_template(template: Sequence[str], *, key: str) -> None:
    """Raise :class:`UsageError` naming any ``{name}`` that is not one of :data:`PLACEHOLDERS`."""
    for element in template:
        for match in _FIELD.finditer(element):
            name = match.group(2)
            if name is not None and name not in PLACEHOLDERS:
                allowed = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                raise UsageError(
                    f"{key}: unknown placeholder {{{name}}} in {element!r}; allowed: {allowed} "
                    f"(write {{{{{name}}}}} for a literal {{{name}}})"
                )


class CommandAgent(CliAgent):
    """An agent CLI given as ``agent.command``; usage read by ``agent.usageParser`` if set."""

    name = "command"
    default_program = ()
    version_args = ()

    def __init__(self, spec: AgentSpec) -> None:
        if not spec.command:
            raise UsageError(
                "agent.command: required for agent type 'command'; "
                'give the argv, e.g. ["my-agent", "--task", "{instruction}"]'
            )
        check_template([*spec.command, *spec.args], key="agent.command")
        if spec.usage_file is not None:
            check_template([spec.usage_file], key="agent.usageFile")
        super().__init__(spec)
        self.parser: UsageParser | None = (
            get_parser(spec.usage_parser) if spec.usage_parser else None
        )

    def version(self) -> str | None:
        """The configured ``agent.version``; an arbitrary command has no standard probe."""
        return self.spec.version

    def argv(self, request: AgentRequest, out: Path) -> list[str]:
        """The command template (and ``agent.args``) with placeholders filled in."""
        return render_argv([*self.program, *self.spec.args], _values(request, out))

    def environment(self, request: AgentRequest) -> Mapping[str, str]:
        """The run's facts as ``AGENT_EVALS_*`` variables, plus the OpenAI-style pair."""
        env = {
            "AGENT_EVALS_TASK_ID": request.task_id,
            "AGENT_EVALS_MODEL": request.model,
            "AGENT_EVALS_WORKSPACE": str(request.workspace),
            **key_env(request.api_key, "AGENT_EVALS_API_KEY", "OPENAI_API_KEY"),
        }
        if request.base_url:
            env["AGENT_EVALS_BASE_URL"] = env["OPENAI_BASE_URL"] = request.base_url
        return env

    def read_report(self, request: AgentRequest, outcome: ProcessOutcome, out: Path) -> AgentReport:
        """Usage from stdout or ``agent.usageFile`` (relative to the workspace); none if unset."""
        if self.parser is None:
            return AgentReport(agent=self.name, status="unknown")
        if self.spec.usage_file is None:
            return self.parser(outcome.stdout)
        path = request.workspace / _render(self.spec.usage_file, _values(request, out))
        return self.parser(read_output_file(path, "usage file"))


def _values(request: AgentRequest, out: Path) -> dict[str, str]:
    return {
        "instruction": request.instruction,
        "workspace": str(request.workspace),
        "model": request.model,
        "base_url": request.base_url or "",
        "task_id": request.task_id,
        "output_dir": str(out),
    }


def _render(element: str, values: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped is not None:
            return f"{{{escaped}}}"
        return values.get(name, match.group(0))

    return _FIELD.sub(substitute, element)
