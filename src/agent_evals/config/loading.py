"""Reading the release config from YAML, with errors that name the file, key, value and fix."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import ConfigError
from agent_evals.validation import (
    load_yaml,
    render_problems,
    validation_problems,
    yaml_syntax_error,
)

DEFAULT_CONFIG_PATH = Path("config/model-release.yaml")
CONFIG_ENV = "AGENT_EVALS_CONFIG"


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with the file it came from and the warnings it raised."""

    config: ReleaseConfig
    path: Path | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the config are resolved against."""
        return self.path.parent if self.path else Path.cwd()


def resolve_config_path(option: str | Path | None) -> Path:
    """The config to use: the option, else ``AGENT_EVALS_CONFIG``, else the default path."""
    if option:
        return Path(option)
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_CONFIG_PATH


def load_config(path: str | Path) -> LoadedConfig:
    """Load and validate a release config file, raising ``ConfigError`` with a fix on any fault."""
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "file not found; create one with 'agent-evals init' or pass --config FILE",
            path=str(path),
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}", path=str(path)) from None
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text (byte 0x{raw_bytes[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            path=str(path),
        ) from None
    return parse_config(text, path)


def parse_config(text: str, path: Path | None = None) -> LoadedConfig:
    """Validate config text; ``path`` is only used in messages and to resolve relative paths."""
    where = str(path) if path else "<config>"
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(yaml_syntax_error(exc, where)) from None
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping with a top-level 'release' key", path=where)
    try:
        config = ReleaseConfig.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, text, where) from None
    warnings = tuple(
        f"{where}: model {model_id!r} is a floating alias, not an exact version; "
        "pin it (models.<name>.model: an id with a version or date)"
        for model_id in config.floating_models()
    )
    return LoadedConfig(config=config, path=path, warnings=warnings)


def _explain(exc: ValidationError, text: str, where: str) -> ConfigError:
    problems = validation_problems(exc, ReleaseConfig, text)
    error = ConfigError(render_problems([p.render(where) for p in problems]))
    error.key = problems[0].key if problems else None
    return error
