"""Running a lane over a slice: statuses, usage and cost, retries, resume."""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from agent_evals.errors import UsageError
from agent_evals.harness.agents.base import AgentRequest, AgentResult
from agent_evals.harness.agents.process import run_process
from agent_evals.harness.fake_agent import FakeAgent, FakeStep
from agent_evals.harness.runner import RunOptions, run_slice
from agent_evals.records import TokenUsage
from agent_evals.store import Store
from agent_evals.tasks import load_task

CANDIDATE = "gpt-5.4-coder-2026-10-01"
USAGE = TokenUsage(input=1000, output=200, source="reported")


def _replay(project, agent, store: Store | None = None, **options):
    store = store or Store.memory()
    runs = run_slice(
        store,
        project.loaded(),
        "candidate",
        "bugfix-small",
        RunOptions(progress=False, **options),
        adapter=agent,
    )
    return store, runs


def _untimed(runs):
    """Runs without their timestamps (SQLite keeps no time zone)."""
    return [replace(r, started_at=None, ended_at=None) for r in runs]


def _fix(project, **step) -> FakeAgent:
    files = {"stats/__init__.py": project.fixed_median}
    return FakeAgent(default=FakeStep(files=files, tokens=USAGE, **step))


def test_resolved_run_is_measured_and_stored(project) -> None:
    folder = project.add_task("fix-median")
    store, [run] = _replay(project, _fix(project, api_calls=3))
    assert run.status == "resolved"
    assert (run.source, run.lane, run.model, run.epoch) == ("replay", "candidate", CANDIDATE, 0)
    assert run.tokens.total == 1200 and run.tokens.source == "reported"
    assert run.cost_usd == pytest.approx((1000 * 1.0 + 200 * 10.0) / 1e6)
    assert run.cost_source == "price"
    assert (run.diff.files_changed, run.diff.lines_added, run.diff.lines_removed) == (1, 4, 1)
    assert run.out_of_scope_files == () and run.policy_violations == ()
    assert (run.review_comments, run.review_source) == (0, "auto")
    assert run.api_calls == 3
    assert run.task_hash == load_task(folder).content_hash
    assert (run.agent, run.agent_version) == ("fake", "1")
    assert _untimed(store.runs(run.release)) == _untimed([run])


def test_the_configured_price_beats_the_agents_estimate_and_missing_usage_stays_missing(
    project,
) -> None:
    project.add_task("fix-median")
    _, [priced] = _replay(project, _fix(project, cost_usd=0.5))
    assert priced.cost_source == "price"
    assert priced.cost_usd == pytest.approx((1000 * 1.0 + 200 * 10.0) / 1e6)
    no_usage = FakeAgent(default=FakeStep(files={"stats/__init__.py": project.fixed_median}))
    _, [missing] = _replay(project, no_usage)
    assert missing.tokens.total is None and missing.tokens.source == "missing"
    assert (missing.cost_usd, missing.cost_source) == (None, "missing")


def test_unresolved_when_verify_fails(project) -> None:
    project.add_task("fix-median")
    _, [run] = _replay(project, FakeAgent(default=FakeStep(tokens=USAGE)))
    assert run.status == "unresolved"
    assert "verify exit 1" in (run.detail or "")


def test_out_of_scope_edit_is_flagged(project) -> None:
    project.add_task("fix-median")
    files = {"stats/__init__.py": project.fixed_median, "setup.py": "print('x')\n"}
    _, [run] = _replay(project, FakeAgent(default=FakeStep(files=files)))
    assert run.status == "resolved"
    assert run.out_of_scope_files == ("setup.py",)
    assert run.review_comments == 3  # out of scope, new dependency file, debug print
    assert "review out_of_scope setup.py" in (run.detail or "")


def test_policy_violations_are_stored(project) -> None:
    task = project.median_task + "policy: {forbiddenPaths: ['README.md']}\n"
    project.add_task("fix-median", task)
    files = {"stats/__init__.py": project.fixed_median, "README.md": "# changed\n"}
    _, [run] = _replay(project, FakeAgent(default=FakeStep(files=files)))
    assert [v.rule for v in run.policy_violations] == ["forbidden_path"]


class SleepingAgent:
    """An agent process that never finishes on its own."""

    name = "sleeper"

    def __init__(self, pid_file: Path) -> None:
        self.pid_file = pid_file

    def version(self) -> str | None:
        return "1"

    def run(self, request: AgentRequest) -> AgentResult:
        write_pid = f"open({str(self.pid_file)!r}, 'w').write(str(os.getpid()))"
        code = f"import os, time; {write_pid}; time.sleep(60)"
        outcome = run_process(
            [sys.executable, "-c", code], cwd=request.workspace, timeout_s=request.timeout_s
        )
        return AgentResult(exit_code=outcome.exit_code, timed_out=outcome.timed_out)


def test_hanging_agent_is_killed_at_the_timeout(project, tmp_path: Path) -> None:
    project.add_task("fix-median", project.median_task + "timeouts: {agentSeconds: 0.5}\n")
    pid_file = tmp_path / "agent.pid"
    _, [run] = _replay(project, SleepingAgent(pid_file))
    assert run.status == "timeout"
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_crashing_agent_is_an_agent_error(project) -> None:
    project.add_task("fix-median")
    crash = FakeAgent(default=FakeStep(exit_code=1, error="Traceback: boom"))
    _, [run] = _replay(project, crash)
    assert run.status == "agent_error"
    assert "agent error: Traceback: boom" in (run.detail or "")
    _, [fixed_then_crashed] = _replay(project, _fix(project, exit_code=1, error="late crash"))
    assert fixed_then_crashed.status == "resolved"


