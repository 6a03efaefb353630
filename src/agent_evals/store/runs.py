"""Converting run records to rows and back."""

from __future__ import annotations

import hashlib
from typing import Any

from agent_evals.records import DiffStats, PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import schema

# Every stored column of a run but the row id, in table order: the one list of them.
RUN_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.runs.columns if not c.primary_key)


def task_key(task_id: str) -> int:
    """A stable 63-bit integer for a task id (the same on every machine and process)."""
    digest = hashlib.blake2b(task_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def record_to_row(run: RunRecord) -> dict[str, Any]:
    """The stored row of a run record."""
    tokens = run.tokens.with_total()
    diff = run.diff
    return {
        "release": run.release,
        "task_id": run.task_id,
        "task_key": task_key(run.task_id),
        "slice": run.slice,
        "lane": run.lane,
        "model": run.model,
        "epoch": run.epoch,
        "source": run.source,
        "status": run.status,
        "input_tokens": tokens.input,
        "output_tokens": tokens.output,
        "cache_read_tokens": tokens.cache_read,
        "cache_write_tokens": tokens.cache_write,
        "total_tokens": tokens.total,
        "token_source": tokens.source if tokens.total is not None else "missing",
        "cost_usd": run.cost_usd,
        "cost_source": run.cost_source if run.cost_usd is not None else "missing",
        "latency_s": run.latency_s,
        "files_changed": diff.files_changed,
        "lines_added": diff.lines_added,
        "lines_removed": diff.lines_removed,
        "diff_lines": diff.lines,
        "out_of_scope_count": len(run.out_of_scope_files),
        "out_of_scope_files": list(run.out_of_scope_files),
        "policy_violation_count": len(run.policy_violations),
        "policy_violations": [{"rule": v.rule, "detail": v.detail} for v in run.policy_violations],
        "review_comments": run.review_comments,
        "review_source": run.review_source if run.review_comments is not None else None,
        "api_calls": run.api_calls,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "task_hash": run.task_hash,
        "agent": run.agent,
        "agent_version": run.agent_version,
        "harness_version": run.harness_version,
        "detail": run.detail,
    }


def row_to_record(row: Any) -> RunRecord:
    """The run record of a stored row (a SQLAlchemy ``Row`` or a mapping)."""
    m = row._mapping if hasattr(row, "_mapping") else row
    return RunRecord(
        release=m["release"],
        task_id=m["task_id"],
        slice=m["slice"],
        lane=m["lane"],
        model=m["model"],
        status=m["status"],
        source=m["source"],
        epoch=m["epoch"],
        tokens=TokenUsage(
            m["input_tokens"],
            m["output_tokens"],
            m["cache_read_tokens"],
            m["cache_write_tokens"],
            m["total_tokens"],
            m["token_source"],
        ),
        cost_usd=m["cost_usd"],
        cost_source=m["cost_source"],
        latency_s=m["latency_s"],
        diff=DiffStats(m["files_changed"], m["lines_added"], m["lines_removed"]),
        out_of_scope_files=tuple(m["out_of_scope_files"] or ()),
        policy_violations=tuple(
            PolicyViolation(v["rule"], v["detail"]) for v in m["policy_violations"] or ()
        ),
        review_comments=m["review_comments"],
        review_source=m["review_source"],
        api_calls=m["api_calls"],
        started_at=m["started_at"],
        ended_at=m["ended_at"],
        task_hash=m["task_hash"],
        agent=m["agent"],
        agent_version=m["agent_version"],
        harness_version=m["harness_version"],
        detail=m["detail"],
    )
