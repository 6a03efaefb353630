"""Release config: models, loading, the errors that explain a bad file, lane routes and prices."""

from agent_evals.config.lanes import (
    ModelRoute,
    lane_model,
    lane_route,
    lane_routes,
    model_route,
)
from agent_evals.config.loading import (
    DEFAULT_CONFIG_PATH,
    LoadedConfig,
    load_config,
    parse_config,
    resolve_config_path,
)
from agent_evals.config.models import (
    AgentSpec,
    ModelSpec,
    Release,
    ReleaseConfig,
    RollbackOn,
    SliceSpec,
    Stage,
    Statistics,
    Waiver,
)
from agent_evals.config.pricing import cost_of

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "AgentSpec",
    "LoadedConfig",
    "ModelRoute",
    "ModelSpec",
    "Release",
    "ReleaseConfig",
    "RollbackOn",
    "SliceSpec",
    "Stage",
    "Statistics",
    "Waiver",
    "cost_of",
    "lane_model",
    "lane_route",
    "lane_routes",
    "load_config",
    "model_route",
    "parse_config",
    "resolve_config_path",
]
