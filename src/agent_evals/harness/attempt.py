"""One run of one task by one lane: workspace, agent, measuring, verify, review, record."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from agent_evals.config import LoadedConfig
from agent_evals.config.lanes import ModelRoute, lane_route, model_route
from agent_evals.config.models import GatewaySpec, Price, ReleaseConfig
from agent_evals.config.pricing import cost_of
from agent_evals.errors import HarnessError, UsageError
from agent_evals.harness.agents.base import (
    AgentAdapter,
    AgentRequest,
    AgentResult,
    state_files,
)
from agent_evals.harness.agents.environment import passed_variables
from agent_evals.harness.llm_reviewer import LlmReview, LlmReviewer, reviewer_from_config
from agent_evals.harness.measure import (
    DiffMeasure,
    VerifyOutcome,
    measure_diff,
    out_of_scope,
    run_verify,
)
from agent_evals.harness.patch import parse_patch
from agent_evals.harness.policy import check_policy, dependency_changes
from agent_evals.harness.preflight import LaneProbe
from agent_evals.harness.reviewer import (
    Finding,
    ReviewInput,
    auto_review,
    lint_diagnostics,
    new_diagnostics,
)
from agent_evals.harness.workspace import Workspace, Workspaces
from agent_evals.records import PolicyViolation, RunRecord, TokenUsage
from agent_evals.tasks import Task
from agent_evals.types import CostSource, Lane, ReviewSource, RunStatus

LINT_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class LaneSetup:
    """What stays the same for every run of one lane in one replay."""

    release: str
    slice: str
    lane: Lane
    model: str
    base_url: str | None
    api_key: str | None
    price: Price | None
    agent_timeout_s: float
    max_turns: int
    adapter: AgentAdapter
    agent_version: str | None
    reviewer: LlmReviewer | None = None
    pass_env: Mapping[str, str] = field(default_factory=dict)
    """The values of ``agent.passEnv``, given to the agent, verify and lint processes."""


def lane_setup(
    loaded: LoadedConfig, lane: Lane, slice_name: str, adapter: AgentAdapter
) -> LaneSetup:
    """The setup of a lane from the config: model id, endpoint, key, price and limits."""
    config = loaded.config
    route = lane_route(config, lane)
    return LaneSetup(
        release=config.release.release_id,
        slice=slice_name,
        lane=lane,
        model=route.model,
        base_url=route.base_url,
        api_key=_api_key(route),
        price=route.price,
        agent_timeout_s=config.agent.timeout_seconds,
        max_turns=config.agent.max_turns,
        adapter=adapter,
        agent_version=config.agent.version or adapter.version(),
        reviewer=_llm_reviewer(loaded),
        pass_env=passed_variables(checked_pass_env(config)),
    )


def checked_pass_env(config: ReleaseConfig) -> tuple[str, ...]:
    """``agent.passEnv``; a :class:`UsageError` when it names a key or token of the config.

    Every lane's agent gets its own key from the harness; passing a key variable through would
    hand one lane's key (or the gateway's tokens) to the other lane's model.
    """
    secrets = {
        spec.api_key_env: f"models.{name}.apiKeyEnv"
        for name, spec in config.models.items()
        if spec.api_key_env
    }
    for name in GatewaySpec.model_fields:
        if name.endswith("_env"):
            secrets[getattr(config.gateway, name)] = f"gateway.{_camel(name)}"
    for variable in config.agent.pass_env:
        if variable in secrets:
            raise UsageError(
                f"agent.passEnv: {variable} is the secret of {secrets[variable]}; agent, verify "
                "and lint processes never get it (each lane's agent gets its own key from the "
                "harness): remove it from agent.passEnv"
            )
    return config.agent.pass_env


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def lane_probe(loaded: LoadedConfig, lane: Lane) -> LaneProbe:
    """What the preflight checks for a lane: its route and key, resolved as its runs do."""
    route = lane_route(loaded.config, lane)
    return LaneProbe(
        lane=lane,
        model_key=route.name,
        model=route.model,
        base_url=route.base_url,
        api_key=_api_key(route),
        api_key_env=route.api_key_env,
        provider=route.provider,
    )


def _llm_reviewer(loaded: LoadedConfig) -> LlmReviewer | None:
    config = loaded.config
    llm = config.reviewer.llm
    if llm is None:
        return None
    route = model_route(config, llm.model)
    return reviewer_from_config(
        route.base_url,
        route.model,
        _api_key(route),
        llm.timeout_seconds,
        llm.max_diff_chars,
    )


def _api_key(route: ModelRoute) -> str | None:
    key = route.api_key()
    if route.api_key_env is not None and key is None:
        variable = route.api_key_env
        raise UsageError(
            f"models.{route.name}.apiKeyEnv names {variable}, which is not set; "
            f"export {variable} or remove apiKeyEnv for an endpoint without a key"
        )
    return key


def classify(result: AgentResult, verify: VerifyOutcome | None) -> RunStatus:
    """The run's status: the infrastructure's failures, agent limits, then the verify exit code."""
    if result.infra_error:
        return "infra_error"
    if result.timed_out:
        return "timeout"
    if result.limit_exceeded:
        return "limit_exceeded"
    if verify is not None and verify.passed:
        return "resolved"
    if result.error or result.exit_code != 0:
        return "agent_error"
    return "unresolved"


class Attempts:
    """Runs single attempts for one lane; infrastructure failures raise ``HarnessError``."""

    def __init__(self, setup: LaneSetup, workspaces: Workspaces) -> None:
        self.setup = setup
        self.workspaces = workspaces
        self._lint_base: dict[str, list[str]] = {}
        self._lint_lock = threading.Lock()

    def run(self, task: Task, epoch: int) -> RunRecord:
        """One full run of ``task``; the workspace is removed afterwards unless kept."""
        started = datetime.now(UTC)
        label = f"{task.id}-{self.setup.lane}-e{epoch}"
        workspace = self.workspaces.create(task, label)
        home = self.workspaces.create_home(label)
        try:
            return self._run_in(task, epoch, workspace, self._environment(home), started)
        finally:
            self.workspaces.remove(workspace)
            self.workspaces.remove_home(home)

    def _environment(self, home: Path) -> dict[str, str]:
        """What the run's processes get beyond the allow-list: a private home, ``passEnv``."""
        return {"HOME": str(home), **self.setup.pass_env}

    def _run_in(
        self, task: Task, epoch: int, ws: Workspace, env: Mapping[str, str], started: datetime
    ) -> RunRecord:
        s = self.setup
        request = AgentRequest(
            task_id=task.id,
            instruction=task.instruction,
            workspace=ws.path,
            model=s.model,
            base_url=s.base_url,
            api_key=s.api_key,
            timeout_s=task.agent_timeout_s or s.agent_timeout_s,
            max_turns=s.max_turns,
            env=env,
        )
        clock = time.monotonic()
        result = s.adapter.run(request)
        latency = time.monotonic() - clock
        measured = self._measure(task, ws, result, env)
        return self._record(task, epoch, result, measured, started, latency)

    def _measure(
        self, task: Task, ws: Workspace, result: AgentResult, env: Mapping[str, str]
    ) -> _Measured:
        diff = measure_diff(ws, state_files(self.setup.adapter))
        scope = out_of_scope(diff.paths, task.scope)
        deps = dependency_changes(ws, diff.paths)
        violations = check_policy(task.policy, diff, deps, result.commands_run)
        new_lint = self._new_lint(task, ws, env)
        verify = None
        if not (result.timed_out or result.limit_exceeded or result.infra_error):
            verify = run_verify(task, ws, None, env)
            if verify.could_not_start:
                raise HarnessError(f"verify command of task {task.id!r}: {verify.output_tail}")
        findings = auto_review(ReviewInput(tuple(parse_patch(diff.patch)), scope, deps, new_lint))
        llm = self._llm_review(task, diff.patch)
        return _Measured(diff, scope, violations, findings, verify, llm)

    def _llm_review(self, task: Task, patch: str) -> LlmReview | str | None:
        """The reviewer model's comments, or why it gave none (the run keeps its auto count)."""
        reviewer = self.setup.reviewer
        if reviewer is None:
            return None
        try:
            return reviewer.review(task.id, task.instruction, patch)
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            return f"LLM reviewer failed, automatic count kept: {exc}"

    def _new_lint(self, task: Task, ws: Workspace, env: Mapping[str, str]) -> tuple[str, ...]:
        if not task.lint_command:
            return ()
        after = lint_diagnostics(task.lint_command, ws.path, LINT_TIMEOUT_S, env)
        return new_diagnostics(self._base_lint(task), after)

    def _base_lint(self, task: Task) -> list[str]:
        assert task.lint_command is not None  # only called for tasks with a linter
        with self._lint_lock:
            if task.content_hash not in self._lint_base:
                label = f"{task.id}-lint-base"
                scratch = self.workspaces.create(task, label)
                home = self.workspaces.create_home(label)
                try:
                    found = lint_diagnostics(
                        task.lint_command, scratch.path, LINT_TIMEOUT_S, self._environment(home)
                    )
                finally:
                    self.workspaces.remove(scratch)
                    self.workspaces.remove_home(home)
                self._lint_base[task.content_hash] = found
            return self._lint_base[task.content_hash]

    def _record(
        self,
        task: Task,
        epoch: int,
        result: AgentResult,
        measured: _Measured,
        started: datetime,
        latency: float,
    ) -> RunRecord:
        s = self.setup
        tokens = result.tokens.with_total()
        cost, cost_source = _cost(result, tokens, s.price)
        return RunRecord(
            release=s.release,
            task_id=task.id,
            slice=s.slice,
            lane=s.lane,
            model=s.model,
            status=classify(result, measured.verify),
            source="replay",
            epoch=epoch,
            tokens=tokens,
            cost_usd=cost,
            cost_source=cost_source,
            latency_s=latency,
            diff=measured.diff.stats,
            out_of_scope_files=measured.scope,
            policy_violations=measured.violations,
            review_comments=measured.review_count,
            review_source=measured.review_source,
            api_calls=result.api_calls,
            started_at=started,
            ended_at=datetime.now(UTC),
            task_hash=task.content_hash,
            agent=s.adapter.name,
            agent_version=result.agent_version or s.agent_version,
            detail=_detail(result, measured),
        )


