"""The run record keeps what a person can read: a detail pasted whole is cut, with a marker."""

from __future__ import annotations

from agent_evals.records import DETAIL_LIMIT_CHARS, PolicyViolation, RunRecord, clip_detail


def run(detail: str | None) -> RunRecord:
    return RunRecord("r", "t", "s", "candidate", "m", "unresolved", detail=detail)


def test_a_100_mb_detail_is_cut_to_the_limit_saying_how_much_went() -> None:
    detail = "log line\n" * (100 * 2**20 // 9)

    kept = run(detail).detail

    assert kept is not None and len(kept) <= DETAIL_LIMIT_CHARS
    assert kept.startswith("log line\nlog line\n")
    dropped = len(detail) - (DETAIL_LIMIT_CHARS - 64)
    assert kept.endswith(f" … [detail truncated: {dropped:,} more characters]")


def test_a_detail_within_the_limit_and_no_detail_are_kept_as_they_are() -> None:
    exact = "x" * DETAIL_LIMIT_CHARS

    assert run(exact).detail == exact
    assert run(None).detail is None
    assert clip_detail("short") == "short"


def test_a_policy_violations_detail_is_cut_the_same_way() -> None:
    violation = PolicyViolation("forbiddenPaths", "touched " + "a/" * 10_000)

    assert len(violation.detail) <= DETAIL_LIMIT_CHARS
    assert violation.detail.endswith("more characters]")
