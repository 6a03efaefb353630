"""Checking a harvested task by running its tests: they must fail on the task's starting
snapshot and pass on the full change, the same way twice.

Each run is the task's verify command in a fresh checkout, with a time limit, through the
harness's process runner (its own process group, the harness's environment rules). Running
twice on each side catches tests whose result depends on chance or timing (flaky tests), the
first filter SWE-bench and its successors apply to mined tasks (Jimenez et al. 2024).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent_evals.harness.agents.process import ProcessOutcome, run_process
from agent_evals.harness.workspace import git

CheckVerdict = Literal["ok", "not failing before", "not passing after", "flaky", "timeout"]
RUNS_PER_SIDE = 2


@dataclass(frozen=True)
class CheckResult:
    """The verdict, and the output of the run that decided it."""

    verdict: CheckVerdict
    output_tail: str = ""


def check_fail_to_pass(
    repo: Path, start: str, source: str, command: Sequence[str], *, timeout_s: float
) -> CheckResult:
    """Run ``command`` at ``start`` (must fail) and at ``source`` (must pass), twice each."""
    with tempfile.TemporaryDirectory(prefix="agent-evals-harvest-") as scratch:
        checkout = Path(scratch)
        git(checkout, "clone", "-q", "--shared", "--no-checkout", str(repo), ".")
        for commit, must_pass in ((start, False), (source, True)):
            git(checkout, "checkout", "-q", "-f", "--detach", commit)
            git(checkout, "clean", "-q", "-f", "-d", "-x")
            verdict = _side(checkout, command, timeout_s, must_pass)
            if verdict.verdict != "ok":
                return verdict
    return CheckResult("ok")


def _side(checkout: Path, command: Sequence[str], timeout_s: float, must_pass: bool) -> CheckResult:
    wrong: CheckVerdict = "not passing after" if must_pass else "not failing before"
    for attempt in range(RUNS_PER_SIDE):
        outcome = run_process(command, cwd=checkout, timeout_s=timeout_s)
        if outcome.timed_out:
            return CheckResult("timeout", _tail(outcome))
        if (outcome.exit_code == 0) != must_pass:
            # A first run on the wrong side is a plain miss; a later one disagrees with the first.
            return CheckResult(wrong if attempt == 0 else "flaky", _tail(outcome))
    return CheckResult("ok")


def _tail(outcome: ProcessOutcome) -> str:
    return (outcome.stdout + outcome.stderr)[-2000:]
