"""Manual controller actions, the drill requirement, and compare-and-set between processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import ConflictError, UsageError
from agent_evals.rollout import CanaryController, FakeClock, open_router, promote, run_drill
from agent_evals.store import ReleaseState, Store, sqlite_url

from ..replays import pass_replays


def test_live_share_is_refused_until_a_drill_passed(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    controller_for: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = controller_for(make_config())
    with pytest.raises(UsageError, match=r"live share 0\.1 refused.*run agent-evals canary drill"):
        controller.start(actor="alice")
    assert controller.state() is None
    run_drill(controller, actor="alice")
    begun = controller.start(actor="alice")
    assert (begun.state.stage, begun.state.share) == ("stage-1", 0.1)


def test_a_shadow_stage_needs_no_drill_but_the_next_stage_does(
    make_config: Callable[..., ReleaseConfig],
    controller_for: Callable[[ReleaseConfig], CanaryController],
) -> None:
    stages = [{"share": 0.0, "minTasks": 0, "minBakeMinutes": 0}, {"share": 0.1}]
    controller = controller_for(make_config({"stages": stages}))
    assert controller.start(actor="alice").state.share == 0.0
    with pytest.raises(UsageError, match="run agent-evals canary drill"):
        promote(controller, actor="alice", force=True)


def test_freeze_sends_everything_home_until_unfrozen(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    config = make_config({"stages": [{"share": 1.0}]})
    controller = started(config)
    controller.freeze(actor="bob", reason="incident 42")
    decision = open_router(store, config).select("t1")
    assert (decision.lane, decision.reason) == ("incumbent", "release frozen: incident 42")
    with pytest.raises(UsageError, match="unfreeze it first"):
        promote(controller, actor="bob", force=True)
    controller.unfreeze(actor="bob", reason="resolved")
    assert open_router(store, config).select("t1").lane == "candidate"
    actions = [(e.action, e.actor) for e in store.audit("inc..cand")]
    assert ("freeze", "bob") in actions and ("unfreeze", "bob") in actions


def test_trust_opens_a_pinned_slice_and_high_risk(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    config = make_config({"stages": [{"share": 1.0}]})
    controller = started(config)
    assert open_router(store, config).select("t1", slice="migration-risky").rule == "pinned"
    controller.trust(actor="carol", reason="reviewed 40 replays", slice="migration-risky")
    assert open_router(store, config).select("t1", slice="migration-risky").rule == "risk"
    controller.trust(actor="carol", reason="risk review done", risk="high")
    assert open_router(store, config).select("t1", slice="migration-risky").lane == "candidate"
    with pytest.raises(UsageError, match="is not pinned"):
        controller.trust(actor="carol", reason="x", slice="bugfix-small")
    trusts = [e for e in store.audit("inc..cand") if e.action == "trust"]
    assert [e.reasons[0] for e in trusts] == [
        "candidate trusted for slice migration-risky: reviewed 40 replays",
        "candidate trusted for high-risk tasks: risk review done",
    ]


def test_a_manual_rollback_commits_share_zero_and_can_restart(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    started: Callable[[ReleaseConfig], CanaryController],
) -> None:
    controller = started(make_config())
    rolled = controller.rollback(actor="bob", reason="customer report")
    assert (rolled.state.stage, rolled.state.share) == ("rolled-back", 0.0)
    with pytest.raises(UsageError, match="nothing to roll back"):
        controller.rollback(actor="bob", reason="again")
    assert controller.start(actor="alice", reason="fixed prompt").state.stage == "stage-1"


class _BarrierStore(Store):
    """A store whose first compare-and-set waits until the other racer has read the state."""

    def __init__(self, url: str, barrier: threading.Barrier) -> None:
        super().__init__(url)
        self._barrier: threading.Barrier | None = barrier

    def compare_and_set_state(self, release: str, expected_version: int, **kw: Any) -> ReleaseState:
        if self._barrier is not None:
            barrier, self._barrier = self._barrier, None
            barrier.wait(timeout=30)
        return super().compare_and_set_state(release, expected_version, **kw)


def test_two_racing_promotions_in_threads_exactly_one_wins(
    tmp_path: Path, make_config: Callable[..., ReleaseConfig]
) -> None:
    url = sqlite_url(tmp_path / "race.db")
    config = make_config()
    setup = Store(url)
    pass_replays(setup, config)
    controller = CanaryController(setup, config, clock=FakeClock())
    run_drill(controller, actor="setup")
    controller.start(actor="setup")
    barrier = threading.Barrier(2)
    stores = [_BarrierStore(url, barrier) for _ in range(2)]
    results: dict[int, object] = {}

    def race(i: int) -> None:
        racer = CanaryController(stores[i], config, clock=FakeClock())
        try:
            results[i] = promote(racer, actor=f"racer-{i}", force=True).state.stage
        except ConflictError as exc:
            results[i] = exc

    threads = [threading.Thread(target=race, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted(results.values(), key=lambda v: isinstance(v, ConflictError))
    assert outcomes[0] == "stage-2"
    assert isinstance(outcomes[1], ConflictError)
    assert "another process acted first" in str(outcomes[1])
    assert controller.require_state().stage == "stage-2"
    for s in (setup, *stores):
        s.close()


def test_two_racing_promotion_processes_exactly_one_wins(
    tmp_path: Path, make_config: Callable[..., ReleaseConfig]
) -> None:
    config = make_config()
    config_path = tmp_path / "model-release.yaml"
    config_path.write_text(yaml.safe_dump(config.model_dump(mode="json", by_alias=True)))
    url = sqlite_url(tmp_path / "race.db")
    setup = Store(url)
    pass_replays(setup, config)
    controller = CanaryController(setup, config)
    run_drill(controller, actor="setup")
    controller.start(actor="setup")
    argv = [sys.executable, "-m", "agent_evals", "--config", str(config_path), "--db", url]
    argv += ["canary", "promote", "--from", "stage-1", "--force"]
    racers = [
        subprocess.Popen(
            [*argv, "--actor", f"p{i}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for i in range(2)
    ]
    finished = [(p.wait(timeout=120), *p.communicate()) for p in racers]
    codes = sorted(code for code, _, _ in finished)
    assert codes == [0, 4]
    loser = next(err for code, _, err in finished if code == 4)
    assert "stage-2, not stage-1" in loser or "another process acted first" in loser
    assert controller.require_state().stage == "stage-2"
    promotions = [e for e in setup.audit(config.release.release_id) if e.action == "override"]
    assert len(promotions) == 1
    setup.close()
