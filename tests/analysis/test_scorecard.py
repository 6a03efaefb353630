"""Lane metrics and the scorecard over stored runs, and the scorecard command's formats."""

from __future__ import annotations

import json

import pytest

from agent_evals.analysis import build_scorecard, lane_metrics_from_runs
from agent_evals.config import parse_config
from agent_evals.records import DiffStats, PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import Store

RELEASE = "gpt-5.3-coder..gpt-5.4-coder"


def run(task: str, status: str, lane: str = "candidate", **kw) -> RunRecord:
    return RunRecord(
        release=RELEASE,
        task_id=task,
        slice=kw.pop("slice", "s"),
        lane=lane,
        model="m",
        status=status,
        **kw,
    )  # type: ignore[arg-type]


def test_metrics_count_only_runs_that_say_something_about_the_model():
    runs = [
        run(
            "a",
            "resolved",
            tokens=TokenUsage(total=100, source="metered"),
            review_comments=1,
            latency_s=10.0,
            diff=DiffStats(1, 5, 5),
            cost_usd=0.5,
        ),
        run(
            "b",
            "resolved",
            tokens=TokenUsage(total=300, source="metered"),
            review_comments=3,
            latency_s=30.0,
            diff=DiffStats(2, 10, 20),
            cost_usd=1.5,
            policy_violations=(PolicyViolation("forbidden-path", "edited migrations/0001.py"),),
            out_of_scope_files=("setup.py",),
        ),
        run(
            "c",
            "unresolved",
            tokens=TokenUsage(total=5000, source="metered"),
            review_comments=2,
            latency_s=20.0,
        ),
        run("d", "infra_error", tokens=TokenUsage(total=1, source="metered")),
        run("e", "missing"),
    ]
    m = lane_metrics_from_runs(runs)
    assert m.n == 3
    assert m.success_rate == pytest.approx(2 / 3)
    assert m.median_tokens == 200  # successful runs only
    assert m.review_comment_avg == 2
    assert m.policy_failures == 1
    assert m.latency_p50_s == 20
    assert m.median_diff_lines == 20
    assert m.out_of_scope_files == 1
    assert m.cost_per_success == 1.0
    assert (m.infra_errors, m.missing, m.runs_total) == (1, 1, 5)


def test_missing_usage_is_no_data_not_zero():
    m = lane_metrics_from_runs([run("a", "resolved"), run("b", "resolved")])
    assert m.median_tokens is None
    assert m.review_comment_avg is None
    assert m.cost_per_success is None


CONFIG_TEXT = """\
release:
  incumbent: gpt-5.3-coder
  candidate: gpt-5.4-coder
  evalSlices: [s, t]
"""


def stored(tmp_path, runs):
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "model-release.yaml").write_text(CONFIG_TEXT)
    store = Store(f"sqlite:///{tmp_path}/config/.agent-evals/agent-evals.db")
    store.write_runs(runs)
    store.close()


def lanes(task: str, slice: str, inc_tokens: int, cand_tokens: int, cand_status="resolved"):
    return [
        run(
            task,
            "resolved",
            lane="incumbent",
            slice=slice,
            review_comments=1,
            tokens=TokenUsage(total=inc_tokens, source="metered"),
        ),
        run(
            task,
            cand_status,
            lane="candidate",
            slice=slice,
            review_comments=1,
            tokens=TokenUsage(total=cand_tokens, source="metered"),
        ),
    ]


def test_scorecard_decides_per_slice_and_overall(tmp_path):
    runs = []
    for i in range(10):
        runs += lanes(f"s{i}", "s", 1000, 1000)
        runs += lanes(f"t{i}", "t", 1000, 2000)
    stored(tmp_path, runs)
    store = Store(f"sqlite:///{tmp_path}/config/.agent-evals/agent-evals.db")
    card = build_scorecard(store, parse_config(CONFIG_TEXT).config)
    assert card.slice("s").decision.status == "PROMOTE"
    assert card.slice("t").decision.status == "BLOCKED"
    assert card.slice("t").decision.reason == "token multiplier 2.00x"
    assert card.decision.status == "BLOCKED"
    assert "t: token multiplier 2.00x" in card.decision.reasons
    assert card.overall.paired_tasks == 20


