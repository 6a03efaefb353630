"""Where each lane's requests go: exact model id, endpoint and key, read from the config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from agent_evals.config.models import Price, ReleaseConfig
from agent_evals.errors import ConfigError
from agent_evals.types import LANES, Lane, Provider


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
    env = os.environ if environ is None else environ
    release = config.release
    targets = {}
    for lane, name in zip(LANES, (release.incumbent, release.candidate), strict=True):
        spec = config.model_spec(name)
        if not spec.base_url:
            raise ConfigError(
                f"the gateway needs the endpoint of model {name!r} ({lane}); "
                "set it, e.g. baseUrl: http://127.0.0.1:9001/v1",
                key=f"models.{name}.baseUrl",
            )
        key = None
        if spec.api_key_env:
            key = env.get(spec.api_key_env)
            if not key:
                raise ConfigError(
                    f"names the variable {spec.api_key_env!r}, which is not set; "
                    "export it before starting the gateway, or remove apiKeyEnv",
                    key=f"models.{name}.apiKeyEnv",
                )
        targets[lane] = LaneTarget(
            lane=lane,
            name=name,
            model=config.model_id(name),
            base_url=spec.base_url.rstrip("/"),
            provider=spec.provider,
            price=spec.price,
            api_key=key,
        )
    return targets
