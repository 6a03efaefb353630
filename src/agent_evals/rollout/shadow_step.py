"""The shadow step: share 0, ``shadowShare`` of tasks mirrored to the candidate.

A shadow answer is read and discarded, so a shadow run has no outcome: it shows the
candidate's tokens, cost and latency on the very requests the incumbent answered, and
nothing about success, review comments or policy. The step is judged on what it can show:
the token and cost rules of the live evidence, each shadowed task's candidate run against
the incumbent's run of the same task, and the budget guard. Success and review need live
work, which the next step brings.
"""

from __future__ import annotations

from dataclasses import replace

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout.health import Health, LiveWindow, as_utc, assess_health, live_settings
from agent_evals.rollout.state import RolloutState

SHADOW_NOTE = "shadow step: tokens and spend only; success and review need live work"
"""What every decision of a shadow step says about the evidence it cannot have."""


def in_shadow_step(config: ReleaseConfig, state: RolloutState) -> bool:
    """Whether ``state`` is a shadow step (share 0 of a canary ladder, or shadow only)."""
    strategy = config.release.strategy
    return state.phase == "stage" and state.share == 0.0 and strategy in ("canary", "shadow")


def shadow_pairs(
    window: LiveWindow, since: float | None = None
) -> tuple[tuple[RunRecord, ...], tuple[RunRecord, ...]]:
    """The incumbent's and the candidate's metered runs of every shadowed task.

    Both sides are counted on tokens and cost alone (status taken as answered, no review or
    policy), one run per task per lane, so the comparison is paired on the same requests.
    ``since`` (a POSIX time) keeps the shadow runs that ended from then on.
    """
    primaries = {r.task_id: r for r in window.incumbent if r.tokens.total is not None}
    shadows = {
        r.task_id: r
        for r in window.candidate
        if r.source == "shadow"
        and r.tokens.total is not None
        and r.task_id in primaries
        and (since is None or _ended(r) >= since)
    }
    tasks = sorted(shadows)
    return (
        tuple(_tokens_only(primaries[t]) for t in tasks),
        tuple(_tokens_only(shadows[t]) for t in tasks),
    )


def shadow_health(config: ReleaseConfig, window: LiveWindow, waivers: frozenset[str]) -> Health:
    """The token and cost rules of the live evidence on the shadowed tasks (the rest off)."""
    incumbent, candidate = shadow_pairs(window)
    rules = config.release.rollback_on.model_copy(
        update={
            "success_rate_drop": None,
            "reviewer_comment_increase": None,
            "policy_failure_count": None,
        }
    )
    judged = config.model_copy(
        update={"release": config.release.model_copy(update={"rollback_on": rules})}
    )
    return assess_health(
        incumbent, candidate, judged, waivers=waivers, settings=live_settings(config)
    )


def _tokens_only(run: RunRecord) -> RunRecord:
    return replace(run, status="resolved", review_comments=None, policy_violations=())


def _ended(run: RunRecord) -> float:
    when = run.ended_at or run.started_at
    return as_utc(when).timestamp() if when is not None else float("-inf")
