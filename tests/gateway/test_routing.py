"""Which lane serves a task: the share, stickiness per task, pins, and the blocked plan."""

from __future__ import annotations

import openai

from agent_evals.rollout import stable_bucket

from .conftest import ADMIN_TOKEN, RELEASE, MakeRig, task_on

ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}


def test_a_thousand_tasks_split_by_their_stable_bucket_and_keep_their_lane(
    make_rig: MakeRig,
) -> None:
    share = 0.25
    with make_rig(share=share) as rig:
        client = rig.client(openai.OpenAI(base_url=rig.url, api_key="agent-side-key"))
        lanes: dict[str, set[str]] = {}
        for i in range(1000):
            task = f"live-task-{i}"
            for _ in range(2 if i % 10 == 0 else 1):
                raw = client.chat.completions.with_raw_response.create(
                    model="m",
                    messages=[{"role": "user", "content": "go"}],
                    extra_headers={"X-Agent-Task-Id": task},
                )
                lanes.setdefault(task, set()).add(raw.headers["x-agent-evals-lane"])
    assert all(len(seen) == 1 for seen in lanes.values())
    on_candidate = {task for task, seen in lanes.items() if seen == {"candidate"}}
    assert on_candidate == {t for t in lanes if stable_bucket(RELEASE, t) < share}
    assert abs(len(on_candidate) - 250) <= 55  # four standard deviations of Binomial(1000, .25)
    stored = rig.live_runs()
    assert len(stored) == 1000
    assert {t for t, run in stored.items() if run.lane == "candidate"} == on_candidate
    assert sum(run.api_calls or 0 for run in stored.values()) == 1100


def test_a_task_keeps_its_lane_when_the_share_grows_mid_task(make_rig: MakeRig) -> None:
    with make_rig(share=[0.25, 1.0]) as rig:
        task = task_on(rig, "incumbent")
        assert rig.chat(task).headers["x-agent-evals-lane"] == "incumbent"
        answer = rig.post("/admin/promote", {"reason": "go", "force": True}, **ADMIN)
        assert answer.status_code == 200 and answer.json()["share"] == 1.0, answer.text
        assert rig.chat(task).headers["x-agent-evals-lane"] == "incumbent"
        assert rig.chat("a-new-task").headers["x-agent-evals-lane"] == "candidate"


def test_a_rollback_sends_even_started_candidate_tasks_to_the_incumbent(make_rig: MakeRig) -> None:
    with make_rig(share=0.5) as rig:
        task = task_on(rig, "candidate")
        assert rig.chat(task).headers["x-agent-evals-lane"] == "candidate"
        answer = rig.post("/admin/rollback", {"reason": "reviewers unhappy"}, **ADMIN)
        assert answer.status_code == 200, answer.text
        assert rig.chat(task).headers["x-agent-evals-lane"] == "incumbent"
        fresh = next(
            f"fresh-{i}" for i in range(1000) if stable_bucket(RELEASE, f"fresh-{i}") < 0.5
        )
        assert rig.chat(fresh).headers["x-agent-evals-lane"] == "incumbent"
    assert rig.live_runs()[task].lane == "candidate"


def test_pinned_slices_and_high_risk_tasks_stay_on_the_incumbent(make_rig: MakeRig) -> None:
    with make_rig(share=1.0) as rig:
        pinned = rig.chat("t-pinned", metadata={"agent_task_slice": "migration-risky"})
        assert rig.chat("t-free").headers["x-agent-evals-lane"] == "candidate"
        assert pinned.headers["x-agent-evals-lane"] == "incumbent"
        risky_answer = rig.post(
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x"}]},
            **{"x-agent-task-id": "t-high", "x-agent-task-risk": "high"},
        )
        assert risky_answer.headers["x-agent-evals-lane"] == "incumbent"
    assert rig.live_runs()["t-pinned"].slice == "migration-risky"
