"""The optional LLM reviewer counts a model's follow-up comments (source llm)."""

from __future__ import annotations

import pytest

from agent_evals.harness.fake_agent import FakeAgent, FakeStep
from agent_evals.harness.llm_reviewer import parse_comments
from agent_evals.harness.runner import RunOptions, run_slice
from agent_evals.records import TokenUsage
from agent_evals.scripted_model import parse_script, serve_in_thread
from agent_evals.store import Store

REVIEWER = "reviewer-2026-09-01"


def add_reviewer(project, url: str) -> None:
    text = project.config_path.read_text(encoding="utf-8")
    assert text.count("models:\n") == 1
    text = text.replace("models:\n", f'models:\n  {REVIEWER}: {{baseUrl: "{url}"}}\n')
    text += f"reviewer:\n  llm: {{model: {REVIEWER}}}\n"
    project.config_path.write_text(text, encoding="utf-8")


def script(content: str):
    return parse_script({"models": {REVIEWER: {"tasks": {"*": [{"content": content}]}}}})


def fixed(project) -> FakeAgent:
    files = {"stats/__init__.py": project.fixed_median, "stats/extra.py": "print('debug')\n"}
    return FakeAgent(default=FakeStep(files=files, tokens=TokenUsage(total=10, source="reported")))


def replay(project):
    project.add_task("fix-median")
    store = Store.memory()
    [run] = run_slice(
        store,
        project.loaded(),
        "candidate",
        "bugfix-small",
        RunOptions(progress=False),
        adapter=fixed(project),
    )
    return run, store


def test_the_reviewer_models_comments_are_the_review_count(project):
    answer = '{"comments": ["name the helper", "add a test for odd lengths", "drop extra.py"]}'
    with serve_in_thread(script(answer)) as url:
        add_reviewer(project, url)
        run, store = replay(project)
    assert (run.review_comments, run.review_source) == (3, "llm")
    assert "llm review: add a test for odd lengths" in (run.detail or "")
    assert store.runs(run.release)[0].review_source == "llm"
    assert run.model == "gpt-5.4-coder-2026-10-01"


def test_a_failing_reviewer_keeps_the_automatic_count(project):
    with serve_in_thread(script("I would approve this.")) as url:
        add_reviewer(project, url)
        run, _ = replay(project)
    assert run.review_source == "auto"
    assert run.review_comments >= 1  # the debug print and the out-of-scope file
    assert "LLM reviewer failed, automatic count kept" in (run.detail or "")


def test_reviewer_answers_are_read_inside_fences_and_validated():
    assert parse_comments('```json\n{"comments": ["a", " ", "b"]}\n```') == ("a", "b")
    with pytest.raises(ValueError, match="needs"):
        parse_comments('{"comments": "a"}')
