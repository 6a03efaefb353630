"""The replay gate: verdicts at the current task versions, and every share above zero."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import UsageError
from agent_evals.records import PolicyViolation
from agent_evals.rollout import CanaryController, FakeClock, promote, run_drill
from agent_evals.rollout.replay_gate import current_versions, replay_gate
from agent_evals.store import Store

from ..replays import pass_replays

BROKE = (PolicyViolation("forbiddenPaths", "touched migrations/0001.py"),)


def blocked_candidate(store: Store, config: ReleaseConfig, task_hash: str = "v1") -> None:
    """The candidate's first migration replay breaks a rule."""
    release = config.release.release_id
    run = next(
        r for r in store.runs(release, lane="candidate", slice="migration-risky") if r.epoch == 0
    )
    store.write_runs([replace(run, policy_violations=BROKE, task_hash=task_hash)])


def test_a_blocked_slice_holds_every_later_share_too(
    store: Store, make_config: Callable[..., ReleaseConfig], clock: FakeClock
) -> None:
    config = make_config()
    pass_replays(store, config)
    controller = CanaryController(store, config, clock=clock)
    run_drill(controller, actor="sre")
    controller.start(actor="sre")
    blocked_candidate(store, config)
    with pytest.raises(UsageError, match=r"live share 0\.25 refused.*migration-risky BLOCKED"):
        promote(controller, actor="sre", force=True)
    assert controller.require_state().share == 0.1


def test_an_override_holds_until_the_release_starts_again(
    store: Store, make_config: Callable[..., ReleaseConfig], clock: FakeClock
) -> None:
    config = make_config()
    pass_replays(store, config)
    blocked_candidate(store, config)
    controller = CanaryController(store, config, clock=clock)
    run_drill(controller, actor="sre")
    controller.start(actor="sre", reason="accepted risk", override_replay=True)
    assert replay_gate(store, config).override is not None
    assert promote(controller, actor="sre", force=True).state.share == 0.25
    controller.rollback(actor="sre", reason="alert")
    with pytest.raises(UsageError, match="replay decision is not PROMOTE"):
        controller.start(actor="sre", reason="retry")


def test_only_the_newest_replayed_version_of_each_task_decides(
    store: Store, make_config: Callable[..., ReleaseConfig]
) -> None:
    config = make_config()
    pass_replays(store, config)
    release = config.release.release_id
    later = datetime(2026, 11, 1, tzinfo=UTC)
    runs = store.runs(release, slice="migration-risky")
    old = [replace(r, started_at=later - timedelta(days=1)) for r in runs]
    assert current_versions(old) == old
    # The candidate was replayed on a new version of one task; the old version's runs go.
    task = old[0].task_id
    newer = replace(
        next(r for r in old if r.task_id == task and r.lane == "candidate"),
        task_hash="v2",
        started_at=later,
        epoch=1,
    )
    kept = current_versions([*old, newer])
    assert [r for r in kept if r.task_id == task] == [newer]
