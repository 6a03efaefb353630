"""A strategy switched in the config while the gateway runs: applied explicitly, or refused."""

from __future__ import annotations

import time

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
