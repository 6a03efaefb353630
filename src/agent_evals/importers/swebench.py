"""``swebench``: SWE-bench predictions with their evaluation, and optionally trajectories.

Predictions (``--predictions`` or the path given: JSONL, a JSON list, or a JSON object keyed
by instance id) hold ``instance_id``, ``model_name_or_path`` and ``model_patch``. Success comes
from the resolved ids of ``--results``. Instances never evaluated (incomplete, or absent from
the results) are ``missing`` and harness errors ``infra_error``: neither counts as a failure.
An empty patch is unresolved with an empty diff. ``--trajs DIR`` adds tokens, cost and calls
from SWE-agent or mini-swe-agent trajectories named after the instances.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from agent_evals.errors import UsageError
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
from agent_evals.importers.evaluation import EMPTY_PATCH, Evaluation, Outcome, read_evaluation
from agent_evals.importers.patches import diff_stats
from agent_evals.importers.reading import SourceRecord, Unreadable, iter_records
from agent_evals.importers.registry import register
from agent_evals.importers.slicing import SliceOf, slice_rule
from agent_evals.importers.trajectories import (
    MINI_SUFFIX,
    SWE_AGENT_SUFFIX,
    Trajectory,
    read_mini_swe_agent,
    read_swe_agent,
    trajectory_files,
)
from agent_evals.importers.values import as_text
from agent_evals.records import DiffStats, RunRecord, TokenUsage

NEVER_EVALUATED = "never evaluated: not in the results"


@register("swebench")
def import_swebench(paths: Sequence[Path], options: ImportOptions) -> Iterator[ImportUnit]:
    """One unit: every prediction, then instances the results name without a prediction."""
    reject_options(options, "swebench", "fields")
    predictions = options.predictions or (paths[0] if len(paths) == 1 else None)
    if predictions is None and options.results is None:
        raise UsageError("swebench needs --predictions FILE and --results FILE|DIR")
    if options.slice_by not in (None, "repo", "prefix"):
        raise UsageError("swebench records have no fields to slice by: use --slice-by repo")
    evaluation = read_evaluation(options.results) if options.results else Evaluation({})
    trajectories = _trajectories(options.trajs) if options.trajs else {}
    slice_of = slice_rule(options)
    name = str(predictions or options.results)
    yield record_unit(name, _runs(predictions, evaluation, trajectories, slice_of, options))


def _runs(
    predictions: Path | None,
    evaluation: Evaluation,
    trajectories: dict[str, Trajectory],
    slice_of: SliceOf,
    options: ImportOptions,
) -> Iterator[RunRecord | BadRecord]:
    seen: set[str] = set()
    for record in iter_records(predictions) if predictions else ():
        try:
            instance_id, patch = _prediction(record)
            seen.add(instance_id)
            outcome = evaluation.outcome(instance_id)
            trajectory = trajectories.get(instance_id)
            yield _run(options, instance_id, outcome, (patch,), trajectory, slice_of)
        except RecordError as exc:
            yield BadRecord(where(predictions, record.line), str(exc))  # type: ignore[arg-type]
    for instance_id, outcome in evaluation.outcomes.items():
        if instance_id not in seen:
            try:
                trajectory = trajectories.get(instance_id)
                yield _run(options, instance_id, outcome, None, trajectory, slice_of)
            except RecordError as exc:
                yield BadRecord(str(options.results), str(exc))


def _prediction(record: SourceRecord) -> tuple[str, str | None]:
    data = record.data
    if isinstance(data, Unreadable):
        raise RecordError(data.message)
    if not isinstance(data, dict):
        raise RecordError(f"expected a prediction object, got {type(data).__name__}")
    instance_id = as_text(data.get("instance_id", record.key), "instance_id")
    patch = data.get("model_patch")
    if patch is not None and not isinstance(patch, str):
        raise RecordError(f"model_patch must be a string or null, got {type(patch).__name__}")
    return instance_id, patch


def _run(
    options: ImportOptions,
    instance_id: str,
    outcome: Outcome | None,
    prediction: tuple[str | None] | None,
    trajectory: Trajectory | None,
    slice_of: SliceOf,
) -> RunRecord:
    """``prediction`` holds the patch when the instance was predicted at all."""
    outcome = outcome or Outcome("missing", NEVER_EVALUATED)
    patch = prediction[0] if prediction else None
    diff = DiffStats()
    if patch and patch.strip():
        diff = diff_stats(patch)
    elif prediction is not None or outcome.detail == EMPTY_PATCH:
        # an empty patch cannot resolve anything, evaluated or not
        diff = no_diff()
        if outcome.status != "resolved":
            outcome = Outcome("unresolved", EMPTY_PATCH)
    return imported_run(
        options,
        instance_id,
        outcome.status,
        slice=slice_of(instance_id, None),
        tokens=trajectory.tokens if trajectory else TokenUsage(),
        cost_usd=trajectory.cost_usd if trajectory else None,
        api_calls=trajectory.api_calls if trajectory else None,
        diff=diff,
        detail=outcome.detail,
    )


def _trajectories(folder: Path) -> dict[str, Trajectory]:
    found: dict[str, Trajectory] = {}
    for suffix, read in ((SWE_AGENT_SUFFIX, read_swe_agent), (MINI_SUFFIX, read_mini_swe_agent)):
        for path in trajectory_files([folder], suffix):
            try:
                trajectory = read(path)
            except RecordError as exc:
                raise UsageError(f"{where(path, exc.line)}: {exc}") from None
            found[trajectory.task_id] = trajectory
    return found
