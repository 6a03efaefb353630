"""One task's runs side by side: what ``agent-evals explain --task ID`` shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from rich.table import Table
from rich.text import Text

from agent_evals.records import RunRecord
from agent_evals.reports.formatting import NO_DATA, count, number


def _tokens(run: RunRecord) -> str:
    usage = run.tokens.with_total()
    return f"{count(usage.total)} ({usage.source})"


def _diff(run: RunRecord) -> str:
    d = run.diff
    if d.files_changed is None:
        return NO_DATA
    return f"{d.files_changed} files +{count(d.lines_added)} -{count(d.lines_removed)}"


def _policy(run: RunRecord) -> str:
    return "; ".join(f"{v.rule}: {v.detail}" for v in run.policy_violations) or "none"


def _review(run: RunRecord) -> str:
    if run.review_comments is None:
        return NO_DATA
    return f"{run.review_comments} ({run.review_source or 'unknown'})"


def _started(run: RunRecord) -> str:
    return run.started_at.isoformat(timespec="seconds") if run.started_at else NO_DATA


HASH_SHOWN = 19
"""Characters of a task's content hash shown (``sha256:`` and 12 hex digits)."""

# The rows of the side-by-side table, in the order a reviewer reads a run.
FIELDS: tuple[tuple[str, Callable[[RunRecord], str]], ...] = (
    ("model", lambda r: r.model),
    ("status", lambda r: r.status),
    ("tokens", _tokens),
    ("cost $", lambda r: f"{number(r.cost_usd, 4)} ({r.cost_source})"),
    ("latency s", lambda r: number(r.latency_s, 1)),
    ("diff", _diff),
    ("out of scope", lambda r: ", ".join(r.out_of_scope_files) or "none"),
    ("policy", _policy),
    ("review comments", _review),
    ("api calls", lambda r: NO_DATA if r.api_calls is None else str(r.api_calls)),
    ("started", _started),
    ("task version", lambda r: (r.task_hash or NO_DATA)[:HASH_SHOWN]),
    ("agent", lambda r: f"{r.agent or NO_DATA} {r.agent_version or ''}".strip()),
    ("detail", lambda r: r.detail or ""),
)


def ordered_runs(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """Incumbent first, then by source and epoch."""
    return sorted(runs, key=lambda r: (r.lane != "incumbent", r.source, r.epoch))


def task_table(task_id: str, runs: Sequence[RunRecord]) -> Table:
    """A column per run (lane, epoch, source), a row per measure."""
    ordered = ordered_runs(runs)
    slices = sorted({r.slice for r in ordered})
    table = Table(title=f"task {task_id} ({', '.join(slices)})", header_style="bold")
    table.add_column("")
    for run in ordered:
        table.add_column(f"{run.lane}\nepoch {run.epoch} {run.source}", overflow="fold")
    for name, read in FIELDS:
        table.add_row(name, *(Text(read(run)) for run in ordered))
    return table


def task_document(task_id: str, runs: Sequence[RunRecord]) -> dict[str, Any]:
    """The JSON form: the task and each of its runs, every stored field."""
    return {"task_id": task_id, "runs": [asdict(run) for run in ordered_runs(runs)]}
