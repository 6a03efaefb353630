"""Reading the release config from YAML, with errors that name the file, key, value and fix."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from agent_evals.config.models import ReleaseConfig
from agent_evals.errors import ConfigError
from agent_evals.yaml_errors import yaml_syntax_error

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
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{yaml_syntax_error(exc, where)}; fix the YAML syntax") from None
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
    lines = _key_lines(text)
    messages = []
    first_key = None
    for error in exc.errors():
        loc = tuple(str(p) for p in error["loc"])
        key = ".".join(loc) or "(top level)"
        first_key = first_key or key
        line = lines.get(loc)
        place = f"{where}:{line}" if line else where
        messages.append(f"{place}: {key}: {_describe(error, loc)}")
    result = ConfigError("\n".join(messages))
    result.key = first_key
    return result


def _describe(error: Any, loc: tuple[str, ...]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = difflib.get_close_matches(loc[-1], known, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        allowed = f" (allowed here: {', '.join(sorted(known))})" if known else ""
        return f"unknown key{suggestion}{allowed}"
    if kind == "missing":
        return "is required but missing; add it"
    shown = "" if isinstance(value, dict) else f"{value!r} is not allowed: "
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    return f"{shown}{message[0].lower()}{message[1:]}"


def _known_keys(loc: tuple[str, ...]) -> list[str]:
    model: type[BaseModel] | None = ReleaseConfig
    for part in loc:
        if model is None:
            return []
        model = _child_model(model, part)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _child_model(model: type[BaseModel], part: str) -> type[BaseModel] | None:
    by_alias = {f.alias or n: f for n, f in model.model_fields.items()}
    info = by_alias.get(part)
    if info is None:
        # dict values and list items: the model is inside the annotation
        return None if part.isdigit() else model
    return _model_in(info.annotation)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each key path in the YAML to its 1-based line number."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    found: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path = (*prefix, str(key_node.value))
                found[path] = key_node.start_mark.line + 1
                walk(value_node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                path = (*prefix, str(index))
                found[path] = item.start_mark.line + 1
                walk(item, path)

    if root is not None:
        walk(root, ())
    return found
