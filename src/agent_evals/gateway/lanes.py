"""Where each lane's requests go: the config's lane routes, with the endpoint and key required."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agent_evals.config.lanes import ModelRoute, lane_routes
from agent_evals.config.models import Price, ReleaseConfig
from agent_evals.errors import ConfigError
from agent_evals.types import Lane, Provider


@dataclass(frozen=True)
class LaneTarget:
    """One lane's upstream; the key is kept out of ``repr`` so it never reaches a log."""

    lane: Lane
    name: str
    model: str
    base_url: str
    provider: Provider = "openai-compatible"
    price: Price | None = None
    api_key: str | None = field(default=None, repr=False)

    def url(self, path: str) -> str:
        """The endpoint URL for a gateway path such as ``/v1/chat/completions``."""
        return self.base_url + path.removeprefix("/v1")


def lane_targets(
    config: ReleaseConfig, environ: Mapping[str, str] | None = None
) -> dict[Lane, LaneTarget]:
    """Both lanes' upstreams; a ``ConfigError`` names a missing endpoint or key variable."""
    return {lane: _target(lane, route, environ) for lane, route in lane_routes(config).items()}


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
