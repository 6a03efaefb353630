"""What every importer shares: its options, the units it yields, and records it rejects."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from agent_evals.errors import UsageError
from agent_evals.records import DiffStats, RunRecord, TokenUsage
from agent_evals.store.runs import RUN_COLUMNS, record_to_row
from agent_evals.types import Lane, RunStatus

DEFAULT_SLICE = "imported"

Row = tuple[Any, ...]


class RecordError(ValueError):
    """One record cannot be imported; the message says which value and what is allowed."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record that was rejected, and where it is (``file:line``)."""

    where: str
    message: str


@dataclass(frozen=True)
class ImportOptions:
    """Where imported runs go and how to read them; shared by every format."""

    release: str
    lane: Lane
    model: str
    slice: str | None = None
    slice_by: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    predictions: Path | None = None
    results: Path | None = None
    trajs: Path | None = None
    skip_bad: bool = False
    score_threshold: float = 1.0
    """A score (or reward) from this value up is resolved."""


@dataclass(frozen=True)
class ImportUnit:
    """One file's runs: stored all together or not at all.

    ``rows`` are tuples of ``columns``; ``constants`` are the columns every row shares.
    A ``BadRecord`` in the stream stops the import, or is skipped with ``--skip-bad``.
    """

    name: str
    columns: Sequence[str]
    rows: Iterable[Row | BadRecord]
    constants: Mapping[str, Any] = field(default_factory=dict)
    large: bool = False
    """Worth reading in a separate process while the rows are written."""


Importer = Callable[[Sequence[Path], ImportOptions], Iterator[ImportUnit]]


def record_unit(name: str, records: Iterable[RunRecord | BadRecord]) -> ImportUnit:
    """A unit of whole run records (the path of every format but the bulk table).

    A task and epoch that come twice would store one run for two: the second is refused.
    """
    values = itemgetter(*RUN_COLUMNS)

    def rows() -> Iterator[Row | BadRecord]:
        seen: set[tuple[str, int]] = set()
        for record in records:
            if isinstance(record, BadRecord):
                yield record
            elif (record.task_id, record.epoch) in seen:
                yield BadRecord(
                    name,
                    f"task {record.task_id!r} epoch {record.epoch} comes twice; "
                    "import one record per task and epoch",
                )
            else:
                seen.add((record.task_id, record.epoch))
                yield values(record_to_row(record))

    return ImportUnit(name, RUN_COLUMNS, rows())


def imported_run(
    options: ImportOptions,
    task_id: str,
    status: RunStatus,
    *,
    slice: str,
    tokens: TokenUsage | None = None,
    **values: Any,
) -> RunRecord:
    """A run record of an import: its usage and cost are marked ``imported``."""
    usage = tokens or TokenUsage()
    return RunRecord(
        release=options.release,
        task_id=task_id,
        slice=slice,
        lane=options.lane,
        model=options.model,
        status=status,
        source="import",
        tokens=TokenUsage(
            usage.input, usage.output, usage.cache_read, usage.cache_write, usage.total, "imported"
        ),
        cost_source="imported",
        **values,
    )


def reject_options(options: ImportOptions, fmt: str, *names: str) -> None:
    """A usage error naming the options given that this format does not read."""
    given = [f"--{name.replace('_', '-')}" for name in names if getattr(options, name)]
    if given:
        raise UsageError(f"the {fmt} format does not read {', '.join(given)}")


def no_diff() -> DiffStats:
    """The diff of a run that changed nothing (an empty patch)."""
    return DiffStats(0, 0, 0)


def where(path: Path, line: int | None = None) -> str:
    """``file:line`` (or just the file) for messages."""
    return f"{path}:{line}" if line is not None else str(path)
