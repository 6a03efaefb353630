"""Validated models of the release config (SPEC section 2); camelCase keys in YAML."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from agent_evals.config.harvest import HarvestSpec
from agent_evals.types import Provider, Risk, StatisticsMode
from agent_evals.validation import Count, Flag, Number

Fraction = Annotated[Number, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[Number, Field(ge=0.0)]
Multiplier = Annotated[Number, Field(gt=0.0)]
# Durations are bounded so that every timer and date sum they feed stays representable.
Seconds = Annotated[Number, Field(gt=0.0, le=7 * 24 * 3600)]
Minutes = Annotated[Number, Field(ge=0.0, le=366 * 24 * 60)]
Hours = Annotated[Number, Field(gt=0.0, le=366 * 24)]

_FLOATING = re.compile(r"(^|[-:@/])latest$", re.IGNORECASE)


class ConfigModel(BaseModel):
    """Base of every config section: camelCase keys, unknown keys rejected, values frozen."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Price(ConfigModel):
    """USD per million tokens of each kind."""

    input_per_m_tok: NonNegative = 0.0
    output_per_m_tok: NonNegative = 0.0
    cache_read_per_m_tok: NonNegative | None = None
    cache_write_per_m_tok: NonNegative | None = None


class ModelSpec(ConfigModel):
    """One model a lane can route to."""

    provider: Provider = "openai-compatible"
    model: str | None = Field(default=None, min_length=1)
    base_url: str | None = None
    api_key_env: str | None = None
    price: Price | None = None
    training_cutoff: date | None = None
    """Tasks older than this may be in the model's training data (``slice health``)."""


class RollbackOn(ConfigModel):
    """Thresholds shared by the promotion gates and the live rollback rules; null turns one off."""

    success_rate_drop: Fraction | None = 0.02
    reviewer_comment_increase: NonNegative | None = 0.3
    median_token_multiplier: Multiplier | None = 1.25
    policy_failure_count: Count | None = 1
    cost_multiplier: Multiplier | None = None


class Stage(ConfigModel):
    """One step of the rollout; share 0 is a shadow step (``shadowShare`` of tasks mirrored)."""

    share: Fraction
    min_tasks: Count = 20
    min_bake_minutes: Minutes = 30.0
    manual_approval: Flag = False


def _default_stages() -> tuple[Stage, ...]:
    """Shadow first, then the live shares (SPEC: shadow -> 0.1 -> 0.25 -> 0.5 -> 1.0)."""
    return tuple(Stage(share=s) for s in (0.0, 0.1, 0.25, 0.5, 1.0))


class Release(ConfigModel):
    """The release: which model replaces which, how far, and when to roll back."""

    name: str | None = None
    incumbent: str = Field(min_length=1)
    candidate: str = Field(min_length=1)
    live_canary_share: Fraction = 0.1
    rollback_on: RollbackOn = RollbackOn()
    eval_slices: tuple[str, ...] = Field(min_length=1)
    strategy: Literal["canary", "cutover", "shadow", "opt-in"] = "canary"
    stages: tuple[Stage, ...] = Field(default_factory=_default_stages, min_length=1)
    shadow_share: Fraction = 0.1
    salt: str | None = None

    @model_validator(mode="after")
    def _lanes_differ(self) -> Release:
        if self.incumbent == self.candidate:
            raise ValueError(
                f"incumbent and candidate are both {self.incumbent!r}; "
                "set release.candidate to the model that should replace the incumbent"
            )
        return self

    @property
    def release_id(self) -> str:
        """The name runs and state are stored under."""
        return self.name or f"{self.incumbent}..{self.candidate}"


class SliceSpec(ConfigModel):
    """Where a slice's tasks live and how carefully it is treated."""

    path: str | None = None
    policy_sensitive: Flag = False
    risk: Risk | None = None


class LiveStatistics(ConfigModel):
    """How the canary judges live evidence (always anytime-valid; alpha is 1 - confidence).

    ``finalStep`` is what the last step to 100% needs: ``exposure`` (the stage's planned
    tasks and bake with no harm shown, the default) or ``non-inferiority`` (every rate rule's
    confidence sequence wholly inside its threshold, which can take far more tasks).
    """

    final_step: Literal["exposure", "non-inferiority"] = "exposure"


class Statistics(ConfigModel):
    """How lanes are compared: point estimates, or paired intervals (evidence)."""

    mode: StatisticsMode = "point"
    confidence: Annotated[Number, Field(gt=0.5, lt=1.0)] = 0.95
    min_samples: Annotated[Count, Field(ge=1)] = 30
    seed: Count = 20261125
    bootstrap_resamples: Annotated[Count, Field(ge=100, le=1_000_000)] = 2000
    live: LiveStatistics = LiveStatistics()
    max_infra_error_share: Fraction = 0.1
    """Above this share of a lane's runs ending in ``infra_error`` the decision is INCONCLUSIVE."""
    use_history: Flag = True
    """In evidence mode, pool the incumbent's earlier runs of the same task versions."""


class Waiver(ConfigModel):
    """A recorded justification that waives a gate: who, why, when."""

    gate: Literal["tokens", "review", "cost", "success", "token-provenance"]
    reason: str = Field(min_length=1)
    by: str = Field(min_length=1)
    at: datetime | None = None
    slice: str | None = None


