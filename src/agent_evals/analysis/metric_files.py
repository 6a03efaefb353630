"""Lane-metric files for ``agent-evals gate``: one lane's numbers, optionally per task."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agent_evals.analysis.pairing import LaneTasks, Pairs
from agent_evals.analysis.results import LaneMetrics
from agent_evals.errors import UsageError
from agent_evals.store.runs import task_key
from agent_evals.validation import Count, Number, validate_model

Rate = Annotated[Number, Field(ge=0, le=1)]
Amount = Annotated[Number, Field(ge=0)]


class TaskValues(BaseModel):
    """One task's values in a lane, for paired evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    success: Rate
    tokens: Amount | None = None
    review: Amount | None = None
    cost: Amount | None = None


class LaneFile(BaseModel):
    """A lane-metrics file as written by ``scorecard --format json`` or by hand."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    success_rate: Rate | None
    median_tokens: Amount | None
    review_comment_avg: Amount | None
    policy_failures: Count
    latency_p50_s: Amount | None = None
    latency_p95_s: Amount | None = None
    median_cost_per_success: Amount | None = None
    n: Count | None = None
    model: str | None = None
    provider: str | None = None
    tasks: dict[str, TaskValues] | None = None

    def metrics(self) -> LaneMetrics:
        """The lane metrics this file states."""
        return LaneMetrics(
            n=self.n,
            success_rate=self.success_rate,
            median_tokens=self.median_tokens,
            review_comment_avg=self.review_comment_avg,
            policy_failures=self.policy_failures,
            latency_p50_s=self.latency_p50_s,
            latency_p95_s=self.latency_p95_s,
            median_cost_per_success=self.median_cost_per_success,
            model=self.model,
            provider=self.provider,
        )


def load_lane_file(path: Path) -> LaneFile:
    """Read and validate a lane-metrics JSON file; errors name the file, key and fix."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UsageError(
            f"{path}: not a JSON document ({exc}); write the lane metrics as JSON"
        ) from None
    return validate_model(LaneFile, data, str(path), UsageError)


def pairs_from_files(incumbent: LaneFile, candidate: LaneFile) -> Pairs | None:
    """Per-task pairs when both files list tasks; ``None`` otherwise."""
    if incumbent.tasks is None or candidate.tasks is None:
        return None
    shared = sorted(set(incumbent.tasks) & set(candidate.tasks))
    return Pairs(
        incumbent=_lane_tasks(incumbent.tasks, shared),
        candidate=_lane_tasks(candidate.tasks, shared),
        incumbent_only=len(set(incumbent.tasks) - set(shared)),
        candidate_only=len(set(candidate.tasks) - set(shared)),
    )


def _lane_tasks(tasks: dict[str, TaskValues], ids: list[str]) -> LaneTasks:
    def column(name: str) -> np.ndarray:
        values = [getattr(tasks[i], name) for i in ids]
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    return LaneTasks(
        keys=np.array([task_key(i) for i in ids], dtype=np.int64),
        success=column("success"),
        tokens=column("tokens"),
        review=column("review"),
        cost=column("cost"),
    )