@dataclass(frozen=True)
class _Measured:
    diff: DiffMeasure
    scope: tuple[str, ...]
    violations: tuple[PolicyViolation, ...]
    findings: tuple[Finding, ...]
    verify: VerifyOutcome | None
    llm: LlmReview | str | None = None

    @property
    def review_count(self) -> int:
        """The LLM reviewer's comment count when it answered, else the automatic findings."""
        return len(self.llm.comments) if isinstance(self.llm, LlmReview) else len(self.findings)

    @property
    def review_source(self) -> ReviewSource:
        """Where ``review_count`` came from."""
        return "llm" if isinstance(self.llm, LlmReview) else "auto"


def _cost(
    result: AgentResult, tokens: TokenUsage, price: Price | None
) -> tuple[float | None, CostSource]:
    """The configured price wins over the agent's own estimate, which prices differently."""
    cost = cost_of(tokens, price)
    if cost is not None:
        return cost, "price"
    if result.cost_usd is not None:
        return result.cost_usd, "reported"
    return None, "missing"


def _detail(result: AgentResult, measured: _Measured) -> str | None:
    lines = []
    if result.error:
        lines.append(f"agent error: {result.error}")
    verify = measured.verify
    if verify is not None and not verify.passed:
        why = "timed out" if verify.timed_out else f"exit {verify.exit_code}"
        lines.append(f"verify {why}: {verify.output_tail[-500:].strip()}")
    lines += [f"review {f.rule} {f.path or ''}: {f.detail}" for f in measured.findings]
    if isinstance(measured.llm, LlmReview):
        lines += [f"llm review: {comment}" for comment in measured.llm.comments]
    elif measured.llm is not None:
        lines.append(measured.llm)
    return "\n".join(lines)[:4000] or None
