"""``runs``: a generic table of runs (JSONL, CSV, a JSON list, or a JSON object keyed by task).

Each run field is read from the first of its usual column names that a record has, or from
the column named with ``--field run_field=source_field``. This is the bulk path: records go
straight to row tuples, and only the columns the table has are written per row.

A table without an epoch column numbers the repeats of a task in file order (one row per
trial, as benchmark harnesses export them): the first row of a task is epoch 0, the next 1.
With an epoch column, a task and epoch given twice is a malformed record. In a JSON object
keyed by task id, a boolean value is the outcome and a number a score, resolved from
``--score-threshold`` up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from agent_evals.errors import UsageError
from agent_evals.importers.base import (
    BadRecord,
    ImportOptions,
    ImportUnit,
    RecordError,
    Row,
    reject_options,
)
from agent_evals.importers.reading import SourceRecord, Unreadable, iter_records
from agent_evals.importers.registry import register
from agent_evals.importers.slicing import SliceOf, slice_rule
from agent_evals.importers.values import as_amount, as_count, as_flag, as_text, as_time
from agent_evals.records import HARNESS_VERSION, clip_detail
from agent_evals.store.runs import RUN_COLUMNS, task_key
from agent_evals.types import MAX_COUNT, RUN_STATUSES

# run field -> the source columns tried, in order
RUN_FIELDS: dict[str, tuple[str, ...]] = {
    "task_id": ("task_id", "instance_id", "id", "task"),
    "slice": ("slice",),
    "epoch": ("epoch",),
    "status": ("status",),
    "resolved": ("resolved", "success", "passed"),
    "cost_usd": ("cost_usd", "cost"),
    "input_tokens": ("input_tokens", "prompt_tokens"),
    "output_tokens": ("output_tokens", "completion_tokens"),
    "cache_read_tokens": ("cache_read_tokens",),
    "cache_write_tokens": ("cache_write_tokens",),
    "total_tokens": ("total_tokens", "tokens"),
    "api_calls": ("api_calls", "turns"),
    "latency_s": ("latency_s", "latency", "duration_s"),
    "review_comments": ("review_comments",),
    "review_source": ("review_source",),
    "files_changed": ("files_changed",),
    "lines_added": ("lines_added",),
    "lines_removed": ("lines_removed",),
    "started_at": ("started_at",),
    "ended_at": ("ended_at",),
    "detail": ("detail",),
}
_FIELDS = tuple(RUN_FIELDS)
_STATUSES = frozenset(RUN_STATUSES)
# stored columns of the row tuple built per record, in order
_ROW = (
    "task_id", "task_key", "slice", "epoch", "status", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "total_tokens", "token_source", "cost_usd",
    "cost_source", "latency_s", "api_calls", "review_comments", "review_source",
    "files_changed", "lines_added", "lines_removed", "diff_lines", "started_at", "ended_at",
    "detail",
)  # fmt: skip
_CORE = _ROW[:17]
_ALWAYS = frozenset(_CORE)
_NONE = (None,) * (len(_ROW) - len(_CORE))
# an optional column is written only when the table has its source field
_OPTIONAL = {
    "files_changed": "files_changed",
    "lines_added": "lines_added",
    "lines_removed": "lines_removed",
    "diff_lines": "lines_added",
    "started_at": "started_at",
    "ended_at": "ended_at",
    "detail": "detail",
}
_PEEK = 1000
# explicit epochs below this are remembered as bits of one int per task
_EPOCH_BITS = 4096
# from this size a table is read in a separate process while its rows are written
LARGE_FILE_BYTES = 32 * 2**20
_INF = float("inf")
_MAX = MAX_COUNT


@register("runs")
def import_runs_table(paths: Sequence[Path], options: ImportOptions) -> Iterator[ImportUnit]:
    """One unit per table file; folders are searched for *.jsonl, *.csv and *.json files."""
    reject_options(options, "runs", "predictions", "results", "trajs")
    aliases = field_aliases(options.fields)
    slice_of = slice_rule(options, own_field=options.fields.get("slice", "slice"))
    for path in _table_files(paths):
        yield _table_unit(path, aliases, slice_of, options)


def field_aliases(mapping: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """The source columns of each run field, with ``--field`` choices replacing the defaults."""
    unknown = sorted(set(mapping) - set(RUN_FIELDS))
    if unknown:
        raise UsageError(
            f"--field: unknown run field {unknown[0]!r}; run fields: {', '.join(RUN_FIELDS)}"
        )
    return {
        name: (mapping[name],) if name in mapping else cols for name, cols in RUN_FIELDS.items()
    }


def _table_files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix in (".jsonl", ".csv", ".json")]
            yield from sorted(found)
        else:
            yield path


def _table_unit(
    path: Path, aliases: dict[str, tuple[str, ...]], slice_of: SliceOf, options: ImportOptions
) -> ImportUnit:
    records = iter_records(path)
    head = list(islice(records, _PEEK))
    present = _present_fields(head, aliases) | {f for f in options.fields}
    columns = tuple(c for c in _ROW if c in _ALWAYS or _OPTIONAL[c] in present)
    numbered = "epoch" not in present
    converter = _Converter(path, aliases, slice_of, columns, numbered, options.score_threshold)
    # every run column the rows do not carry is shared: these values, else unknown
    constants: dict[str, Any] = dict.fromkeys(c for c in RUN_COLUMNS if c not in columns)
    constants |= {
        "release": options.release,
        "lane": options.lane,
        "model": options.model,
        "source": "import",
        "out_of_scope_count": 0,
        "out_of_scope_files": [],
        "policy_violation_count": 0,
        "policy_violations": [],
        "harness_version": HARNESS_VERSION,
    }
    rows = converter.rows(chain(head, records))
    large = path.stat().st_size >= LARGE_FILE_BYTES
    return ImportUnit(str(path), columns, rows, constants, large=large)


def _present_fields(head: Iterable[SourceRecord], aliases: dict[str, tuple[str, ...]]) -> set[str]:
    keys: set[str] = set()
    for record in head:
        if isinstance(record.data, dict):
            keys.update(record.data)
    return {name for name, cols in aliases.items() if any(c in keys for c in cols)}


@dataclass
class _Converter:
    """Turns table records into row tuples of ``columns``; remembers a plan per key layout.

    ``numbered``: the table has no epoch column, so repeats of a task are numbered in order.
    """

    path: Path
    aliases: dict[str, tuple[str, ...]]
    slice_of: SliceOf
    columns: tuple[str, ...]
    numbered: bool
    threshold: float
    # task -> next epoch (numbered), or -> a bit per epoch already given (explicit)
    _seen: dict[str, int] = field(default_factory=dict)
    _far: set[tuple[str, int]] = field(default_factory=set)

    def rows(self, records: Iterable[SourceRecord]) -> Iterator[Row | BadRecord]:
        plans: dict[tuple[str, ...], tuple[str | None, ...]] = {}
        pick = itemgetter(*(_ROW.index(c) for c in self.columns))
        core_only = len(self.columns) == len(_CORE)
        allowed = frozenset(self.columns)
        for record in records:
            data = record.data
            try:
                if type(data) is not dict:
                    row = self._scalar_row(record)
                else:
                    layout = tuple(data)
                    plan = plans.get(layout)
                    if plan is None:
                        plan = plans[layout] = self._plan(data, allowed)
                    row = self._row(record, plan)
                yield row if core_only else pick(row if len(row) > len(_CORE) else row + _NONE)
            except RecordError as exc:
                key = f" (task {record.key!r})" if record.key is not None else ""
                yield BadRecord(f"{self.path}:{record.line}{key}", str(exc))

    def _plan(self, data: dict[str, Any], allowed: frozenset[str]) -> tuple[str | None, ...]:
        plan = tuple(next((c for c in self.aliases[f] if c in data), None) for f in _FIELDS)
        late = [field for column, field in _OPTIONAL.items() if column not in allowed]
        if self.numbered:
            late.append("epoch")
        for field_name in late:
            if plan[_FIELDS.index(field_name)] is not None:
                raise RecordError(
                    f"field {field_name!r} first appears after the first {_PEEK} records; put "
                    f"it in the first records, or name it with --field {field_name}={field_name}"
                )
        return plan

    def _epoch(self, task: str, given: Any, column: str | None) -> int:
        """The run's epoch: the next one of its task, or the one given (each given once)."""
        seen = self._seen
        if self.numbered:
            epoch = seen.get(task, 0)
            seen[task] = epoch + 1
            return epoch
        if given is None:
            epoch = 0
        elif type(given) is int and 0 <= given <= _MAX:
            epoch = given
        else:
            epoch = _count(given, column) or 0
        if epoch < _EPOCH_BITS:
            mask, bit = seen.get(task, 0), 1 << epoch
            if mask & bit:
                raise RecordError(_twice(task, epoch))
            seen[task] = mask | bit
        elif (task, epoch) in self._far:
            raise RecordError(_twice(task, epoch))
        else:
            self._far.add((task, epoch))
        return epoch

    def _scalar_row(self, record: SourceRecord) -> Row:
        """A value of an object keyed by task: true/false resolved, or a number a score."""
        data, task = record.data, record.key
        if task is None or type(data) not in (bool, int, float):
            raise RecordError(_not_a_record(data))
        if type(data) is bool:
            resolved = bool(data)
        else:
            resolved = (as_amount(data, f"score of {task!r}") or 0.0) >= self.threshold
        values = {
            "task_id": task,
            "task_key": task_key(task),
            "slice": self.slice_of(task, None),
            "status": "resolved" if resolved else "unresolved",
            "token_source": "missing",
            "cost_source": "missing",
            "epoch": self._epoch(task, None, None),
        }
        return tuple(values.get(column) for column in _CORE)

    def _row(self, record: SourceRecord, plan: tuple[str | None, ...]) -> Row:
        # The hot path of a bulk import: each value is checked inline when it is already of
        # the right type, and handed to the strict reader (values.py) otherwise.
        (k_task, _slice, k_epoch, k_status, k_resolved, k_cost, k_in, k_out, k_cr, k_cw,
         k_total, k_calls, k_latency, k_rc, k_rs, *optional) = plan  # fmt: skip
        data = record.data
        get = data.get
        task = get(k_task) if k_task else record.key
        if type(task) is not str or not task:
            task = as_text(task, "task_id")
        v_in = (
            v
            if (v := get(k_in)) is None or (type(v) is int and 0 <= v <= _MAX)
            else _count(v, k_in)
        )
        v_out = (
            v
            if (v := get(k_out)) is None or (type(v) is int and 0 <= v <= _MAX)
            else _count(v, k_out)
        )
        total = (
            v
            if (v := get(k_total)) is None or (type(v) is int and 0 <= v <= _MAX)
            else _count(v, k_total)
        )
        cost = (
            v
            if (v := get(k_cost)) is None or (type(v) is float and 0 <= v < _INF)
            else _amount(v, k_cost)
        )
        latency = (
            v
            if (v := get(k_latency)) is None or (type(v) is float and 0 <= v < _INF)
            else _amount(v, k_latency)
        )
        calls = (
            v
            if (v := get(k_calls)) is None or (type(v) is int and 0 <= v <= _MAX)
            else _count(v, k_calls)
        )
        comments = (
            v
            if (v := get(k_rc)) is None or (type(v) is int and 0 <= v <= _MAX)
            else _count(v, k_rc)
        )
        cache_read = as_count(get(k_cr), "cache_read_tokens") if k_cr else None
        cache_write = as_count(get(k_cw), "cache_write_tokens") if k_cw else None
        if total is None and not v_in is v_out is cache_read is cache_write is None:
            total = (v_in or 0) + (v_out or 0) + (cache_read or 0) + (cache_write or 0)
        slice_name = self.slice_of(task, data)
        status = _status(get(k_status), get(k_resolved), k_status or k_resolved)
        review_source = _review_source(get(k_rs), comments)
        extra = _optional_values(get, *optional) if any(optional) else None
        # numbered last, so that a record refused above takes no epoch
        epoch = self._epoch(task, get(k_epoch) if k_epoch else None, k_epoch)
        core = (
            task,
            task_key(task),
            slice_name,
            epoch,
            status,
            v_in,
            v_out,
            cache_read,
            cache_write,
            total,
            "missing" if total is None else "imported",
            cost,
            "missing" if cost is None else "imported",
            latency,
            calls,
            comments,
            review_source,
        )
        return core if extra is None else core + extra


