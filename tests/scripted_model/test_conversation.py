"""Which scripted turn answers: the turns a conversation already played, and prompt matches."""

from __future__ import annotations

from typing import Any

import yaml

from agent_evals.scripted_model import parse_script
from agent_evals.scripted_model.conversation import (
    Conversation,
    anthropic_conversation,
    chat_conversation,
    gemini_conversation,
    replayed_turns,
    responses_conversation,
)

SCRIPT = parse_script(
    yaml.safe_load(
        """
models:
  "*":
    tasks:
      fix:
        - {content: Reading the code., toolCalls: [{name: read_file}]}
        - {content: Running the tests., toolCalls: [{name: run_tests}]}
        - {content: The median is fixed.}
"""
    )
)
TURNS = SCRIPT.task_turns("any-model", "fix")
USER = {"role": "user", "content": "Fix the median."}


def _played(conversation: Conversation) -> int:
    return replayed_turns(TURNS, conversation.said)


def _chat_call(name: str) -> dict[str, Any]:
    call = {"id": "c1", "type": "function", "function": {"name": name, "arguments": "{}"}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


RESULT = {"role": "tool", "tool_call_id": "c1", "content": "OK"}


def test_canned_example_exchanges_before_the_task_do_not_shift_the_turn() -> None:
    examples: list[dict[str, Any]] = [
        {"role": "user", "content": "Change get_factorial() to use math.factorial"},
        {"role": "assistant", "content": "mathweb/flask/app.py\n<<<<<<< SEARCH ..."},
    ] * 4
    assert _played(chat_conversation({"messages": [*examples, USER]})) == 0


def test_each_tool_round_the_script_gave_is_one_turn_in_chat_completions() -> None:
    messages = [USER, _chat_call("read_file"), RESULT, _chat_call("run_tests"), RESULT]
    assert _played(chat_conversation({"messages": messages})) == 2


def test_a_text_turn_counts_when_it_says_what_the_script_said() -> None:
    said = {"role": "assistant", "content": "Reading the code."}
    again = {"role": "user", "content": "Go on."}
    assert _played(chat_conversation({"messages": [USER, said, again]})) == 1


def test_anthropic_tool_use_blocks_are_matched_by_tool_name() -> None:
    use = {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Let me look."},
            {"type": "tool_use", "id": "t1", "name": "read_file", "input": {}},
        ],
    }
    result = {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "OK"},
            {"type": "text", "text": "<system-reminder>Keep going.</system-reminder>"},
        ],
    }
    conversation = anthropic_conversation({"messages": [USER, use, result], "system": "Be brief."})
    assert _played(conversation) == 1
    assert "Be brief." in conversation.prompt_text


def test_one_responses_turn_of_several_items_counts_once() -> None:
    items = [
        {"type": "message", "role": "developer", "content": "You are Codex."},
        {"type": "message", "role": "user", "content": "Fix the median."},
        {"type": "reasoning", "summary": []},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text"}]},
        {"type": "function_call", "call_id": "c1", "name": "read_file", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "OK"},
    ]
    assert _played(responses_conversation({"input": items})) == 1
    assert _played(responses_conversation({"input": "Fix the median."})) == 0


def test_a_gemini_context_acknowledgement_is_not_a_turn_of_the_task() -> None:
    contents = [
        {"role": "user", "parts": [{"text": "This is the Gemini CLI. Context follows."}]},
        {"role": "model", "parts": [{"text": "Got it. Thanks for the context!"}]},
        {"role": "user", "parts": [{"text": "Fix the median."}]},
        {"role": "model", "parts": [{"functionCall": {"name": "read_file", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "read_file"}}]},
    ]
    assert _played(gemini_conversation({"contents": contents})) == 1


def test_a_prompt_match_picks_the_task_when_no_task_id_is_sent() -> None:
    script = parse_script(
        yaml.safe_load(
            """
models:
  m:
    tasks:
      fix-median-even: [{content: median}]
    match: {fix-median-even: "median([4, 1, 3, 2])"}
  "*":
    tasks:
      fix-slugify: [{content: slug}]
    match: {fix-slugify: slugify}
"""
        )
    )
    assert script.matched_task("m", "statkit.median: median([4, 1, 3, 2]) gives 3") == (
        "fix-median-even"
    )
    assert script.matched_task("other", "textool.slugify drops digits") == "fix-slugify"
    assert script.matched_task("m", "unrelated") is None