class AgentSpec(ConfigModel):
    """The coding agent a replay runs."""

    type: str = "builtin"
    command: tuple[str, ...] | None = None
    args: tuple[str, ...] = ()
    usage_parser: str | None = None
    usage_file: str | None = None
    version: str | None = None
    max_turns: Annotated[Count, Field(ge=1)] = 30
    timeout_seconds: Seconds = 600.0
    # Let agents that refuse to skip permission prompts as root run anyway (in a container).
    allow_root: Flag = False
    # Variables passed to agent, verify and lint processes beyond the harness's allow-list.
    pass_env: tuple[str, ...] = ()


class Hook(ConfigModel):
    """A command or a webhook fired on a rollout event."""

    command: tuple[str, ...] | str | None = None
    webhook: str | None = None
    timeout_seconds: Seconds = 10.0
    retries: Annotated[Count, Field(le=10)] = 2

    @model_validator(mode="after")
    def _one_target(self) -> Hook:
        if (self.command is None) == (self.webhook is None):
            raise ValueError("a hook needs exactly one of 'command' or 'webhook'")
        return self


class Hooks(ConfigModel):
    """Hooks per event."""

    on_rollback: tuple[Hook, ...] = ()
    on_promote: tuple[Hook, ...] = ()
    on_alert: tuple[Hook, ...] = ()


class Budget(ConfigModel):
    """Spend and token-drift watch per lane."""

    window_hours: Hours = 24.0
    daily_spend_cap_usd: NonNegative | None = None
    auto_fallback: Flag = False


class GatewaySpec(ConfigModel):
    """The metering, routing proxy: secrets by variable name, limits, timers, fallback trigger."""

    admin_token_env: str = "AGENT_EVALS_ADMIN_TOKEN"
    # Named admins: ``name:token`` entries (comma- or line-separated), or a file of them.
    admin_tokens_env: str = "AGENT_EVALS_ADMIN_TOKENS"
    # What agents sign outcomes and reviews with; unset, it is derived from the admin token.
    ingest_token_env: str = "AGENT_EVALS_INGEST_TOKEN"
    github_webhook_secret_env: str = "AGENT_EVALS_GITHUB_WEBHOOK_SECRET"
    branch_pattern: str = r"^agent/(?P<task>[^/]+)$"
    task_label_prefix: str = "agent-task:"
    body_limit_bytes: Annotated[Count, Field(ge=1024)] = 8 * 1024 * 1024
    connect_timeout_seconds: Seconds = 10.0
    upstream_timeout_seconds: Seconds = 600.0
    shadow_concurrency: Annotated[Count, Field(ge=1)] = 8
    probe_interval_seconds: Seconds = 30.0
    evaluate_debounce_seconds: Annotated[Number, Field(ge=0.0, le=7 * 24 * 3600)] = 5.0
    refresh_interval_seconds: Seconds = 5.0
    flush_interval_seconds: Seconds = 1.0
    # A dead endpoint: this share of the candidate's last candidateErrorWindow requests failed.
    candidate_error_window: Annotated[Count, Field(ge=1)] = 20
    candidate_error_rate: Annotated[Number, Field(gt=0.0, le=1.0)] = 1.0
    # A worse endpoint: its error rate above the incumbent's by this much, on anytime-valid
    # evidence (the live rules' confidence sequences), however often it is checked.
    candidate_error_margin: Annotated[Number, Field(gt=0.0, le=1.0)] = 0.1

    @model_validator(mode="after")
    def _pattern_names_task(self) -> GatewaySpec:
        try:
            compiled = re.compile(self.branch_pattern)
        except re.error as exc:
            pattern = self.branch_pattern
            raise ValueError(f"branchPattern {pattern!r} is not a regex: {exc}") from None
        if "task" not in compiled.groupindex:
            raise ValueError(
                f"branchPattern {self.branch_pattern!r} needs a group named task, "
                "e.g. ^agent/(?P<task>[^/]+)$"
            )
        return self


class LlmReviewerSpec(ConfigModel):
    """A model that reads each replay's diff and writes the follow-ups a reviewer would ask."""

    model: str = Field(min_length=1)
    timeout_seconds: Seconds = 120.0
    max_diff_chars: Annotated[Count, Field(ge=1000)] = 40_000


class ReviewerSpec(ConfigModel):
    """How replays count reviewer follow-up comments (automatic rules, plus an optional LLM)."""

    llm: LlmReviewerSpec | None = None


class ReleaseConfig(ConfigModel):
    """The whole release config file."""

    release: Release
    models: dict[str, ModelSpec] = Field(default_factory=dict)
    slices: dict[str, SliceSpec] = Field(default_factory=dict)
    agent: AgentSpec = AgentSpec()
    statistics: Statistics = Statistics()
    waivers: tuple[Waiver, ...] = ()
    hooks: Hooks = Hooks()
    budget: Budget | None = None
    reviewer: ReviewerSpec = ReviewerSpec()
    gateway: GatewaySpec = GatewaySpec()
    harvest: HarvestSpec = HarvestSpec()

    def model_spec(self, name: str) -> ModelSpec:
        """The spec of a named model, defaulted when the config does not describe it."""
        return self.models.get(name) or ModelSpec()

    def model_id(self, name: str) -> str:
        """The exact upstream id of a named model (defaults to its key)."""
        return self.model_spec(name).model or name

    def slice_spec(self, name: str) -> SliceSpec:
        """The spec of a named slice, defaulted when the config does not describe it."""
        return self.slices.get(name) or SliceSpec()

    def floating_models(self) -> list[str]:
        """Lane models whose upstream id is a floating alias rather than an exact version."""
        found = []
        for name in (self.release.incumbent, self.release.candidate):
            model_id = self.model_id(name)
            if _FLOATING.search(model_id) or not any(c.isdigit() for c in model_id):
                found.append(model_id)
        return found
