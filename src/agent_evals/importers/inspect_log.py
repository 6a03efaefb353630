"""``inspect``: inspect_ai evaluation logs: ``.eval`` (the default) and JSON logs.

A ``.eval`` log is a zip archive with one ``samples/<id>_epoch_<n>.json`` member per sample
(zstd-compressed by current inspect_ai, which needs the ``inspect`` extra); a JSON log
(``--log-format json``) has them in its ``samples`` list. Each sample is one run: ``id`` the
task, ``epoch`` (1-based) the repeat, ``scores`` the outcome (the first scorer, or the one
named with ``--field resolved=SCORER``), ``model_usage`` the tokens and cost, ``total_time``
the latency, ``error`` and ``limit`` how it stopped early. A value of ``C`` (correct),
``true`` or a number from ``--score-threshold`` (default 1) up is resolved.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from agent_evals.errors import ImportFormatError, UsageError
from agent_evals.importers.base import (
    BadRecord,
    ImportOptions,
    ImportUnit,
    RecordError,
    imported_run,
    record_unit,
    reject_options,
    where,
)
from agent_evals.importers.eval_archive import LOG_SUFFIX, archive_samples
from agent_evals.importers.reading import load_json
from agent_evals.importers.registry import register
from agent_evals.importers.slicing import SliceOf, slice_rule
from agent_evals.importers.values import as_amount, as_count, as_text, as_time
from agent_evals.records import RunRecord, TokenUsage
from agent_evals.types import RunStatus

_LIMITS: dict[str, RunStatus] = {"time": "timeout", "working": "timeout"}
_CORRECT = ("C", "correct", "pass", "passed", "yes")


@register("inspect")
def import_inspect(paths: Sequence[Path], options: ImportOptions) -> Iterator[ImportUnit]:
    """One unit per log file; folders are searched for *.eval and *.json logs."""
    reject_options(options, "inspect", "predictions", "results", "trajs")
    if set(options.fields) - {"resolved"}:
        raise UsageError("the inspect format reads only --field resolved=SCORER")
    slice_of = slice_rule(options)
    for path in _log_files(paths):
        yield record_unit(str(path), _runs(path, options, slice_of))


def _log_files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        found = sorted(p for p in path.rglob("*") if p.suffix in (LOG_SUFFIX, ".json"))
        if not found:
            raise ImportFormatError(
                f"{path}: no inspect_ai logs (*.eval or *.json) in this folder; give the "
                "folder inspect wrote its logs to (--log-dir, ./logs by default)"
            )
        yield from found


def _runs(path: Path, options: ImportOptions, slice_of: SliceOf) -> Iterator[RunRecord | BadRecord]:
    samples = archive_samples(path) if path.suffix == LOG_SUFFIX else _json_samples(path)
    scorer = options.fields.get("resolved")
    count = 0
    for place, sample in samples:
        if isinstance(sample, BadRecord):
            yield sample
            continue
        count += 1
        try:
            yield _run(sample, options, slice_of, scorer)
        except RecordError as exc:
            yield BadRecord(place, str(exc))
    if count == 0:
        yield BadRecord(str(path), "no samples in this log: the eval finished none")


def _json_samples(path: Path) -> Iterator[tuple[str, Any]]:
    log = load_json(path)
    samples = log.get("samples") if isinstance(log, dict) else None
    if not isinstance(samples, list):
        yield (
            str(path),
            BadRecord(
                str(path),
                "not an inspect_ai JSON log: no 'samples' list (a .eval log must be named *.eval)",
            ),
        )
        return
    for index, sample in enumerate(samples):
        yield f"{where(path)}: samples[{index}]", sample


def _run(sample: Any, options: ImportOptions, slice_of: SliceOf, scorer: str | None) -> RunRecord:
    if not isinstance(sample, dict):
        raise RecordError("a sample must be an object")
    task_id = as_text(sample.get("id"), "id")
    metadata = sample.get("metadata") if isinstance(sample.get("metadata"), dict) else {}
    status, detail = _status(sample, scorer, options.score_threshold)
    usage = _usage(sample.get("model_usage"))
    return imported_run(
        options,
        task_id,
        status,
        slice=slice_of(task_id, metadata),
        epoch=max((as_count(sample.get("epoch"), "epoch") or 1) - 1, 0),
        tokens=usage[0],
        cost_usd=usage[1],
        latency_s=as_amount(sample.get("total_time"), "total_time"),
        started_at=as_time(sample.get("started_at"), "started_at"),
        ended_at=as_time(sample.get("completed_at"), "completed_at"),
        detail=detail,
        agent="inspect_ai",
    )


def _status(
    sample: Mapping[str, Any], scorer: str | None, threshold: float
) -> tuple[RunStatus, str | None]:
    error = sample.get("error")
    if isinstance(error, dict):
        return "infra_error", str(error.get("message") or "sample error")
    limit = sample.get("limit")
    if isinstance(limit, dict):
        kind = str(limit.get("type"))
        return _LIMITS.get(kind, "limit_exceeded"), f"{kind} limit {limit.get('limit')}"
    scores = sample.get("scores")
    if not isinstance(scores, dict) or not scores:
        return "missing", "not scored"
    name = scorer or next(iter(scores))
    score = scores.get(name)
    if not isinstance(score, dict) or "value" not in score:
        raise RecordError(f"no score {name!r} (scores: {', '.join(scores)})")
    return ("resolved" if _correct(score["value"], name, threshold) else "unresolved"), None


def _correct(value: Any, name: str, threshold: float) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value >= threshold
    if isinstance(value, str):
        return value in _CORRECT
    raise RecordError(f"score {name!r} has value {value!r}; expected C/I, true/false or a number")


def _usage(model_usage: Any) -> tuple[TokenUsage, float | None]:
    """Token usage summed over the sample's models, and its cost when every model has one."""
    if not isinstance(model_usage, dict) or not model_usage:
        return TokenUsage(), None
    totals = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    cache: dict[str, int | None] = {
        "input_tokens_cache_read": None,
        "input_tokens_cache_write": None,
    }
    costs: list[float | None] = []
    for usage in model_usage.values():
        if not isinstance(usage, dict):
            raise RecordError("model_usage values must be objects")
        for key in totals:
            totals[key] += as_count(usage.get(key), key) or 0
        for key, known in cache.items():
            value = as_count(usage.get(key), key)
            cache[key] = value if known is None else known + (value or 0)
        costs.append(as_amount(usage.get("total_cost"), "total_cost"))
    tokens = TokenUsage(
        totals["input_tokens"],
        totals["output_tokens"],
        cache["input_tokens_cache_read"],
        cache["input_tokens_cache_write"],
        totals["total_tokens"] or None,
    )
    cost = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
    return tokens.with_total(), cost
