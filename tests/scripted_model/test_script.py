"""Loading scripts and choosing the answer for a model, task and turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.errors import UsageError
from agent_evals.scripted_model import DONE_REPLY, Usage, derived_usage, load_script, parse_script
from agent_evals.scripted_model.script import stream_pieces

SCRIPT = """\
defaults:
  delayMs: 5
  usage: {prompt_tokens: 900, completion_tokens: 150}
models:
  gpt-5.4-coder-2026-10-01:
    tasks:
      fix-median-even:
        - content: "I will fix the median."
          toolCalls:
            - name: write_file
              arguments: {path: stats/core.py, content: "x = 1\\n"}
          usage: {prompt_tokens: 1200, completion_tokens: 300, cached_tokens: 200}
          delayMs: 20
        - toolCalls:
            - name: finish
              arguments: {summary: fixed}
      "*":
        - content: any task of this model
  "*":
    tasks:
      fix-median-even:
        - content: any model on this task
      "*":
        - status: 429
"""


@pytest.fixture
def script_file(tmp_path: Path) -> Path:
    path = tmp_path / "script.yaml"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


def test_turns_follow_the_script_in_order(script_file: Path) -> None:
    script = load_script(script_file)
    first = script.turn("gpt-5.4-coder-2026-10-01", "fix-median-even", 0)
    assert first.content == "I will fix the median."
    assert first.tool_calls[0].name == "write_file"
    assert first.tool_calls[0].arguments == {"path": "stats/core.py", "content": "x = 1\n"}
    assert first.usage == Usage(1200, 300, 200)
    assert first.delay_ms == 20
    second = script.turn("gpt-5.4-coder-2026-10-01", "fix-median-even", 1)
    assert second.tool_calls[0].arguments_json == '{"summary": "fixed"}'
    assert second.usage == Usage(900, 150), "defaults apply to turns without their own"
    assert second.delay_ms == 5


def test_past_the_last_turn_the_answer_is_done(script_file: Path) -> None:
    turn = load_script(script_file).turn("gpt-5.4-coder-2026-10-01", "fix-median-even", 2)
    assert turn.content == DONE_REPLY
    assert not turn.tool_calls
    assert turn.usage == Usage(900, 150)


@pytest.mark.parametrize(
    ("model", "task", "expected"),
    [
        ("gpt-5.4-coder-2026-10-01", "other-task", "any task of this model"),
        ("gpt-5.4-coder-2026-10-01", None, "any task of this model"),
        ("other-model", "fix-median-even", "any model on this task"),
    ],
)
def test_unknown_model_or_task_falls_back_to_wildcards(
    script_file: Path, model: str, task: str | None, expected: str
) -> None:
    assert load_script(script_file).turn(model, task, 0).content == expected


def test_wildcard_turn_can_inject_a_failure(script_file: Path) -> None:
    assert load_script(script_file).turn("other-model", "other-task", 0).status == 429


def test_no_script_answers_done_with_usage_derived_from_the_prompt() -> None:
    script = parse_script(None)
    turn = script.turn("any", "task", 0)
    assert turn.content == DONE_REPLY
    assert script.usage_for(turn, 401) == Usage(prompt_tokens=101, completion_tokens=2)
    assert script.usage_for(turn, 401) == script.usage_for(turn, 401)


def test_derived_usage_grows_with_the_text() -> None:
    assert derived_usage(0, 0) == Usage(0, 1)
    assert derived_usage(8, 9) == Usage(2, 3)


def test_script_lists_its_exact_models(script_file: Path) -> None:
    assert load_script(script_file).models == ("gpt-5.4-coder-2026-10-01",)


def test_unknown_key_names_file_key_and_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("models:\n  m:\n    tasks:\n      t:\n        - toolCall: []\n")
    with pytest.raises(UsageError) as caught:
        load_script(path)
    message = str(caught.value)
    assert str(path) in message
    assert "models.m.tasks.t.0.toolCall" in message
    assert "did you mean 'toolCalls'" in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("defaults: {delayMs: -1}", "defaults.delayMs: -1 is not allowed"),
        ("models: {m: {tasks: {t: [{status: 200}]}}}", "models.m.tasks.t.0.status: 200"),
        (
            "defaults: {usage: {prompt_tokens: 1, completion_tokens: 1, cached_tokens: 2}}",
            "cached_tokens are part of prompt_tokens",
        ),
        ("models: {m: {tasks: {t: [{toolCalls: [{arguments: {}}]}]}}}", "name: is required"),
        ("- just a list", "expected a mapping"),
    ],
)
def test_bad_values_are_usage_errors(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(UsageError, match=expected):
        load_script(path)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("models:\n  m: [unclosed\n")
    with pytest.raises(UsageError, match=r"broken\.yaml:\d+: YAML syntax error"):
        load_script(path)


def test_missing_script_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"missing\.yaml: cannot read the script"):
        load_script(tmp_path / "missing.yaml")


def test_stream_pieces_rebuild_the_text_and_stay_few() -> None:
    text = "word " * 100 + "end"
    pieces = stream_pieces(text)
    assert "".join(pieces) == text
    assert len(pieces) <= 32
    assert stream_pieces("a b") == ("a ", "b")
    assert stream_pieces("") == ()
