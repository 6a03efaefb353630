"""Point gates and decisions: the SPEC section 5 worked cases, exactly, and the edge rules."""

from __future__ import annotations

import json

import pytest

from agent_evals.analysis import LaneMetrics, decide
from agent_evals.config import parse_config

WORKED_CASES = [
    (
        dict(success_rate=0.92, median_tokens=18000, review_comment_avg=1.3, policy_failures=0),
        dict(success_rate=0.94, median_tokens=24000, review_comment_avg=2.1, policy_failures=0),
        "BLOCKED",
        "token multiplier 1.33x + review comments +0.80",
        1,
    ),
    (
        dict(success_rate=0.91, median_tokens=22156, review_comment_avg=2.3, policy_failures=0),
        dict(success_rate=0.89, median_tokens=31240, review_comment_avg=2.4, policy_failures=1),
        "BLOCKED",
        "policy failure + token multiplier 1.41x",
        1,
    ),
    (
        dict(success_rate=0.90, median_tokens=20000, review_comment_avg=1.0, policy_failures=0),
        dict(success_rate=0.89, median_tokens=24000, review_comment_avg=1.2, policy_failures=0),
        "PROMOTE",
        "all gates passed",
        0,
    ),
]


def metrics(**values: float) -> LaneMetrics:
    values.setdefault("n", 100)
    return LaneMetrics(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("inc", "cand", "status", "reason", "code"), WORKED_CASES)
def test_worked_cases_through_the_gate_command(tmp_path, run_cli, inc, cand, status, reason, code):
    (tmp_path / "a.json").write_text(json.dumps(inc))
    (tmp_path / "b.json").write_text(json.dumps(cand))
    table = run_cli("gate", "--incumbent", "a.json", "--candidate", "b.json")
    assert table.exit_code == code
    assert table.stdout.rstrip().endswith(f"promotion_status: {status}\nreason: {reason}")
    as_json = run_cli("gate", "--incumbent", "a.json", "--candidate", "b.json", "--format", "json")
    assert as_json.exit_code == code
    document = json.loads(as_json.stdout)
    assert document["promotion_status"] == status
    assert document["reason"] == reason
    assert [g["name"] for g in document["gates"]][:4] == ["policy", "success", "tokens", "review"]
    assert {"passed", "value", "threshold", "interval", "evidence"} <= set(document["gates"][0])


def test_gate_block_has_the_spec_lines_in_order(tmp_path, run_cli):
    inc, cand = WORKED_CASES[1][0], WORKED_CASES[1][1]
    (tmp_path / "a.json").write_text(json.dumps(inc))
    (tmp_path / "b.json").write_text(json.dumps(cand))
    out = run_cli("gate", "--incumbent", "a.json", "--candidate", "b.json").stdout
    assert out.splitlines()[-6:] == [
        "success_rate: 0.89",
        "median_tokens: 31240",
        "policy_failures: 1",
        "review_comment_avg: 2.4",
        "promotion_status: BLOCKED",
        "reason: policy failure + token multiplier 1.41x",
    ]


def test_reasons_follow_the_order_policy_success_tokens_review():
    decision = decide(
        metrics(success_rate=0.90, median_tokens=1000, review_comment_avg=1.0, policy_failures=0),
        metrics(success_rate=0.85, median_tokens=2000, review_comment_avg=2.0, policy_failures=3),
    )
    assert decision.reasons == (
        "policy failures 3",
        "success rate drop 0.05",
        "token multiplier 2.00x",
        "review comments +1.00",
    )


def config(extra: str = "", rollback: str = "") -> object:
    text = f"""
release:
  incumbent: a-2026-01-01
  candidate: b-2026-02-01
  rollbackOn: {{{rollback}}}
  evalSlices: [s]
{extra}"""
    return parse_config(text).config


def test_null_threshold_turns_the_gate_off_and_the_report_says_so():
    cfg = config(rollback="medianTokenMultiplier: null")
    decision = decide(
        metrics(success_rate=0.9, median_tokens=1000, review_comment_avg=1.0, policy_failures=0),
        metrics(success_rate=0.9, median_tokens=9000, review_comment_avg=1.0, policy_failures=0),
        cfg,  # type: ignore[arg-type]
    )
    assert decision.status == "PROMOTE"
    assert {g.name: g.verdict for g in decision.gates}["tokens"] == "off"


def test_a_gate_without_data_keeps_the_decision_from_promote():
    decision = decide(
        metrics(success_rate=0.9, median_tokens=None, review_comment_avg=1.0, policy_failures=0),
        metrics(success_rate=0.95, median_tokens=None, review_comment_avg=1.0, policy_failures=0),
    )
    assert decision.status == "INCONCLUSIVE"
    assert decision.reason == "token data missing"
    assert {g.name: g.verdict for g in decision.gates}["tokens"] == "no data"


