"""Outcomes close live runs; reviews amend them; the controller evaluates after each."""

from __future__ import annotations

from .conftest import MakeRig, task_on


def test_an_outcome_closes_the_run_with_everything_the_caller_reported(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        task = task_on(rig, "candidate")
        rig.chat(task)
        answer = rig.post(
            "/api/outcomes",
            {
                "task_id": task,
                "success": False,
                "slice": "bugfix-small",
                "review_comments": 2,
                "diff": {"files_changed": 1, "lines_added": 4, "lines_removed": 1},
                "out_of_scope_files": ["setup.py"],
                "detail": "tests still fail",
            },
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "unresolved"
    run = rig.live_runs()[task]
    assert (run.status, run.lane, run.slice) == ("unresolved", "candidate", "bugfix-small")
    assert run.review_comments == 2 and run.diff.lines == 5
    assert run.out_of_scope_files == ("setup.py",)
    assert run.detail is not None and run.detail.endswith("tests still fail")


def test_a_malformed_outcome_is_refused_with_the_field_named(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        both = rig.post("/api/outcomes", {"task_id": "t", "success": True, "status": "resolved"})
        unknown = rig.post("/api/outcomes", {"task_id": "t", "success": True, "colour": "red"})
    assert both.status_code == 400 and "exactly one of 'success'" in both.json()["error"]
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"]
    assert rig.live_runs() == {}


def test_a_policy_violation_on_the_candidate_rolls_back_without_a_human(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        task = task_on(rig, "candidate")
        rig.chat(task)
        violation = {"rule": "forbiddenPaths", "detail": "touched migrations/0001_initial.py"}
        rig.post(
            "/api/outcomes", {"task_id": task, "success": True, "policy_violations": [violation]}
        )
        state = rig.controller.state()
        assert state is not None and state.phase == "rolled-back"
        assert rig.chat(task).headers["x-agent-evals-lane"] == "incumbent"
    assert state.rollback_reason == "policy failure"


def test_an_outcome_for_a_task_the_gateway_never_saw_is_kept_with_usage_missing(
    make_rig: MakeRig,
) -> None:
    with make_rig() as rig:
        rig.post("/api/outcomes", {"task_id": "t-unseen", "success": True})
    run = rig.live_runs()["t-unseen"]
    assert run.status == "resolved" and run.tokens.source == "missing" and run.api_calls == 0


def test_a_review_count_replaces_the_earlier_one_on_a_closed_run(make_rig: MakeRig) -> None:
    with make_rig() as rig:
        rig.chat("t-rev")
        rig.post("/api/outcomes", {"task_id": "t-rev", "success": True, "review_comments": 1})
        answer = rig.post("/api/reviews", {"task_id": "t-rev", "count": 4})
        assert answer.status_code == 200 and answer.json()["review_comments"] == 4
    run = rig.live_runs()["t-rev"]
    assert (run.status, run.review_comments, run.review_source) == ("resolved", 4, "human")
