"""Webhook delivery keys: claimed once, durable across a reopened store, per release."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_evals.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/runs.db"
    else:
        yield request.getfixturevalue("pg_url")


def test_a_delivery_is_new_only_when_every_key_is_new_and_stays_seen_after_a_reopen(
    url: str,
) -> None:
    release = f"r-{uuid.uuid4().hex[:8]}"  # a shared PostgreSQL database keeps other runs' keys
    store = Store(url)
    assert store.claim_delivery(release, ["body:aa", "id:d-1"]) is True
    assert store.claim_delivery(release, ["body:aa", "id:d-2"]) is False  # new id, same body
    assert store.claim_delivery(release, ["body:aa"]) is False  # no id at all
    assert store.claim_delivery(release, ["body:bb", "id:d-1"]) is False  # id seen before
    assert store.claim_delivery("other-" + release, ["body:aa", "id:d-1"]) is True
    store.close()
    reopened = Store(url)
    assert reopened.claim_delivery(release, ["body:aa", "id:d-9"]) is False
    assert reopened.claim_delivery(release, ["body:cc"]) is True
    reopened.close()
