"""``agent-evals replay``, ``slice lock`` and ``review add`` end to end; human reviews on runs."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from agent_evals.harness.fake_agent import FakeAgent, FakeStep
from agent_evals.records import TokenUsage
from agent_evals.store import Store, schema, sqlite_url
from agent_evals.store.reviews import ReviewEntry, add_review
from agent_evals.workflows import ReplayOptions, run_lane

# A command agent whose behaviour per model is read from behaviour.json beside it.
AGENT = """\
import json, os, pathlib, sys
here = pathlib.Path(sys.argv[1])
plan = json.loads((here / "behaviour.json").read_text())[os.environ["AGENT_EVALS_MODEL"]]
for rel, content in plan.get("files", {}).items():
    path = pathlib.Path(rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
print(json.dumps({"input_tokens": plan["tokens"], "output_tokens": 0}))
"""
INCUMBENT = "gpt-5.3-coder"
CANDIDATE = "gpt-5.4-coder-2026-10-01"


@pytest.fixture
def replay_project(project):
    """The median task, with a command agent whose behaviour the test sets per model."""
    agent = project.root / "agent.py"
    agent.write_text(AGENT)
    config = project.config_path.read_text() + (
        f"agent:\n  type: command\n  command: [{sys.executable!r}, {str(agent)!r}, "
        f"{str(project.root)!r}]\n  usageParser: json-usage\n"
    )
    project.config_path.write_text(config)
    project.add_task("fix-median")
    return project


def _behave(project, **models: dict) -> None:
    (project.root / "behaviour.json").write_text(json.dumps(models))


def _fix(project, tokens: int, **extra: str) -> dict:
    return {"files": {"stats/__init__.py": project.fixed_median, **extra}, "tokens": tokens}


def _replay(run_cli, project, *args: str):
    return run_cli("--config", str(project.config_path), "replay", "--slice", "bugfix-small", *args)


BLOCK_KEYS = [
    "slice",
    "success_rate",
    "median_tokens",
    "policy_failures",
    "review_comment_avg",
    "promotion_status",
    "reason",
]


def _block(stdout: str) -> list[str]:
    """The SPEC block that ends the output, exactly as printed."""
    lines = stdout.rstrip("\n").splitlines()[-7:]
    assert [line.split(":", 1)[0] for line in lines] == BLOCK_KEYS
    return lines


def test_replay_ends_with_the_spec_block_and_exits_by_decision(run_cli, replay_project) -> None:
    _behave(
        replay_project,
        **{INCUMBENT: _fix(replay_project, 1000), CANDIDATE: _fix(replay_project, 1100)},
    )
    first = _replay(run_cli, replay_project, "--lane", "incumbent")
    assert first.exit_code == 3
    assert _block(first.stdout) == [
        "slice: bugfix-small",
        "success_rate: 1.00",
        "median_tokens: 1000",
        "policy_failures: 0",
        "review_comment_avg: 0.0",
        "promotion_status: INCONCLUSIVE",
        "reason: no candidate runs",
    ]
    second = _replay(run_cli, replay_project, "--lane", "candidate")
    assert second.exit_code == 0, second.stdout + second.stderr
    assert "scorecard" in second.stdout
    assert _block(second.stdout) == [
        "slice: bugfix-small",
        "success_rate: 1.00",
        "median_tokens: 1100",
        "policy_failures: 0",
        "review_comment_avg: 0.0",
        "promotion_status: PROMOTE",
        "reason: all gates passed",
    ]
    # Replaying the incumbent again shows its own metrics, decided against the stored candidate.
    _behave(
        replay_project,
        **{INCUMBENT: _fix(replay_project, 500), CANDIDATE: _fix(replay_project, 1100)},
    )
    third = _replay(run_cli, replay_project, "--lane", "incumbent")
    assert third.exit_code == 1
    assert _block(third.stdout)[2] == "median_tokens: 500"
    assert _block(third.stdout)[-2:] == [
        "promotion_status: BLOCKED",
        "reason: token multiplier 2.20x",
    ]


def test_blocked_candidate_exits_1_with_the_reasons(run_cli, replay_project) -> None:
    replay_project.add_task(
        "fix-median", replay_project.median_task + "policy: {forbiddenPaths: [README.md]}\n"
    )
    bad = _fix(replay_project, 2000, **{"README.md": "# edited\n"})
    _behave(replay_project, **{INCUMBENT: _fix(replay_project, 1000), CANDIDATE: bad})
    result = _replay(run_cli, replay_project, "--with-baseline")
    assert result.exit_code == 1
    assert _block(result.stdout)[-2:] == [
        "promotion_status: BLOCKED",
        "reason: policy failure + token multiplier 2.00x + review comments +1.00",
    ]
    assert _block(result.stdout)[3] == "policy_failures: 1"


def test_json_format_is_one_document(run_cli, replay_project) -> None:
    _behave(
        replay_project,
        **{INCUMBENT: _fix(replay_project, 1000), CANDIDATE: {"tokens": 900}},
    )
    result = _replay(run_cli, replay_project, "--with-baseline", "--format", "json")
    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert document["promotion_status"] == "BLOCKED"
    assert document["reasons"] == ["success rate drop 1.00"]
    assert {g["name"] for g in document["gates"]} >= {"policy", "success", "tokens", "review"}
    assert document["slices"][0]["candidate"]["success_rate"] == 0
    assert (document["lane"], document["runs"], document["baseline_runs"]) == ("candidate", 1, 1)


def test_slice_lock_then_a_changed_task_warns_or_is_refused(run_cli, replay_project) -> None:
    _behave(replay_project, **{CANDIDATE: _fix(replay_project, 1000)})
    locked = run_cli("--config", str(replay_project.config_path), "slice", "lock")
    assert locked.exit_code == 0
    lock_file = replay_project.root / "config" / "slices" / "bugfix-small" / "slice.lock"
    hashes = json.loads(lock_file.read_text())
    assert list(hashes) == ["fix-median"]
    assert "locked 1 tasks of slice bugfix-small" in locked.stdout
    store = Store(sqlite_url(replay_project.root / "config" / ".agent-evals" / "agent-evals.db"))
    with store.engine.connect() as conn:
        rows = conn.execute(select(schema.tasks.c.task_id, schema.tasks.c.content_hash)).all()
    store.close()
    assert {task_id: digest for task_id, digest in rows} == hashes

    task_dir = replay_project.root / "config" / "slices" / "bugfix-small" / "fix-median"
    (task_dir / "repo" / "README.md").write_text("# changed\n")
    refused = _replay(run_cli, replay_project, "--strict")
    assert refused.exit_code == 2
    assert "task 'fix-median' of slice 'bugfix-small' changed since slice.lock" in refused.stderr
    warned = _replay(run_cli, replay_project)
    assert warned.exit_code == 3
    assert "warning: task 'fix-median' of slice 'bugfix-small' changed" in warned.stderr


def test_baseline_of_another_task_version_is_left_out(run_cli, replay_project) -> None:
    _behave(
        replay_project,
        **{INCUMBENT: _fix(replay_project, 1000), CANDIDATE: _fix(replay_project, 1000)},
    )
    assert _replay(run_cli, replay_project, "--lane", "incumbent").exit_code == 3
    task_dir = replay_project.root / "config" / "slices" / "bugfix-small" / "fix-median"
    (task_dir / "instruction.md").write_text("Also keep it fast.\n")
    stale = _replay(run_cli, replay_project, "--no-baseline")
    assert "stored incumbent runs of task 'fix-median' were made on another version" in stale.stderr
    assert _block(stale.stdout)[-1] == "reason: no incumbent runs"
    assert _replay(run_cli, replay_project, "--strict").exit_code == 2
    rebased = _replay(run_cli, replay_project)
    assert "replaying the incumbent first" in rebased.stderr
    assert rebased.exit_code == 0
    rerun = _replay(run_cli, replay_project, "--with-baseline", "--strict")
    assert rerun.exit_code == 0


def test_review_add_overrides_automatic_counts(run_cli, replay_project) -> None:
    _behave(
        replay_project,
        **{INCUMBENT: _fix(replay_project, 1000), CANDIDATE: _fix(replay_project, 1000)},
    )
    assert _replay(run_cli, replay_project, "--with-baseline").exit_code == 0
    config = str(replay_project.config_path)
    added = run_cli(
        "--config",
        config,
        "review",
        "add",
        "--task",
        "fix-median",
        "--lane",
        "candidate",
        "--count",
        "2",
        "--by",
        "ana",
    )
    assert added.exit_code == 0
    assert "1 stored runs updated" in added.stdout
    scorecard = run_cli("--config", config, "scorecard", "--slice", "bugfix-small")
    assert scorecard.exit_code == 1
    assert "review comments +2.00" in scorecard.stdout


def test_keep_leaves_the_workspaces(run_cli, replay_project, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    _behave(replay_project, **{CANDIDATE: _fix(replay_project, 1000)})
    result = _replay(run_cli, replay_project, "--keep")
    assert "workspaces kept in" in result.stderr
    kept = list((tmp_path / "tmp").glob("agent-evals-*/fix-median-candidate-e0-*"))
    assert len(kept) == 1
    assert (kept[0] / "stats" / "__init__.py").read_text() == replay_project.fixed_median


def test_human_review_overrides_the_automatic_count_of_later_runs(project) -> None:
    project.add_task("fix-median")
    store = Store.memory()
    release = project.loaded().config.release.release_id
    add_review(store, ReviewEntry(release, "candidate", "fix-median", 4, datetime.now(UTC)))
    fix = FakeStep(
        files={"stats/__init__.py": project.fixed_median},
        tokens=TokenUsage(input=1000, output=200, source="reported"),
    )
    [run] = run_lane(
        store,
        project.loaded(),
        "candidate",
        "bugfix-small",
        ReplayOptions(progress=False),
        adapter=FakeAgent(default=fix),
    )
    assert (run.review_comments, run.review_source) == (4, "human")
    assert store.runs(release)[0].review_source == "human"
