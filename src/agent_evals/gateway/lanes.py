"""Where each lane's requests go: the config's lane routes, with the endpoint and key required.

A lane without a key of its own (no ``apiKeyEnv``) passes on the key the client sent, but
only when its endpoint is on the incumbent's host: a client's key is for the provider the
client talked to before the canary, and must not travel to another one (a candidate
elsewhere, or on a fallback). There the request goes without a key, and the upstream's 401
is the client's answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from agent_evals.config.lanes import ModelRoute, lane_routes
from agent_evals.config.models import Price, ReleaseConfig
from agent_evals.errors import ConfigError
from agent_evals.gateway.redact import redact
from agent_evals.types import Lane, Provider

log = logging.getLogger("agent_evals.gateway")


@dataclass(frozen=True)
class LaneTarget:
    """One lane's upstream; the key and URL are kept out of ``repr`` so they never reach a log."""

    lane: Lane
    name: str
    model: str
    base_url: str = field(repr=False)
    provider: Provider = "openai-compatible"
    price: Price | None = None
    api_key: str | None = field(default=None, repr=False)
    takes_client_key: bool = True

    def url(self, path: str) -> str:
        """The endpoint URL for a gateway path such as ``/v1/chat/completions`` (a query in
        the base URL, such as ``?key=``, stays at the end)."""
        base, mark, query = self.base_url.partition("?")
        return base + path.removeprefix("/v1") + mark + query

    @property
    def shown_url(self) -> str:
        """The base URL with its credentials as ``***``."""
        return redact(self.base_url)


def lane_targets(
    config: ReleaseConfig, environ: Mapping[str, str] | None = None
) -> dict[Lane, LaneTarget]:
    """Both lanes' upstreams; a ``ConfigError`` names a missing endpoint or key variable."""
    targets = {lane: _target(lane, route, environ) for lane, route in lane_routes(config).items()}
    home = _origin(targets["incumbent"].base_url)
    for lane, target in targets.items():
        if target.api_key is None and _origin(target.base_url) != home:
            targets[lane] = replace(target, takes_client_key=False)
            log.warning(
                "model %s (%s) has no apiKeyEnv and is not on the incumbent's host: "
                "clients' keys are not passed to %s",
                target.name,
                lane,
                target.shown_url,
            )
    return targets


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, parts.hostname, parts.port or default


def _target(lane: Lane, route: ModelRoute, environ: Mapping[str, str] | None) -> LaneTarget:
    if not route.base_url:
        raise ConfigError(
            f"the gateway needs the endpoint of model {route.name!r} ({lane}); "
            "set it, e.g. baseUrl: http://127.0.0.1:9001/v1",
            key=f"models.{route.name}.baseUrl",
        )
    key = route.api_key(environ)
    if route.api_key_env and not key:
        raise ConfigError(
            f"names the variable {route.api_key_env!r}, which is not set; "
            "export it before starting the gateway, or remove apiKeyEnv",
            key=f"models.{route.name}.apiKeyEnv",
        )
    return LaneTarget(
        lane=lane,
        name=route.name,
        model=route.model,
        base_url=route.base_url.rstrip("/"),
        provider=route.provider,
        price=route.price,
        api_key=key,
    )
