"""Running an import: each file's runs are stored in one transaction, or none of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from agent_evals.config import ReleaseConfig
from agent_evals.errors import AgentEvalsError, ImportFormatError, UsageError
from agent_evals.importers.base import BadRecord, ImportOptions, ImportUnit, Row
from agent_evals.importers.prefetch import can_fork, forked
from agent_evals.importers.registry import get_importer
from agent_evals.store import Store
from agent_evals.types import Lane

DEFAULT_BATCH_SIZE = 5000
SKIPPED_KEPT = 1000


@dataclass(frozen=True)
class ImportRequest:
    """Which format to read from which paths, and the options of the runs it makes."""

    format: str
    paths: tuple[Path, ...]
    options: ImportOptions
    batch_size: int = DEFAULT_BATCH_SIZE


@dataclass(frozen=True)
class ImportSummary:
    """What an import stored: runs per status, slice and epoch, and the records it skipped.

    ``written`` runs were stored: ``new`` of them added to the store, ``replaced`` the runs
    of an earlier import with the same key (release, lane, task, epoch).
    """

    format: str
    release: str
    lane: str
    model: str
    files: tuple[str, ...]
    written: int
    statuses: dict[str, int]
    slices: dict[str, int]
    skipped: tuple[BadRecord, ...] = ()
    skipped_count: int = 0
    new: int = 0
    replaced: int = 0
    epochs: dict[int, int] = field(default_factory=dict)
    """Runs per epoch: ``{0: tasks, 1: tasks with a second run, ...}``."""


@dataclass
class _Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    slices: Counter[str] = field(default_factory=Counter)
    epochs: Counter[int] = field(default_factory=Counter)
    skipped: list[BadRecord] = field(default_factory=list)
    skipped_count: int = 0


def run_import(store: Store, request: ImportRequest) -> ImportSummary:
    """Import the runs of ``request`` into ``store``; re-importing the same data replaces it.

    A malformed record stops the import with ``file:line`` (``ImportFormatError``) and
    nothing of its file is stored, unless ``skip_bad`` is set: then it is skipped and listed.
    """
    importer = get_importer(request.format)
    total = _Tally()
    stored: list[tuple[str, int]] = []
    new = 0
    options = request.options
    try:
        for unit in importer(request.paths, options):
            tally = _Tally()
            before = store.count_runs(options.release)
            runs = _store_unit(store, unit, tally, request)
            stored.append((unit.name, runs))
            new += store.count_runs(options.release) - before
            _merge(total, tally)
    except AgentEvalsError as exc:
        if stored:
            exc.args = (f"{exc}\n{_stored_before(stored)}",)
        raise
    written = sum(runs for _name, runs in stored)
    return ImportSummary(
        format=request.format,
        release=options.release,
        lane=options.lane,
        model=options.model,
        files=tuple(name for name, _runs in stored),
        written=written,
        statuses=dict(total.statuses.most_common()),
        slices=dict(sorted(total.slices.items())),
        skipped=tuple(total.skipped),
        skipped_count=total.skipped_count,
        new=new,
        replaced=written - new,
        epochs=dict(sorted(total.epochs.items())),
    )


def _store_unit(store: Store, unit: ImportUnit, tally: _Tally, request: ImportRequest) -> int:
    """Store one file's runs in one transaction; how many were written."""
    options = request.options
    rows = _accepted(unit, tally, skip_bad=options.skip_bad)
    if unit.large and can_fork():
        rows = forked(rows, tally, partial(_merge, tally))
    return store.write_columns(
        unit.columns, rows, constants=unit.constants, batch_size=request.batch_size, atomic=True
    )


def _stored_before(stored: Sequence[tuple[str, int]]) -> str:
    """What a failed multi-file import did store: each earlier file whole, and how to go on."""
    files = ", ".join(f"{name} ({runs} runs)" for name, runs in stored)
    return (
        f"stored before this failure, each file whole: {files}; nothing of the failing file "
        "was stored. Fix it and re-run with the files not stored yet (re-importing a stored "
        "file replaces its runs, it never duplicates them)"
    )


def _accepted(unit: ImportUnit, tally: _Tally, *, skip_bad: bool) -> Iterator[Row]:
    """The unit's good rows, counted; a bad record raises, or is set aside with skip_bad."""
    status_at = _index(unit.columns, "status")
    slice_at = _index(unit.columns, "slice")
    epoch_at = _index(unit.columns, "epoch")
    statuses, slices, epochs = tally.statuses, tally.slices, tally.epochs
    for row in unit.rows:
        if isinstance(row, BadRecord):
            if not skip_bad:
                raise ImportFormatError(f"{row.where}: {row.message}")
            tally.skipped_count += 1
            if len(tally.skipped) < SKIPPED_KEPT:
                tally.skipped.append(row)
            continue
        statuses[row[status_at]] += 1
        slices[row[slice_at]] += 1
        epochs[row[epoch_at]] += 1
        yield row


def _index(columns: Sequence[str], name: str) -> int:
    if name not in columns:
        raise ValueError(f"an import unit must give {name!r} per row")
    return list(columns).index(name)


def _merge(total: _Tally, tally: _Tally) -> None:
    total.statuses.update(tally.statuses)
    total.slices.update(tally.slices)
    total.epochs.update(tally.epochs)
    room = SKIPPED_KEPT - len(total.skipped)
    total.skipped.extend(tally.skipped[:room])
    total.skipped_count += tally.skipped_count


def import_target(
    config: ReleaseConfig | None, lane: Lane, release: str | None, model: str | None
) -> tuple[str, str]:
    """The release and model of imported runs: as given, else from the release config."""
    if config is not None:
        name = config.release.incumbent if lane == "incumbent" else config.release.candidate
        release = release or config.release.release_id
        model = model or config.model_id(name)
    if release is None or model is None:
        missing = " and ".join(o for o, v in (("--release", release), ("--model", model)) if not v)
        raise UsageError(f"no release config found: give {missing} (or --config FILE)")
    return release, model
