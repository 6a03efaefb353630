"""A strategy switched in the config while the gateway runs: applied explicitly, or refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

from agent_evals.rollout import CanaryController
from agent_evals.rollout.reconfigure import reconfigure

from .conftest import RELEASE, MakeRig, release_config, task_on


def test_after_a_reconfigure_the_running_gateway_stops_sending_live_work_to_the_candidate(
    make_rig: MakeRig,
) -> None:
    with make_rig(share=0.5, gateway={"refreshIntervalSeconds": 0.05}) as rig:
        task = task_on(rig, "candidate")
        assert rig.chat(task).headers["x-agent-evals-lane"] == "candidate"
        models = rig.controller.config.models
        urls = [str(models[name].base_url) for name in ("inc", "cand")]
        opt_in = release_config(*urls, share=0.5, release={"strategy": "opt-in"})
        reconfigure(CanaryController(rig.store, opt_in), actor="ops", reason="volunteers only")

        deadline = time.monotonic() + 10
        while rig.gateway.link.plan.blocked is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert rig.chat(task).headers["x-agent-evals-lane"] == "incumbent"
        blocked = rig.gateway.link.plan.blocked or ""
        assert "config says strategy canary but the release runs opt-in" in blocked
        entry = rig.store.audit(RELEASE)[-1]
        assert (entry.action, entry.actor) == ("reconfigure", "ops")
        assert "strategy canary -> opt-in" in entry.reasons


def _edit_config(path: Path, **release: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["release"].update(release)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_strategy_switched_in_the_config_file_reaches_the_running_gateway_at_once(
    make_rig: MakeRig,
) -> None:
    with make_rig(share=0.5, gateway={"refreshIntervalSeconds": 0.05}, config_file=True) as rig:
        task = task_on(rig, "candidate")
        assert rig.chat(task).headers["x-agent-evals-lane"] == "candidate"
        assert rig.config_path is not None
        _edit_config(rig.config_path, strategy="opt-in")

        _until(lambda: rig.gateway.link.plan.blocked is not None)
        assert rig.chat(task).headers["x-agent-evals-lane"] == "incumbent"
        blocked = rig.gateway.link.plan.blocked or ""
        assert "config says strategy opt-in but the release runs canary" in blocked
        assert "agent-evals canary reconfigure --reason WHY" in blocked
        reload = [e for e in rig.store.audit(RELEASE) if e.action == "reload"][-1]
        assert reload.actor == "gateway"
        assert "strategy canary -> opt-in" in reload.evidence["changes"]

        applied = CanaryController(rig.store, rig.gateway.link.config)
        reconfigure(applied, actor="ops", reason="volunteers only")
        _until(lambda: rig.gateway.link.plan.blocked is None)
        assert rig.gateway.link.plan.strategy == "opt-in"
        volunteer = httpx.post(
            rig.url + "/chat/completions",
            json={"model": "any", "messages": [{"role": "user", "content": "hi"}]},
            headers={"x-agent-task-id": "volunteer", "x-agent-task-opt": "in"},
        )
        assert rig.chat("never-opted-in").headers["x-agent-evals-lane"] == "incumbent"
    assert volunteer.headers["x-agent-evals-lane"] == "candidate"
    actions = [e.action for e in rig.store.audit(RELEASE)]
    assert actions.index("reload") < actions.index("reconfigure")


def test_a_threshold_changed_in_the_config_file_is_stale_until_reconfigured(
    make_rig: MakeRig,
) -> None:
    with make_rig(share=0.5, gateway={"refreshIntervalSeconds": 0.05}, config_file=True) as rig:
        task = task_on(rig, "candidate")
        assert rig.config_path is not None
        _edit_config(rig.config_path, rollbackOn={"medianTokenMultiplier": 1.5})

        _until(lambda: rig.gateway.link.plan.blocked is not None)
        assert rig.chat(task).headers["x-agent-evals-lane"] == "incumbent"
        blocked = rig.gateway.link.plan.blocked or ""
        assert "rollbackOn.medianTokenMultiplier 1.25 -> 1.5" in blocked
        reconfigure(
            CanaryController(rig.store, rig.gateway.link.config), actor="ops", reason="looser"
        )
        _until(lambda: rig.gateway.link.plan.blocked is None)
        assert rig.chat(task).headers["x-agent-evals-lane"] == "incumbent"  # sticky per task
        fresh = task_on(rig, "candidate", prefix="after")
        assert rig.chat(fresh).headers["x-agent-evals-lane"] == "candidate"
