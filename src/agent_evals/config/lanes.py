"""Lane → model definition → exact id, endpoint, API-key variable and price, resolved once.

The harness and the gateway both route a lane through here; each reads the key from its own
environment and says in its own words what to do when the variable is not set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from agent_evals.config.models import Price, ReleaseConfig
from agent_evals.types import LANES, Lane, Provider


@dataclass(frozen=True)
class ModelRoute:
    """A model named in the config, resolved: where its requests go and what they cost."""

    name: str
    model: str
    provider: Provider
    base_url: str | None
    api_key_env: str | None
    price: Price | None

    def api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The key in ``api_key_env``; ``None`` when no variable is named or it is unset."""
        if self.api_key_env is None:
            return None
        env = os.environ if environ is None else environ
        return env.get(self.api_key_env) or None


def model_route(config: ReleaseConfig, name: str) -> ModelRoute:
    """The route of a named model; a model the config does not describe gets the defaults."""
    spec = config.model_spec(name)
    return ModelRoute(
        name=name,
        model=config.model_id(name),
        provider=spec.provider,
        base_url=spec.base_url,
        api_key_env=spec.api_key_env,
        price=spec.price,
    )


def lane_model(config: ReleaseConfig, lane: Lane) -> str:
    """The name of the model the release puts in a lane."""
    return config.release.incumbent if lane == "incumbent" else config.release.candidate


def lane_route(config: ReleaseConfig, lane: Lane) -> ModelRoute:
    """The route of a lane's model."""
    return model_route(config, lane_model(config, lane))


def lane_routes(config: ReleaseConfig) -> dict[Lane, ModelRoute]:
    """Both lanes' routes, incumbent first."""
    return {lane: lane_route(config, lane) for lane in LANES}
