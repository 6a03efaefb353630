"""A live release behind a real gateway, with the scripted model as both upstreams."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml
from starlette.applications import Starlette

from agent_evals.config.models import ReleaseConfig
from agent_evals.gateway import Gateway, serve_in_thread
from agent_evals.gateway.credentials import derived_ingest_token
from agent_evals.records import RunRecord
from agent_evals.rollout import CanaryController, HookRunner, run_drill
from agent_evals.scripted_model import create_app, parse_script, serve_app_in_thread
from agent_evals.store import Store, sqlite_url

from ..replays import pass_replays

RELEASE = "inc..cand"
INC_MODEL = "inc-2026-01-01"
CAND_MODEL = "cand-2026-10-01"
KEYS = {"INC_KEY": "sk-inc-4f1c9a0e7b2d", "CAND_KEY": "sk-cand-8e3b6d1f0a9c"}
ADMIN_TOKEN = "admin-token-5c2e"
WEBHOOK_SECRET = "webhook-secret-91ab"
ENVIRON = {
    **KEYS,
    "AGENT_EVALS_ADMIN_TOKEN": ADMIN_TOKEN,
    "AGENT_EVALS_GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
}
# What agents send with outcomes and reviews: derived from the admin token, per release.
INGEST_TOKEN = derived_ingest_token(ADMIN_TOKEN, RELEASE)
INGEST = {"authorization": f"Bearer {INGEST_TOKEN}"}
C = TypeVar("C", bound=contextlib.AbstractContextManager[Any])
USAGE = {"prompt_tokens": 900, "completion_tokens": 150, "cached_tokens": 100}


@dataclass
class Rig:
    """A release whose gateway and both scripted upstreams serve on 127.0.0.1."""

    url: str
    store: Store
    controller: CanaryController
    gateway: Gateway
    incumbent: Starlette
    candidate: Starlette
    closing: ExitStack
    config_path: Path | None = None

    def client(self, client: C) -> C:
        """Keep an SDK client open for the rig's life and close it after (no leaked sockets)."""
        return self.closing.enter_context(client)

    @property
    def root(self) -> str:
        """The gateway's address without ``/v1``."""
        return self.url.removesuffix("/v1")

    def live_runs(self) -> dict[str, RunRecord]:
        """Stored live runs by task id."""
        return {r.task_id: r for r in self.store.runs(RELEASE, source="live")}

    def post(self, path: str, body: Any, **headers: str) -> httpx.Response:
        """POST JSON to the gateway; posts to ``/api/`` carry the ingest token, as agents'
        outcome reporters do, unless ``headers`` set an authorization."""
        if path.startswith("/api/") and "authorization" not in headers:
            headers = {**INGEST, **headers}
        return httpx.post(self.root + path, json=body, headers=headers, timeout=30)

    def chat(self, task_id: str | None, **body: Any) -> httpx.Response:
        """One Chat Completions request tagged with a task."""
        headers = {"x-agent-task-id": task_id} if task_id else {}
        document = {"model": "any", "messages": [{"role": "user", "content": "hi"}], **body}
        return httpx.post(self.url + "/chat/completions", json=document, headers=headers)


def release_config(
    incumbent: str,
    candidate: str,
    *,
    share: float | list[float] = 0.5,
    gateway: dict[str, Any] | None = None,
    release: dict[str, Any] | None = None,
    top: dict[str, Any] | None = None,
) -> ReleaseConfig:
    """A release with both models on the scripted upstreams, stages at ``share``; ``top``
    adds top-level sections (``budget``, ``hooks`` ...)."""
    shares = share if isinstance(share, list) else [share]
    price = {"inputPerMTok": 1.0, "outputPerMTok": 10.0, "cacheReadPerMTok": 0.1}
    return ReleaseConfig.model_validate(
        {
            "release": {
                "name": RELEASE,
                "incumbent": "inc",
                "candidate": "cand",
                "evalSlices": ["bugfix-small", "migration-risky"],
                "stages": [{"share": s, "minTasks": 3, "minBakeMinutes": 0} for s in shares],
                **(release or {}),
            },
            "models": {
                "inc": {"model": INC_MODEL, "baseUrl": incumbent, "apiKeyEnv": "INC_KEY"},
                "cand": {
                    "model": CAND_MODEL,
                    "baseUrl": candidate,
                    "apiKeyEnv": "CAND_KEY",
                    "price": price,
                },
            },
            "slices": {"migration-risky": {"policySensitive": True}},
            "gateway": {
                "evaluateDebounceSeconds": 0,
                "probeIntervalSeconds": 3600,
                **(gateway or {}),
            },
            **(top or {}),
        }
    )


MakeRig = Callable[..., Any]


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[MakeRig]:
    """Start a rig: ``with make_rig(script=..., share=0.5, gateway={...}) as rig: ...``."""

    @contextmanager
    def make(
        script: dict[str, Any] | None = None,
        candidate_script: dict[str, Any] | None = None,
        *,
        share: float | list[float] = 0.5,
        gateway: dict[str, Any] | None = None,
        release: dict[str, Any] | None = None,
        top: dict[str, Any] | None = None,
        start: bool = True,
        candidate_url: str | None = None,
        incumbent_url: str | None = None,
        config_file: bool = False,
        environ: dict[str, str] | None = None,
    ) -> Iterator[Rig]:
        default = {"defaults": {"usage": USAGE}}
        incumbent = create_app(parse_script(script or default))
        candidate = create_app(parse_script(candidate_script or script or default))
        with ExitStack() as servers:
            inc_url = incumbent_url or servers.enter_context(serve_app_in_thread(incumbent))
            cand_url = candidate_url or servers.enter_context(serve_app_in_thread(candidate))
            config = release_config(
                inc_url, cand_url, share=share, gateway=gateway, release=release, top=top
            )
            store = Store(sqlite_url(tmp_path / f"runs-{len(list(tmp_path.iterdir()))}.db"))
            hooks = HookRunner(config.hooks, store=store, retry_delay_s=0.0)
            controller = CanaryController(store, config, hooks=hooks)
            if start:
                pass_replays(store, config)
                run_drill(controller, actor="test")
                controller.start(actor="test")
            servers.callback(store.close)
            path = write_config(config, tmp_path / "model-release.yaml") if config_file else None
            gateway_app = Gateway(
                config,
                store,
                environ=ENVIRON if environ is None else environ,
                controller=controller,
                config_path=path,
            )
            url = servers.enter_context(serve_in_thread(gateway_app))
            clients = servers.enter_context(ExitStack())
            yield Rig(url, store, controller, gateway_app, incumbent, candidate, clients, path)

    yield make


def write_config(config: ReleaseConfig, path: Path) -> Path:
    """Write ``config`` as the YAML file a user keeps (only the keys it sets)."""
    data = config.model_dump(mode="json", by_alias=True, exclude_unset=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def task_on(rig: Rig, lane: str, prefix: str = "task") -> str:
    """A task id the rig's router sends to ``lane``."""
    for i in range(10_000):
        task_id = f"{prefix}-{i}"
        if rig.gateway.link.router.select(task_id).lane == lane:
            return task_id
    raise AssertionError(f"no task routes to {lane}")
