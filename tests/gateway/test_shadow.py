"""Shadow mode: the candidate also answers sampled tasks, metered apart and never in the way."""

from __future__ import annotations

import httpx

from agent_evals.scripted_model import received_requests

from .conftest import CAND_MODEL, RELEASE, MakeRig

SLOW_CANDIDATE = {
    "models": {
        CAND_MODEL: {"tasks": {"*": [{"content": "shadow", "delayMs": 1500}]}},
        "*": {"tasks": {"*": [{"content": "primary"}]}},
    },
    "defaults": {"usage": {"prompt_tokens": 500, "completion_tokens": 70}},
}


def test_sampled_tasks_are_shadowed_on_the_candidate_with_their_own_ledger(
    make_rig: MakeRig,
) -> None:
    with make_rig(
        SLOW_CANDIDATE, share=0.0, release={"shadowShare": 1.0}, gateway={"shadowConcurrency": 2}
    ) as rig:
        answers = [rig.chat(f"t-{i}", stream=i % 2 == 0) for i in range(4)]
        assert {a.headers["x-agent-evals-lane"] for a in answers} == {"incumbent"}
        assert all(a.status_code == 200 and "primary" in a.text for a in answers)
        metrics = httpx.get(rig.root + "/metrics").text
    shadow_runs = rig.store.runs(RELEASE, lane="candidate", source="shadow")
    assert {r.lane for r in rig.live_runs().values()} == {"incumbent"}
    assert 1 <= len(shadow_runs) <= 2  # two slots; a shadow request never waits for one
    dropped = 'agent_evals_gateway_shadow_requests_total{lane="candidate",outcome="dropped"} '
    assert dropped + f"{4 - len(shadow_runs)}.0" in metrics
    for run in shadow_runs:
        assert run.tokens.total == 570 and run.tokens.source == "metered"
        assert run.status == "missing" and run.cost_usd is not None
    sent = [r for r in received_requests(rig.candidate) if r.body["model"] == CAND_MODEL]
    assert len(sent) == len(shadow_runs)
    assert all(r.body["stream"] is False and "stream_options" not in r.body for r in sent)