def _optional_values(get: Any, *keys: str | None) -> Row:
    k_fc, k_la, k_lr, k_start, k_end, k_detail = keys
    added = as_count(get(k_la), "lines_added")
    removed = as_count(get(k_lr), "lines_removed")
    return (
        as_count(get(k_fc), "files_changed"),
        added,
        removed,
        added + removed if added is not None and removed is not None else None,
        as_time(get(k_start), "started_at"),
        as_time(get(k_end), "ended_at"),
        None if (detail := get(k_detail)) is None else clip_detail(str(detail)),
    )


def _count(value: Any, column: str | None) -> int | None:
    return as_count(value, str(column))


def _amount(value: Any, column: str | None) -> float | None:
    return as_amount(value, str(column))


def _status(status: Any, resolved: Any, source: str | None) -> str:
    if status is not None:
        if type(status) is str and status in _STATUSES:
            return status
        raise RecordError(f"status {status!r:.60} is not one of {', '.join(RUN_STATUSES)}")
    if source is None:
        raise RecordError(
            "no outcome: give resolved, success or passed (true/false) or a status "
            "(or name the column with --field resolved=COLUMN)"
        )
    if resolved is None:
        return "missing"
    return "resolved" if as_flag(resolved, "resolved") else "unresolved"


def _review_source(value: Any, comments: int | None) -> str | None:
    if comments is None:
        return None
    if value is None:
        return "human"
    if type(value) is str and value in ("human", "auto", "llm"):
        return value
    raise RecordError(f"review_source {value!r:.60} is not one of human, auto, llm")


def _not_a_record(data: Any) -> str:
    if isinstance(data, Unreadable):
        return data.message
    return (
        f"expected an object of run fields, got {type(data).__name__}; a JSON object keyed "
        "by task id may also give each task true/false (resolved) or a number (a score)"
    )


def _twice(task: str, epoch: int) -> str:
    return (
        f"task {task!r} epoch {epoch} appears twice in this file; give each repeat its own "
        "epoch, or leave out the epoch column to number repeats in file order"
    )
