"""Slice health from stored runs: flaky, no-signal and contamination-risk tasks, gate needs."""

from __future__ import annotations

from datetime import UTC, date, datetime

from agent_evals.analysis import build_scorecard, run_table_from_records
from agent_evals.analysis.planning import plan_release
from agent_evals.analysis.slice_health import TaskDates, flaky_keys, slice_health
from agent_evals.config import parse_config
from agent_evals.config.models import RollbackOn
from agent_evals.records import RunRecord, TokenUsage
from agent_evals.store import Store
from agent_evals.store.runs import task_key

RELEASE = "gpt-5.3-coder..gpt-5.4-coder"
# Per task, per lane: the statuses of its epochs.
OUTCOMES = {
    "steady": {"incumbent": "RRRRR", "candidate": "RUR"},
    "coin": {"incumbent": "RURUR", "candidate": "RRR"},
    "easy": {"incumbent": "RRRRR", "candidate": "RRR"},
    "hopeless": {"incumbent": "UUUUU", "candidate": "UUU"},
    "broken-infra": {"incumbent": "RRRRI", "candidate": "RRU"},
}
STATUS = {"R": "resolved", "U": "unresolved", "I": "infra_error"}


def runs() -> list[RunRecord]:
    return [
        RunRecord(
            release=RELEASE,
            task_id=task,
            slice="bugfix-small",
            lane=lane,  # type: ignore[arg-type]
            model=f"model-{lane}",
            status=STATUS[code],  # type: ignore[arg-type]
            epoch=epoch,
            tokens=TokenUsage(total=1000, source="metered"),
        )
        for task, lanes in OUTCOMES.items()
        for lane, codes in lanes.items()
        for epoch, code in enumerate(codes)
    ]


def test_each_task_is_flagged_by_what_its_epochs_show():
    dates = {
        "steady": TaskDates("bugfix-small", datetime(2023, 5, 1, tzinfo=UTC)),
        "coin": TaskDates("bugfix-small", datetime(2025, 5, 1, tzinfo=UTC)),
        "unrun": TaskDates("bugfix-small", None),
    }
    plan = plan_release(RollbackOn(), [0.1, 0.5, 1.0], alpha=0.05)
    (health,) = slice_health(runs(), dates, {"model-incumbent": date(2024, 1, 1)}, plan)
    tasks = {t.task_id: t for t in health.tasks}
    assert [t for t, h in tasks.items() if h.flaky] == ["coin"]
    assert tasks["coin"].incumbent == (3, 5)
    assert tasks["easy"].no_signal == "always solved"
    assert tasks["hopeless"].no_signal == "never solved"
    # An infra error is no evidence: four resolved runs of four counted are not flaky.
    assert tasks["broken-infra"].incumbent == (4, 4) and not tasks["broken-infra"].flaky
    assert tasks["steady"].contaminated == ("model-incumbent",)
    assert tasks["coin"].contaminated == ()
    assert tasks["unrun"].incumbent == (0, 0) and tasks["unrun"].usable
    assert health.usable == 3  # steady, broken-infra, unrun
    assert [n.gate for n in health.needs] == ["success", "tokens", "review"]
    assert health.needs[0].tasks[5] < health.needs[0].tasks[1]


def test_flaky_keys_and_the_scorecard_leaves_flaky_tasks_out_unless_asked():
    records = runs()
    assert list(flaky_keys(run_table_from_records(records))) == [task_key("coin")]
    store = Store.memory()
    store.write_runs(records)
    config = parse_config(
        "release: {incumbent: gpt-5.3-coder, candidate: gpt-5.4-coder, evalSlices: [bugfix-small]}"
    ).config
    left_out = build_scorecard(store, config, include_flaky=False)
    kept = build_scorecard(store, config)
    assert left_out.overall.incumbent.n == kept.overall.incumbent.n - 5
    assert left_out.overall.candidate.n == kept.overall.candidate.n - 3
    assert left_out.notes[-1] == "1 flaky tasks left out of the gates (--include-flaky keeps them)"
    assert not any("flaky" in note for note in kept.notes)