def test_limit_exceeded(project) -> None:
    project.add_task("fix-median")
    _, [run] = _replay(project, _fix(project, limit_exceeded=True))
    assert run.status == "limit_exceeded"


def test_unreachable_endpoint_is_retried_then_an_infra_error(project) -> None:
    project.add_task("fix-median")
    _, [recovered] = _replay(project, _fix(project, unreachable_times=2))
    assert recovered.status == "resolved"
    _, [failed] = _replay(project, _fix(project, unreachable_times=3))
    assert failed.status == "infra_error"
    assert failed.detail is not None and failed.detail.startswith("after 3 attempts: UpstreamError")
    assert failed.tokens.source == "missing"


def test_missing_verify_command_is_an_infra_error(project) -> None:
    project.add_task("t", "instruction: x\nverify: {command: [no-such-verify-command]}\n")
    _, [run] = _replay(project, _fix(project))
    assert run.status == "infra_error"


def test_resume_skips_stored_runs_of_the_same_task_version(project) -> None:
    project.add_task("a")
    folder_b = project.add_task("b")
    agent = _fix(project)
    store, first = _replay(project, agent, epochs=2)
    assert [(r.task_id, r.epoch) for r in first] == [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
    assert len(agent.requests) == 4

    again = _fix(project)
    _, resumed = _replay(project, again, store, epochs=2, resume=True)
    assert again.requests == [] and _untimed(resumed) == _untimed(first)

    (folder_b / "repo" / "README.md").write_text("# changed\n")
    changed = _fix(project)
    _, after_change = _replay(project, changed, store, epochs=2, resume=True)
    assert [r.task_id for r in changed.requests] == ["b", "b"]
    assert len(store.runs(first[0].release)) == 4
    assert [r.task_id for r in after_change] == ["a", "a", "b", "b"]


def test_resume_redoes_infra_errors(project) -> None:
    project.add_task("a")
    store, [broken] = _replay(project, _fix(project, unreachable_times=3))
    assert broken.status == "infra_error"
    again = _fix(project)
    _, [redone] = _replay(project, again, store, resume=True)
    assert redone.status == "resolved" and len(again.requests) == 1


def test_workspaces_are_removed_after_the_runs(project, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    project.add_task("fix-median")
    _replay(project, _fix(project), epochs=2)
    _replay(project, _fix(project, unreachable_times=3))
    assert list((tmp_path / "tmp").iterdir()) == []


def test_harbor_task_runs_its_tests_after_the_agent(project) -> None:
    folder = project.root / "config" / "slices" / "bugfix-small" / "hello"
    (folder / "environment").mkdir(parents=True)
    (folder / "tests").mkdir()
    (folder / "task.toml").write_text("[verifier]\ntimeout_sec = 30.0\n")
    (folder / "instruction.md").write_text("Write hello.txt saying hello.\n")
    (folder / "environment" / "Dockerfile").write_text("FROM scratch\n")
    (folder / "environment" / "app.py").write_text("print('app')\n")
    (folder / "tests" / "test.sh").write_text('grep -q hello hello.txt && test -d "$TEST_DIR"\n')
    seen: list[bool] = []

    class Agent(FakeAgent):
        def run(self, request: AgentRequest) -> AgentResult:
            seen.append((request.workspace / "tests").exists())
            seen.append((request.workspace / "Dockerfile").exists())
            return super().run(request)

    _, [solved] = _replay(project, Agent(default=FakeStep(files={"hello.txt": "hello\n"})))
    assert solved.status == "resolved"
    assert seen == [False, False]
    assert solved.diff.files_changed == 1  # the verifier's files are not the agent's change
    _, [unsolved] = _replay(project, FakeAgent(default=FakeStep(files={"hello.txt": "bye\n"})))
    assert unsolved.status == "unresolved"


def test_configured_linter_adds_review_comments_for_new_errors(project, tmp_path: Path) -> None:
    linter = tmp_path / "lint.py"
    linter.write_text(
        "import pathlib\n"
        "for p in sorted(pathlib.Path('stats').rglob('*.py')):\n"
        "    for i, line in enumerate(p.read_text().splitlines(), 1):\n"
        "        if 'lambda' in line:\n"
        "            print(f'{p}:{i}:1: E731 do not assign a lambda')\n"
    )
    review = f"review: {{lintCommand: [{sys.executable!r}, {str(linter)!r}]}}\n"
    project.add_task("fix-median", project.median_task + review)
    fixed = project.fixed_median + "\nsquare = lambda x: x * x\n"
    _, [run] = _replay(project, FakeAgent(default=FakeStep(files={"stats/__init__.py": fixed})))
    assert run.status == "resolved"
    assert run.review_comments == 1
    assert "review lint stats/__init__.py: 1 new lint error(s)" in (run.detail or "")


def test_a_named_but_unset_api_key_is_a_usage_error(project, monkeypatch) -> None:
    project.add_task("fix-median")
    text = project.config_path.read_text().replace(
        "    model: gpt-5.4-coder-2026-10-01\n",
        "    model: gpt-5.4-coder-2026-10-01\n    apiKeyEnv: BENCH_TEST_KEY\n",
    )
    project.config_path.write_text(text)
    monkeypatch.delenv("BENCH_TEST_KEY", raising=False)
    with pytest.raises(UsageError, match="apiKeyEnv names BENCH_TEST_KEY, which is not set"):
        _replay(project, _fix(project))
    monkeypatch.setenv("BENCH_TEST_KEY", "sk-test")
    agent = _fix(project)
    _replay(project, agent)
    assert agent.requests[0].api_key == "sk-test"
