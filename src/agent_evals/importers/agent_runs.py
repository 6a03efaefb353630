"""Per-task agent records: trajectories (``swe-agent``, ``mini-swe-agent``) and the outputs
of agent CLIs (``claude-code``, ``codex``, ``gemini-cli``, ``aider``).

Each file is one task's run. An agent's own word says how it ended but not whether the task
was solved: give ``--results`` (SWE-bench id lists or report folder) for that; a run that
finished without an evaluation is stored as ``missing``, never as a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from agent_evals.errors import UsageError
from agent_evals.harness.agents.aider import parse_aider
from agent_evals.harness.agents.claude_code import parse_claude_code
from agent_evals.harness.agents.codex import parse_codex
from agent_evals.harness.agents.gemini_cli import parse_gemini_cli
from agent_evals.harness.agents.report import AgentReport
from agent_evals.importers.base import (
    BadRecord,
    ImportOptions,
    ImportUnit,
    RecordError,
    imported_run,
    no_diff,
    record_unit,
    reject_options,
    where,
)
from agent_evals.importers.evaluation import Evaluation, read_evaluation
from agent_evals.importers.patches import diff_stats
from agent_evals.importers.reading import read_text
from agent_evals.importers.registry import register
from agent_evals.importers.slicing import slice_rule
from agent_evals.importers.trajectories import (
    MINI_SUFFIX,
    SWE_AGENT_SUFFIX,
    Trajectory,
    read_mini_swe_agent,
    read_swe_agent,
    trajectory_files,
)
from agent_evals.records import DiffStats, RunRecord
from agent_evals.types import RunStatus

NOT_EVALUATED = "the agent finished; not evaluated (give --results to say which tasks resolved)"

_END_OF_REPORT: dict[str, RunStatus] = {"limit_exceeded": "limit_exceeded", "error": "agent_error"}


def trajectory_run(
    options: ImportOptions, trajectory: Trajectory, evaluation: Evaluation | None, slice: str
) -> RunRecord:
    """The run of one trajectory, its status from the evaluation when it has one."""
    outcome = evaluation.outcome(trajectory.task_id) if evaluation else None
    status: RunStatus = "missing"
    detail: str | None = NOT_EVALUATED
    if outcome is not None:
        status, detail = outcome.status, outcome.detail
    elif trajectory.ended is not None:
        status, detail = trajectory.ended, f"exit status {trajectory.exit_status}"
    return imported_run(
        options,
        trajectory.task_id,
        status,
        slice=slice,
        tokens=trajectory.tokens,
        cost_usd=trajectory.cost_usd,
        api_calls=trajectory.api_calls,
        diff=diff_stats(trajectory.submission) if trajectory.submission else no_diff(),
        detail=detail,
    )


def _trajectory_unit(
    paths: Sequence[Path],
    options: ImportOptions,
    suffix: str,
    read: Callable[[Path], Trajectory],
) -> ImportUnit:
    reject_options(options, "trajectory", "predictions", "trajs", "fields")
    evaluation = read_evaluation(options.results) if options.results else None
    slice_of = slice_rule(options)
    files = list(trajectory_files(list(paths), suffix))

    def records() -> Iterator[RunRecord | BadRecord]:
        for path in files:
            try:
                trajectory = read(path)
                yield trajectory_run(
                    options, trajectory, evaluation, slice_of(trajectory.task_id, None)
                )
            except RecordError as exc:
                yield BadRecord(where(path, exc.line), str(exc))

    return record_unit(_unit_name(paths), records())


@register("swe-agent")
def import_swe_agent(paths: Sequence[Path], options: ImportOptions) -> Iterator[ImportUnit]:
    """SWE-agent ``<instance>.traj`` files (or folders of them), as one unit."""
    yield _trajectory_unit(paths, options, SWE_AGENT_SUFFIX, read_swe_agent)


@register("mini-swe-agent")
def import_mini_swe_agent(paths: Sequence[Path], options: ImportOptions) -> Iterator[ImportUnit]:
    """mini-swe-agent ``<instance>.traj.json`` files (or folders of them), as one unit."""
    yield _trajectory_unit(paths, options, MINI_SUFFIX, read_mini_swe_agent)


def _output_importer(name: str, parse: Callable[[str], AgentReport], pattern: str) -> None:
    def import_outputs(paths: Sequence[Path], options: ImportOptions) -> Iterator[ImportUnit]:
        reject_options(options, name, "predictions", "trajs", "fields")
        evaluation = read_evaluation(options.results) if options.results else None
        slice_of = slice_rule(options)
        files = _output_files(paths, pattern)

        def records() -> Iterator[RunRecord | BadRecord]:
            for task_id, path in files:
                try:
                    report = parse(read_text(path))
                except UsageError as exc:
                    line = getattr(exc, "line", None)
                    yield BadRecord(where(path, line), getattr(exc, "detail", str(exc)))
                    continue
                yield _report_run(options, task_id, report, evaluation, slice_of(task_id, None))

        yield record_unit(_unit_name(paths), records())

    import_outputs.__doc__ = f"{name} outputs, one file per task (folders: {pattern})."
    register(name)(import_outputs)


def _report_run(
    options: ImportOptions,
    task_id: str,
    report: AgentReport,
    evaluation: Evaluation | None,
    slice: str,
) -> RunRecord:
    outcome = evaluation.outcome(task_id) if evaluation else None
    status: RunStatus = _END_OF_REPORT.get(report.status, "missing")
    detail = report.error if status != "missing" else NOT_EVALUATED
    if outcome is not None:
        status, detail = outcome.status, outcome.detail
    files = len(report.files_changed)
    return imported_run(
        options,
        task_id,
        status,
        slice=slice,
        tokens=report.tokens,
        cost_usd=report.cost_usd,
        api_calls=report.api_calls if report.api_calls is not None else report.turns,
        diff=DiffStats(files_changed=files) if files else DiffStats(),
        detail=detail,
        agent=report.agent,
    )


def _output_files(paths: Sequence[Path], pattern: str) -> list[tuple[str, Path]]:
    """(task id, file): the task is the file's name, or its folder's when names repeat."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob(pattern)) if path.is_dir() else [path])
    stems = [f.name.split(".", 1)[0] for f in files]
    if len(set(stems)) < len(stems):
        return [(f.parent.name, f) for f in files]
    return list(zip(stems, files, strict=True))


def _unit_name(paths: Sequence[Path]) -> str:
    return ", ".join(str(p) for p in paths)


_output_importer("claude-code", parse_claude_code, "*.json*")
_output_importer("codex", parse_codex, "*.jsonl")
_output_importer("gemini-cli", parse_gemini_cli, "*.json*")
_output_importer("aider", parse_aider, "*.jsonl")
