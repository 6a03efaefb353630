"""``POST /api/outcomes`` and ``POST /api/reviews``: how a live task ended, and its reviews."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from agent_evals.gateway.ledger import Outcome
from agent_evals.gateway.outcomes import TaskRuns
from agent_evals.records import DiffStats, PolicyViolation, RunRecord
from agent_evals.types import ReviewSource, RunStatus

# Bounded by the store's columns: INTEGER counts (32-bit in PostgreSQL), task ids of 300
# characters and slice names of 200; a larger value would fail every later write of the run.
Count = Annotated[int, Field(ge=0, le=2**31 - 1)]
TaskId = Annotated[str, Field(min_length=1, max_length=300)]
SliceName = Annotated[str, Field(min_length=1, max_length=200)]
M = TypeVar("M", bound=BaseModel)


class ApiModel(BaseModel):
    """Base of request bodies: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ViolationIn(ApiModel):
    """One broken policy rule."""

    rule: str = Field(min_length=1)
    detail: str = ""


class DiffIn(ApiModel):
    """The size of the task's change."""

    files_changed: Count | None = None
    lines_added: Count | None = None
    lines_removed: Count | None = None


class OutcomeIn(ApiModel):
    """How a live task ended: ``success`` (or an exact ``status``) and what reviewers saw."""

    task_id: TaskId
    success: bool | None = None
    status: RunStatus | None = None
    slice: SliceName | None = None
    review_comments: Count | None = None
    review_source: ReviewSource = "human"
    policy_violations: tuple[ViolationIn, ...] = ()
    diff: DiffIn = DiffIn()
    out_of_scope_files: tuple[str, ...] = ()
    detail: str | None = None

    @model_validator(mode="after")
    def _says_how_it_ended(self) -> OutcomeIn:
        if (self.success is None) == (self.status is None):
            raise ValueError("give exactly one of 'success' (true/false) or 'status'")
        return self

    def outcome(self) -> Outcome:
        """The outcome as the ledger keeps it."""
        status: RunStatus = self.status or ("resolved" if self.success else "unresolved")
        return Outcome(
            status=status,
            review_comments=self.review_comments,
            review_source=self.review_source,
            policy_violations=tuple(
                PolicyViolation(v.rule, v.detail) for v in self.policy_violations
            ),
            diff=DiffStats(self.diff.files_changed, self.diff.lines_added, self.diff.lines_removed),
            out_of_scope_files=self.out_of_scope_files,
            detail=self.detail,
        )


class ReviewIn(ApiModel):
    """A human count of a task's reviewer follow-up comments (replaces the earlier count)."""

    task_id: TaskId
    count: Count


def error(status: int, message: str) -> JSONResponse:
    """A JSON error answer."""
    return JSONResponse({"error": message}, status_code=status)


async def parse_json(request: Request, model: type[M]) -> M | Response:
    """The body as ``model``, or a 400 answer naming each bad field."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        ]
        return error(400, "; ".join(problems))


def run_view(record: RunRecord) -> dict[str, Any]:
    """The stored run, as the API answers it."""
    tokens = record.tokens
    return {
        "task_id": record.task_id,
        "lane": record.lane,
        "model": record.model,
        "epoch": record.epoch,
        "status": record.status,
        "tokens": {
            "input": tokens.input,
            "output": tokens.output,
            "cache_read": tokens.cache_read,
            "cache_write": tokens.cache_write,
            "total": tokens.total,
            "source": tokens.source,
        },
        "cost_usd": record.cost_usd,
        "api_calls": record.api_calls,
        "review_comments": record.review_comments,
        "policy_violations": len(record.policy_violations),
    }


class OutcomeEndpoints:
    """The outcome and review endpoints over the task runs."""

    def __init__(self, runs: TaskRuns) -> None:
        self.runs = runs

    async def outcome(self, request: Request) -> Response:
        """Close a live run with its outcome."""
        parsed = await parse_json(request, OutcomeIn)
        if isinstance(parsed, Response):
            return parsed
        record = await self.runs.close(parsed.task_id, parsed.outcome(), parsed.slice)
        return JSONResponse(run_view(record))

    async def review(self, request: Request) -> Response:
        """Record a human review count for a task."""
        parsed = await parse_json(request, ReviewIn)
        if isinstance(parsed, Response):
            return parsed
        record = await self.runs.set_reviews(parsed.task_id, parsed.count)
        return JSONResponse(run_view(record))