def test_no_data_plus_a_failure_is_blocked():
    decision = decide(
        metrics(success_rate=0.9, median_tokens=None, review_comment_avg=1.0, policy_failures=0),
        metrics(success_rate=0.5, median_tokens=None, review_comment_avg=1.0, policy_failures=0),
    )
    assert decision.status == "BLOCKED"
    assert decision.reason == "success rate drop 0.40"


def test_no_candidate_runs_is_inconclusive_never_promote():
    empty = LaneMetrics(
        n=0, success_rate=None, median_tokens=None, review_comment_avg=None, policy_failures=0
    )
    decision = decide(
        metrics(success_rate=0.9, median_tokens=10, review_comment_avg=1, policy_failures=0), empty
    )
    assert (decision.status, decision.reason) == ("INCONCLUSIVE", "no candidate runs")


def test_cost_gate_is_off_unless_set_and_blocks_when_set():
    inc = metrics(
        success_rate=0.9,
        median_tokens=100,
        review_comment_avg=1,
        policy_failures=0,
        median_cost_per_success=0.10,
    )
    cand = metrics(
        success_rate=0.9,
        median_tokens=100,
        review_comment_avg=1,
        policy_failures=0,
        median_cost_per_success=0.15,
    )
    assert decide(inc, cand).status == "PROMOTE"
    blocked = decide(inc, cand, config(rollback="costMultiplier: 1.2"))  # type: ignore[arg-type]
    assert (blocked.status, blocked.reason) == ("BLOCKED", "cost multiplier 1.50x")


def test_policy_sensitive_slice_never_allows_more_failures_than_the_incumbent():
    cfg = config(extra="slices:\n  s: {policySensitive: true}", rollback="policyFailureCount: 5")
    inc = metrics(success_rate=0.9, median_tokens=100, review_comment_avg=1, policy_failures=1)
    cand = metrics(success_rate=0.9, median_tokens=100, review_comment_avg=1, policy_failures=2)
    assert decide(inc, cand, cfg).status == "PROMOTE"  # type: ignore[arg-type]
    sensitive = decide(inc, cand, cfg, slice="s")  # type: ignore[arg-type]
    assert (sensitive.status, sensitive.reason) == ("BLOCKED", "policy failures 2")


def test_a_waiver_turns_a_failed_tokens_gate_into_waived():
    inc = metrics(success_rate=0.9, median_tokens=100, review_comment_avg=1, policy_failures=0)
    cand = metrics(success_rate=0.9, median_tokens=200, review_comment_avg=1, policy_failures=0)
    assert decide(inc, cand).status == "BLOCKED"
    waived = decide(inc, cand, waivers={"tokens"})
    assert waived.status == "PROMOTE"
    assert {g.name: g.verdict for g in waived.gates}["tokens"] == "waived"


def test_different_providers_point_to_the_cost_gate():
    inc = metrics(
        success_rate=0.9,
        median_tokens=100,
        review_comment_avg=1,
        policy_failures=0,
        provider="openai",
    )
    cand = metrics(
        success_rate=0.9,
        median_tokens=100,
        review_comment_avg=1,
        policy_failures=0,
        provider="anthropic",
    )
    warnings = " ".join(decide(inc, cand).warnings)
    assert "different tokenizers" in warnings
    assert "costMultiplier" in warnings


def test_latency_alone_never_promotes():
    inc = metrics(
        success_rate=0.9,
        median_tokens=None,
        review_comment_avg=1,
        policy_failures=0,
        latency_p50_s=100.0,
    )
    cand = metrics(
        success_rate=0.9,
        median_tokens=None,
        review_comment_avg=1,
        policy_failures=0,
        latency_p50_s=10.0,
    )
    decision = decide(inc, cand)
    assert decision.status == "INCONCLUSIVE"
    assert {g.name: g.verdict for g in decision.gates}["latency"] == "reported"


def test_bad_metric_file_is_a_usage_error_with_a_hint(tmp_path, run_cli):
    (tmp_path / "a.json").write_text(json.dumps(WORKED_CASES[0][0]))
    (tmp_path / "b.json").write_text('{"success_rate": 0.9, "median_token": 5}')
    result = run_cli("gate", "--incumbent", "a.json", "--candidate", "b.json")
    assert result.exit_code == 2
    assert "did you mean 'median_tokens'" in result.stderr
    (tmp_path / "c.json").write_text("{not json")
    assert run_cli("gate", "--incumbent", "a.json", "--candidate", "c.json").exit_code == 2
