"""The gateway's error-rate breaker: judged against the incumbent, on anytime-valid evidence."""

from __future__ import annotations

import asyncio

import numpy as np

from agent_evals.config.models import ReleaseConfig
from agent_evals.gateway.background import StoreThread
from agent_evals.gateway.control import ReleaseLink
from agent_evals.rollout import CanaryController, FakeClock, run_drill
from agent_evals.store import Store

LIVE_LADDER = [{"share": share} for share in (0.1, 0.25, 0.5, 1.0)]
CONFIG = ReleaseConfig.model_validate(
    {
        "release": {
            "incumbent": "inc-1",
            "candidate": "cand-2",
            "evalSlices": ["bugfix"],
            "stages": LIVE_LADDER,
        }
    }
)


def stream(rates: dict[str, float], requests: int, seed: int) -> str:
    """Feed both lanes' upstream results to a live release's link; return its stage."""
    store, io = Store.memory(), StoreThread()
    controller = CanaryController(store, CONFIG, clock=FakeClock())
    run_drill(controller, actor="test")
    controller.start(actor="test", override_replay=True, reason="breaker test: live only")
    link = ReleaseLink(controller, io)
    rng = np.random.default_rng(seed)

    async def feed() -> None:
        for _ in range(requests):
            for lane, rate in rates.items():
                await link.upstream_result(lane, bool(rng.random() >= rate), "HTTP 503")  # type: ignore[arg-type]

    try:
        asyncio.run(feed())
        return controller.require_state().stage
    finally:
        io.close()
        store.close()


def test_a_candidate_erring_at_19_percent_beside_an_incumbent_at_20_stays_live() -> None:
    assert stream({"incumbent": 0.20, "candidate": 0.19}, 2000, seed=1) == "stage-1"


def test_a_candidate_erring_at_50_percent_beside_an_incumbent_at_2_rolls_back() -> None:
    assert stream({"incumbent": 0.02, "candidate": 0.5}, 200, seed=2) == "rolled-back"
