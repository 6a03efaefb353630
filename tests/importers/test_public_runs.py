"""Published figures reproduced from public per-task runs (../shared/data/public-runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_evals.analysis import build_scorecard
from agent_evals.config import parse_config
from agent_evals.store import Store

from .conftest import Importing

DOUBAO = "swebench-java/20240825_SWE-agent_doubao-pro-128k"
DEEPSEEK_TRAJS = "swebench-java/20240825_SWE-agent_deepseek-coder-v2/trajs"
DEVSTRAL = (
    "swebench-bash-only/20251209_mini-v1.17.2_devstral-2512",
    "swebench-bash-only/20251209_mini-v1.17.2_devstral-small-2512",
)
DEVSTRAL_RELEASE = """\
release:
  name: devstral
  incumbent: devstral-2512
  candidate: devstral-small-2512
  evalSlices: [imported]
  rollbackOn:
    reviewerCommentIncrease: null
    medianTokenMultiplier: null
    costMultiplier: 1.5
statistics:
  mode: evidence
"""


def test_doubao_predictions_and_results_give_one_resolved_of_91(
    importing: Importing, store: Store, public_runs: Path
) -> None:
    folder = public_runs / DOUBAO
    summary = importing(
        "swebench",
        predictions=folder / "all_preds.jsonl",
        results=folder / "results" / "results.json",
    )
    runs = store.runs("r1")
    assert len(runs) == 91 and summary.written == 91
    assert summary.statuses == {"unresolved": 90, "resolved": 1}
    assert [r.task_id for r in runs if r.succeeded] == ["fasterxml__jackson-databind-3701"]
    empty = [r for r in runs if r.diff.files_changed == 0]
    assert len(empty) == 22 and all(r.status == "unresolved" and r.diff.lines == 0 for r in empty)


def test_doubao_runs_never_evaluated_are_missing_not_failures(
    importing: Importing, store: Store, public_runs: Path, tmp_path: Path
) -> None:
    folder = public_runs / DOUBAO
    results = json.loads((folder / "results" / "results.json").read_text())
    never_run = results["unresolved_ids"][:5]
    results["completed_ids"] = [i for i in results["completed_ids"] if i not in never_run]
    results["unresolved_ids"] = results["unresolved_ids"][5:]
    results["incomplete_ids"] = never_run[:2]  # two reported incomplete, three not mentioned
    (tmp_path / "results.json").write_text(json.dumps(results))
    summary = importing(
        "swebench", predictions=folder / "all_preds.jsonl", results=tmp_path / "results.json"
    )
    assert summary.statuses == {"unresolved": 85, "missing": 5, "resolved": 1}
    missing = sorted(r.task_id for r in store.runs("r1") if r.status == "missing")
    assert missing == sorted(never_run)


@pytest.mark.parametrize("folder", DEVSTRAL)
def test_devstral_leaderboard_figures_are_reproduced_exactly(
    importing: Importing, store: Store, public_runs: Path, folder: str
) -> None:
    published = json.loads((public_runs / folder / "leaderboard_entry.json").read_text())
    importing("runs", public_runs / folder / "per_instance_details.json")
    runs = store.runs("r1")
    assert len(runs) == 500
    resolved_pct = round(100 * sum(r.succeeded for r in runs) / len(runs), 1)
    assert resolved_pct == published["resolved"]
    mean_cost = sum(r.cost_usd or 0.0 for r in runs) / len(runs)
    assert mean_cost == pytest.approx(published["instance_cost"], rel=1e-12)
    mean_calls = sum(r.api_calls or 0 for r in runs) / len(runs)
    assert mean_calls == pytest.approx(published["instance_calls"], rel=1e-12)


def test_swe_agent_trajectories_give_tokens_and_the_task_cost(
    importing: Importing, store: Store, public_runs: Path
) -> None:
    trajs = public_runs / DEEPSEEK_TRAJS
    importing("swe-agent", trajs)
    runs = {r.task_id: r for r in store.runs("r1")}
    assert len(runs) == 8
    for path in trajs.glob("*.traj"):
        stats = json.loads(path.read_text())["info"]["model_stats"]
        run = runs[path.name.removesuffix(".traj")]
        assert run.tokens.input == stats["tokens_sent"]
        assert run.tokens.output == stats["tokens_received"]
        assert run.tokens.total == stats["tokens_sent"] + stats["tokens_received"]
        assert run.cost_usd == stats["instance_cost"] != stats["total_cost"]
        assert run.api_calls == stats["api_calls"]
    assert runs["apache__dubbo-10638"].tokens.input == 147871


def test_devstral_scorecard_decides_on_cost_with_intervals_and_names_missing_tokens(
    importing: Importing, store: Store, public_runs: Path
) -> None:
    for lane, folder in zip(("incumbent", "candidate"), DEVSTRAL, strict=True):
        importing(
            "runs",
            public_runs / folder / "per_instance_details.json",
            lane=lane,
            release="devstral",
        )
    config = parse_config(DEVSTRAL_RELEASE).config
    scorecard = build_scorecard(store, config)
    decision = scorecard.decision
    gates = {g.name: g for g in decision.gates}
    assert decision.mode == "evidence" and decision.status == "PROMOTE"
    assert gates["tokens"].verdict == "off"
    assert gates["cost"].verdict == "pass" and gates["cost"].interval is not None
    assert gates["success"].interval is not None
    assert scorecard.overall.paired_tasks == 500

    with_default_gates = DEVSTRAL_RELEASE.replace("    medianTokenMultiplier: null\n", "")
    default = build_scorecard(store, parse_config(with_default_gates).config).decision
    assert default.status == "INCONCLUSIVE"
    assert "token data missing" in default.reasons


def test_devstral_reimported_replaces_its_500_runs_and_reads_as_task_booleans(
    importing: Importing, store: Store, public_runs: Path, tmp_path: Path
) -> None:
    details = public_runs / DEVSTRAL[0] / "per_instance_details.json"
    first = importing("runs", details)
    again = importing("runs", details)
    assert (first.new, first.replaced, first.epochs) == (500, 0, {0: 500})
    assert (again.new, again.replaced, store.count_runs("r1")) == (0, 500, 500)
    published = json.loads((public_runs / DEVSTRAL[0] / "leaderboard_entry.json").read_text())
    # the same outcomes published as {instance id: resolved}
    outcomes = {task: entry["resolved"] for task, entry in json.loads(details.read_text()).items()}
    (tmp_path / "resolved.json").write_text(json.dumps(outcomes))
    summary = importing("runs", tmp_path / "resolved.json", release="r2")
    assert round(100 * summary.statuses["resolved"] / summary.written, 1) == published["resolved"]
