"""Credentials in a ``baseUrl`` never show; a client's key never travels to another provider."""

from __future__ import annotations

import logging

import httpx
import pytest

from agent_evals.config.models import ReleaseConfig
from agent_evals.gateway import lane_targets
from agent_evals.gateway.redact import redact
from agent_evals.gateway.wire import upstream_headers, upstream_url
from agent_evals.scripted_model import serve_in_thread

from .conftest import MakeRig

CLIENT_KEY = [(b"authorization", b"Bearer client-key-6d1e")]


def test_userinfo_and_query_secrets_are_redacted_in_any_text() -> None:
    text = "cannot reach https://bob:pa55@api.example.com:8443/v1?key=k3y&alt=sse (refused)"
    assert (
        redact(text) == "cannot reach https://***@api.example.com:8443/v1?key=***&alt=*** (refused)"
    )


def test_base_url_credentials_reach_neither_readyz_nor_the_log(
    make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with serve_in_thread() as gone:
        pass
    port = gone.removesuffix("/v1").rsplit(":", 1)[1]
    dead = f"http://ops:pa55word@127.0.0.1:{port}/v1?key=query-s3cret"
    with make_rig(incumbent_url=dead, candidate_url=dead) as rig:
        rig.chat("t-1")
        ready = httpx.get(rig.root + "/readyz")
        shown = ready.text + repr(rig.gateway.targets) + caplog.text
    assert ready.status_code == 503 and "incumbent upstream failing" in ready.text
    assert f"127.0.0.1:{port}" in shown
    assert "pa55word" not in shown and "query-s3cret" not in shown


def _config(incumbent: str, candidate: str) -> ReleaseConfig:
    return ReleaseConfig.model_validate(
        {
            "release": {"incumbent": "inc", "candidate": "cand", "evalSlices": ["s"]},
            "models": {
                "inc": {"model": "inc-1", "baseUrl": incumbent},
                "cand": {"model": "cand-1", "baseUrl": candidate},
            },
        }
    )


def test_a_client_key_goes_only_to_the_incumbents_host() -> None:
    elsewhere = lane_targets(_config("https://api.one.example/v1", "http://10.0.0.7:8000/v1"))
    same = lane_targets(_config("https://api.one.example/v1", "https://api.one.example:443/v2"))
    sent = {
        (name, lane): upstream_headers("openai", target, CLIENT_KEY).get("authorization")
        for name, targets in (("elsewhere", elsewhere), ("same", same))
        for lane, target in targets.items()
    }
    assert sent == {
        ("elsewhere", "incumbent"): "Bearer client-key-6d1e",
        ("elsewhere", "candidate"): None,
        ("same", "incumbent"): "Bearer client-key-6d1e",
        ("same", "candidate"): "Bearer client-key-6d1e",
    }


def test_a_query_key_in_the_base_url_stays_at_the_end_of_the_endpoint_url() -> None:
    targets = lane_targets(_config("https://one.example/v1?key=k", "https://two.example/v1"))
    assert targets["incumbent"].url("/v1/chat/completions") == (
        "https://one.example/v1/chat/completions?key=k"
    )


def test_a_query_key_in_a_gemini_base_url_joins_the_streaming_query() -> None:
    targets = lane_targets(_config("https://g.example/v1beta?key=k", "https://two.example/v1"))
    stream = upstream_url(
        "gemini", targets["incumbent"], "/v1beta/models/{model}:streamGenerateContent"
    )
    assert stream == "https://g.example/v1beta/models/inc-1:streamGenerateContent?alt=sse&key=k"
