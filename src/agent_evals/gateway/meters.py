"""Between the ledger's live runs and their stored meters: outcomes as data, and the run
record each stored meter is projected to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent_evals.config.models import Price
from agent_evals.gateway.ledger import LiveRun, Outcome
from agent_evals.records import DiffStats, PolicyViolation, RunRecord
from agent_evals.store.live_state import TOKEN_PARTS, MeterRow
from agent_evals.types import Lane


def outcome_data(outcome: Outcome) -> dict[str, Any]:
    """An outcome as the meter keeps it (JSON)."""
    return {
        "status": outcome.status,
        "review_comments": outcome.review_comments,
        "review_source": outcome.review_source,
        "policy_violations": [
            {"rule": v.rule, "detail": v.detail} for v in outcome.policy_violations
        ],
        "diff": [outcome.diff.files_changed, outcome.diff.lines_added, outcome.diff.lines_removed],
        "out_of_scope_files": list(outcome.out_of_scope_files),
        "detail": outcome.detail,
    }


def outcome_from_data(data: Mapping[str, Any]) -> Outcome:
    """The outcome a meter keeps."""
    files, added, removed = data.get("diff") or (None, None, None)
    return Outcome(
        status=data["status"],
        review_comments=data.get("review_comments"),
        review_source=data.get("review_source") or "human",
        policy_violations=tuple(
            PolicyViolation(v["rule"], v.get("detail", ""))
            for v in data.get("policy_violations", ())
        ),
        diff=DiffStats(files, added, removed),
        out_of_scope_files=tuple(data.get("out_of_scope_files", ())),
        detail=data.get("detail"),
    )


def run_of_meter(row: MeterRow) -> LiveRun:
    """The live run a stored meter sums up (every gateway's requests)."""
    run = LiveRun(
        task_id=row["task_id"],
        lane=row["lane"],
        model=row["model"],
        slice=row["slice"],
        source=row["source"],
        epoch=int(row["epoch"]),
        started=float(row["started_at"]),
        last=float(row["last_at"]),
        requests=int(row["requests"]),
        failed=int(row["failed"]),
        fell_back=int(row["fell_back"]),
        usage_missing=int(row["usage_missing"]),
        sums=[row[name] for name in TOKEN_PARTS] if row["tokens_seen"] else None,
        cost_usd=float(row["cost_usd"]),
        model_seconds=float(row["model_seconds"]),
        ttft_seconds=float(row["ttft_seconds"]),
        streams=int(row["streams"]),
        review_comments=row["review_comments"],
    )
    if row["outcome"] is not None:
        run.outcome = outcome_from_data(row["outcome"])
    return run


class Projector:
    """Turns a stored meter into the run record the analysis reads."""

    def __init__(self, release: str, prices: Mapping[Lane, Price | None]) -> None:
        self.release = release
        self.prices = dict(prices)

    def __call__(self, row: MeterRow) -> RunRecord:
        """The meter's run record."""
        run = run_of_meter(row)
        return run.record(self.release, self.prices.get(run.lane) is not None)
