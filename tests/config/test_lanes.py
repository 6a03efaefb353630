"""Lanes resolve once from the config: exact model id, endpoint, key variable and price."""

from __future__ import annotations

import pytest

from agent_evals.config import cost_of, lane_routes, parse_config
from agent_evals.config.models import Price
from agent_evals.records import TokenUsage

CONFIG = """\
release:
  incumbent: gpt-5.3-coder
  candidate: gpt-5.4-coder
  evalSlices: [bugfix-small]
models:
  gpt-5.4-coder:
    provider: openai
    model: gpt-5.4-coder-2026-10-01
    baseUrl: http://127.0.0.1:9001/v1
    apiKeyEnv: CANDIDATE_KEY
    price: {inputPerMTok: 1.25, outputPerMTok: 10.0, cacheReadPerMTok: 0.125}
"""


def test_each_lane_routes_to_its_exact_model_endpoint_key_and_price(tmp_path):
    routes = lane_routes(parse_config(CONFIG, tmp_path / "model-release.yaml").config)
    incumbent, candidate = routes["incumbent"], routes["candidate"]
    assert (incumbent.model, incumbent.base_url, incumbent.price) == ("gpt-5.3-coder", None, None)
    assert (candidate.name, candidate.model) == ("gpt-5.4-coder", "gpt-5.4-coder-2026-10-01")
    assert (candidate.provider, candidate.base_url) == ("openai", "http://127.0.0.1:9001/v1")
    assert candidate.api_key({"CANDIDATE_KEY": "k"}) == "k"
    assert candidate.api_key({}) is None and incumbent.api_key({"CANDIDATE_KEY": "k"}) is None
    assert candidate.price is not None and candidate.price.output_per_m_tok == 10.0


def test_cached_reads_cost_the_input_price_unless_priced_apart():
    usage = TokenUsage(input=1000, output=100, cache_read=2000, source="metered")
    flat = Price(input_per_m_tok=1.0, output_per_m_tok=10.0)
    assert cost_of(usage, flat) == pytest.approx((1000 + 1000 + 2000) / 1e6)
    cheap = Price(input_per_m_tok=1.0, output_per_m_tok=10.0, cache_read_per_m_tok=0.1)
    assert cost_of(usage, cheap) == pytest.approx((1000 + 1000 + 200) / 1e6)
    assert cost_of(usage, None) is None
    assert cost_of(TokenUsage(source="missing"), flat) is None
