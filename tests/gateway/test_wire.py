"""Reading usage out of answers and event streams, however the bytes are split."""

from __future__ import annotations

import json
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from agent_evals.gateway import StreamMeter, anthropic_usage, openai_usage
from agent_evals.records import TokenUsage
from agent_evals.scripted_model import Turn, Usage
from agent_evals.scripted_model.anthropic_wire import message_events
from agent_evals.scripted_model.openai_wire import completion_events

TURN = Turn(content="one two three", content_pieces=("one ", "two ", "three"))
USAGE = Usage(prompt_tokens=1200, completion_tokens=300, cached_tokens=200)
OPENAI = completion_events(TURN, USAGE, model="m", serial=1, created=0, include_usage=True)
ANTHROPIC = message_events(TURN, USAGE, model="m", serial=1)
EXPECTED = TokenUsage(1000, 300, 200, None, 1500, "metered")


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in pairwise(points)]


@given(st.lists(st.integers(min_value=0), max_size=12))
def test_openai_usage_chunk_is_found_and_stripped_at_any_split(cuts: list[int]) -> None:
    meter = StreamMeter("openai", strip_usage=True)
    out = b"".join(meter.feed(piece) for piece in _split(b"".join(OPENAI), cuts)) + meter.finish()
    assert meter.usage == EXPECTED and meter.complete
    assert out == b"".join(e for e in OPENAI if b'"usage":{' not in e)


@given(st.lists(st.integers(min_value=0), max_size=12))
def test_anthropic_usage_merges_start_and_delta_at_any_split(cuts: list[int]) -> None:
    meter = StreamMeter("anthropic")
    out = b"".join(meter.feed(p) for p in _split(b"".join(ANTHROPIC), cuts)) + meter.finish()
    assert out == b"".join(ANTHROPIC) and meter.complete
    assert meter.usage == TokenUsage(1000, 300, 200, 0, 1500, "metered")


def test_a_stream_without_its_final_event_is_not_complete() -> None:
    meter = StreamMeter("openai")
    meter.feed(b"".join(OPENAI[:2]))
    assert not meter.complete and meter.usage is None


def test_usage_objects_map_onto_token_usage() -> None:
    body = json.loads(OPENAI[-2].removeprefix(b"data: "))
    assert openai_usage(body["usage"]) == EXPECTED
    assert openai_usage({"prompt_tokens": 5}) is None and openai_usage(None) is None
    anthropic = {"input_tokens": 10, "output_tokens": 2, "cache_creation_input_tokens": 7}
    assert anthropic_usage(anthropic) == TokenUsage(10, 2, 0, 7, 19, "metered")