def test_scorecard_counts_tasks_in_one_lane_only(tmp_path, run_cli):
    runs = [r for i in range(6) for r in lanes(f"s{i}", "s", 100, 100)]
    runs.append(run("only-inc", "resolved", lane="incumbent"))
    runs += [run("only-cand-1", "resolved"), run("only-cand-2", "unresolved")]
    stored(tmp_path, runs)
    document = json.loads(run_cli("scorecard", "--format", "json").stdout)
    overall = document["overall"]
    assert (overall["paired_tasks"], overall["incumbent_only_tasks"]) == (6, 1)
    assert overall["candidate_only_tasks"] == 2
    assert any("only in incumbent" in w for w in overall["warnings"])


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html"])
def test_scorecard_formats_and_exit_code(tmp_path, run_cli, fmt):
    runs = [r for i in range(5) for r in lanes(f"t{i}", "t", 1000, 2000)]
    stored(tmp_path, runs)
    result = run_cli("scorecard", "--format", fmt)
    assert result.exit_code == 1
    assert "token multiplier 2.00x" in result.stdout
    if fmt == "json":
        assert json.loads(result.stdout)["promotion_status"] == "BLOCKED"
    if fmt == "html":
        assert '<span class="BLOCKED">BLOCKED</span>' in result.stdout
    if fmt == "markdown":
        assert "**Decision: BLOCKED**" in result.stdout


def test_scorecard_with_no_runs_is_inconclusive(tmp_path, run_cli):
    stored(tmp_path, [])
    result = run_cli("scorecard", "--format", "json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["reason"] == "no candidate runs"


def test_waive_records_a_justification_the_tokens_gate_then_shows(tmp_path, run_cli):
    runs = [r for i in range(5) for r in lanes(f"t{i}", "t", 1000, 2000)]
    stored(tmp_path, runs)
    result = run_cli("waive", "tokens", "--reason", "longer plans on purpose", "--by", "dana")
    assert result.exit_code == 0
    document = json.loads(run_cli("scorecard", "--format", "json").stdout)
    tokens = next(g for g in document["gates"] if g["name"] == "tokens")
    assert tokens["verdict"] == "waived"
    assert document["promotion_status"] == "PROMOTE"
    store = Store(f"sqlite:///{tmp_path}/config/.agent-evals/agent-evals.db")
    audit = store.audit(RELEASE)
    assert [(a.action, a.actor) for a in audit] == [("waiver", "dana")]
    assert "longer plans on purpose" in audit[0].reasons[0]


@pytest.mark.postgres
def test_postgres_store_gives_the_same_scorecard_as_sqlite(make_paired_runs, pg_url):
    url = pg_url
    runs = make_paired_runs(200, 0.8, 0.75, seed=5, token_ratio=1.3)
    runs.append(
        run(
            "infra",
            "infra_error",
            out_of_scope_files=("x",),
            policy_violations=(PolicyViolation("r", "d"),),
        )
    )
    config = parse_config(CONFIG_TEXT.replace("[s, t]", "[bugfix-small]")).config
    postgres = Store(url)
    with postgres.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM runs")
    postgres.write_runs(runs)
    sqlite = Store.memory()
    sqlite.write_runs(runs)
    from agent_evals.reports import scorecard_document

    assert scorecard_document(build_scorecard(postgres, config)) == scorecard_document(
        build_scorecard(sqlite, config)
    )
    postgres.close()


def test_large_counts_survive_the_packed_fetch(tmp_path):
    runs = [
        run(
            "a",
            "resolved",
            lane="incumbent",
            review_comments=40_000,
            out_of_scope_files=tuple(f"f{i}" for i in range(3000)),
            tokens=TokenUsage(total=1, source="metered"),
        ),
        run("a", "resolved", review_comments=None, tokens=TokenUsage(total=1, source="metered")),
    ]
    store = Store.memory()
    store.write_runs(runs)
    card = build_scorecard(store, parse_config(CONFIG_TEXT).config)
    assert card.overall.incumbent.review_comment_avg == 40_000
    assert card.overall.incumbent.out_of_scope_files == 3000
    assert card.overall.candidate.review_comment_avg is None
