"""Bad input files are explained the same way everywhere: file, key path, bad value, what fits."""

from __future__ import annotations

from typing import Annotated

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent_evals.errors import TaskError, UsageError
from agent_evals.tasks.loading import load_task
from agent_evals.validation import (
    MAX_MESSAGE_CHARS,
    explain_validation_error,
    load_yaml,
    validate_model,
    validation_problems,
    yaml_syntax_error,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Call(_Strict):
    name: str
    timeout_seconds: Annotated[float, Field(gt=0)] = Field(default=1.0, alias="timeoutSeconds")


class _Step(_Strict):
    calls: list[_Call] = []
    retries: int = 0


class _Plan(_Strict):
    steps: dict[str, list[_Step]] = {}
    fallback: _Step | None = None


def _error(data: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _Plan.model_validate(data)
    return caught.value


def test_an_unknown_key_inside_lists_and_mappings_suggests_the_key_allowed_there() -> None:
    error = _error({"steps": {"build": [{"calls": [{"name": "x", "timeoutSecond": 3}]}]}})
    message = explain_validation_error(error, _Plan, "plan.yaml")
    assert message == (
        "plan.yaml: steps.build.0.calls.0.timeoutSecond: unknown key; "
        "did you mean 'timeoutSeconds'? (allowed here: name, timeoutSeconds)"
    )


def test_an_unknown_key_under_an_optional_section_lists_that_sections_keys() -> None:
    (problem,) = validation_problems(_error({"fallback": {"retry": 2}}), _Plan)
    assert problem.key == "fallback.retry"
    assert problem.detail == "unknown key; did you mean 'retries'? (allowed here: calls, retries)"


def test_a_bad_value_is_shown_with_what_is_allowed() -> None:
    error = _error({"fallback": {"calls": [{"name": "x", "timeoutSeconds": -2}]}})
    (problem,) = validation_problems(error, _Plan)
    assert problem.key == "fallback.calls.0.timeoutSeconds"
    assert problem.detail == "-2 is not allowed: input should be greater than 0"


def test_a_missing_key_says_to_add_it() -> None:
    (problem,) = validation_problems(_error({"fallback": {"calls": [{}]}}), _Plan)
    assert (problem.key, problem.detail) == (
        "fallback.calls.0.name",
        "is required but missing; add it",
    )


def test_the_yaml_text_gives_each_problem_its_line() -> None:
    text = "steps:\n  build:\n    - retries: many\n"
    error = _error(yaml.safe_load(text))
    (problem,) = validation_problems(error, _Plan, text)
    assert problem.render("plan.yaml") == (
        "plan.yaml:3: steps.build.0.retries: 'many' is not allowed: "
        "input should be a valid integer, unable to parse string as an integer"
    )


def test_validate_model_raises_the_callers_error_with_every_problem() -> None:
    with pytest.raises(UsageError) as caught:
        validate_model(_Plan, {"step": {}, "fallback": {"retries": "x"}}, "plan.yaml", UsageError)
    lines = sorted(str(caught.value).splitlines())
    assert lines[0].startswith("plan.yaml: fallback.retries: 'x' is not allowed")
    assert lines[1].startswith("plan.yaml: step: unknown key; did you mean 'steps'?")


def test_a_yaml_syntax_error_names_the_file_and_line() -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        yaml.safe_load("a: 1\nb: [unclosed\n")
    message = yaml_syntax_error(caught.value, "plan.yaml")
    assert message.startswith("plan.yaml:3: YAML syntax error: ")
    assert message.endswith("; fix the YAML syntax")


# --- hostile YAML: aliases, cycles, depth, and errors that stay short -----------------------

ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def _load_error(text: str) -> str:
    with pytest.raises(yaml.YAMLError) as caught:
        load_yaml(text)
    return yaml_syntax_error(caught.value, "f.yaml")


def test_a_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    assert len(ALIAS_BOMB) < 600  # nine levels of nine: 387 million values once expanded

    message = _load_error(ALIAS_BOMB)

    assert message.startswith("f.yaml:")
    assert "expands to more than 100,000 values through its aliases" in message
    assert "YAML syntax error" not in message


def test_an_alias_inside_its_own_anchor_is_refused_not_a_cycle() -> None:
    message = _load_error("release: &r {name: *r}\n")

    assert message == (
        "f.yaml:1: alias *r is inside the value it names (a recursive alias); "
        "write the value out instead"
    )


def test_nesting_past_the_depth_limit_is_refused() -> None:
    assert "nested deeper than 100 levels" in _load_error("[" * 5000 + "]" * 5000)


def test_ordinary_anchors_aliases_and_merge_keys_still_load() -> None:
    text = "price: &p {input: 1, output: 2}\na: *p\nb: {<<: *p, output: 3}\n"

    assert load_yaml(text) == {
        "price": {"input": 1, "output": 2},
        "a": {"input": 1, "output": 2},
        "b": {"input": 1, "output": 3},
    }


def test_thousands_of_bad_values_give_a_short_message_counting_the_rest() -> None:
    with pytest.raises(ValidationError) as caught:
        _Plan.model_validate({"steps": {"s": [{"retries": "x" * 10_000}] * 5000}})

    message = explain_validation_error(caught.value, _Plan, "plan.yaml")

    assert len(message) <= MAX_MESSAGE_CHARS + 100
    assert message.splitlines()[-1].startswith("… ") and "more errors" in message
    assert "more characters]" in message.splitlines()[0]


def test_a_long_list_value_is_described_not_repeated() -> None:
    with pytest.raises(ValidationError) as caught:
        _Plan.model_validate({"fallback": {"retries": list(range(10_000))}})

    message = explain_validation_error(caught.value, _Plan, "plan.yaml")

    assert message == (
        "plan.yaml: fallback.retries: a list of 10,000 items is not allowed: "
        "input should be a valid integer"
    )


def test_a_small_task_file_with_nested_aliases_gives_a_short_error(tmp_path) -> None:
    levels = "".join(
        f"  {n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abc", "bcd", strict=True)
    )
    task = tmp_path / "task-1"
    task.mkdir()
    (task / "task.yaml").write_text(
        "x:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        f"{levels}instruction: *d\nverify: {{command: *d}}\nscope: *d\nrisk: *d\n",
        encoding="utf-8",
    )
    assert len((task / "task.yaml").read_bytes()) < 500

    with pytest.raises(TaskError) as caught:
        load_task(task)

    message = str(caught.value)
    assert len(message) <= MAX_MESSAGE_CHARS + 100
    assert "instruction: a list of 9 items is not allowed" in message


@pytest.mark.parametrize("value", [".inf", ".nan", "true", "'30'", "1.0e+9"])
def test_a_task_timeout_must_be_a_finite_number_of_seconds(tmp_path, value) -> None:
    task = tmp_path / "task-1"
    task.mkdir()
    (task / "task.yaml").write_text(
        f"instruction: fix it\nverify: {{command: [pytest], timeoutSeconds: {value}}}\n",
        encoding="utf-8",
    )

    with pytest.raises(TaskError, match=r"task.yaml: verify.timeoutSeconds: .* is not allowed"):
        load_task(task)
