"""One wording for bad input files: the file, the key path, the bad value and what is allowed.

Every file agent-evals reads (release config, task files, model scripts, lane-metric files)
reports its faults the same way: ``FILE[:LINE]: key.path: problem``, with a "did you mean"
and the keys allowed at that place when a key is unknown.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from agent_evals.errors import UsageError
from agent_evals.types import MAX_COUNT

TOP_LEVEL = "(top level)"

M = TypeVar("M", bound=BaseModel)

# Numbers of the files users write: a JSON/YAML ``true`` is not 1, a quoted "1" is not a
# number, infinity and NaN are not values; whole numbers are welcome where a float is meant.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
"""A finite number (an int is accepted); never a boolean or a string."""
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
"""A whole number from 0 to ``MAX_COUNT``; never a boolean, a float or a string."""
Flag = Annotated[bool, Field(strict=True)]
"""``true`` or ``false`` only (not 1, "yes" or "on" quoted)."""

# An error message stays readable whatever the file: each line, and the whole, is capped.
MAX_MESSAGE_CHARS = 2000
MAX_LINE_CHARS = 300
SHOWN_VALUE_CHARS = 60


def yaml_syntax_error(exc: yaml.YAMLError, where: str) -> str:
    """``FILE:LINE: YAML syntax error: PROBLEM; fix the YAML syntax`` (line when known)."""
    mark = getattr(exc, "problem_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = clip(str(getattr(exc, "problem", None) or exc), MAX_LINE_CHARS)
    if isinstance(exc, YamlLimitError):
        return f"{where}{line}: {problem}"
    return f"{where}{line}: YAML syntax error: {problem}; fix the YAML syntax"


class YamlLimitError(yaml.composer.ComposerError):
    """A YAML document past the limits of ``BoundedLoader`` (an alias bomb, a cycle, depth)."""


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits on what aliases and nesting can build.

    A few hundred bytes of anchors and aliases ("billion laughs", CVE-2003-1564's XML cousin)
    expand to gigabytes once anything walks the values, and an alias inside its own anchor
    makes a cycle. Each node's expanded size is counted as it is composed (an alias counts
    the whole value it repeats), so a document is refused as soon as it would expand past
    ``MAX_VALUES`` values, nest deeper than ``MAX_DEPTH``, or refer to itself.
    """

    MAX_VALUES = 100_000
    MAX_DEPTH = 100

    def __init__(self, stream: str | bytes) -> None:
        super().__init__(stream)
        self._bounded_open: list[str] = []
        self._bounded_sizes: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node, refusing cycles, depth and expansion past the limits."""
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent) and event.anchor in self._bounded_open:
            problem = (
                f"alias *{event.anchor} is inside the value it names (a recursive alias); "
                "write the value out instead"
            )
            raise YamlLimitError(None, None, problem, mark)
        collection = isinstance(event, yaml.CollectionStartEvent)
        if collection:
            if len(self._bounded_open) >= self.MAX_DEPTH:
                raise YamlLimitError(
                    None, None, f"nested deeper than {self.MAX_DEPTH} levels", mark
                )
            self._bounded_open.append(event.anchor or "")
        try:
            node = super().compose_node(parent, index)
        finally:
            if collection:
                self._bounded_open.pop()
        if node is not None:
            self._weigh(node)
        return node

    def _weigh(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode) or id(node) in self._bounded_sizes:
            return
        children: list[yaml.Node] = (
            [part for pair in node.value for part in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        size = 1 + sum(self._bounded_sizes.get(id(child), 1) for child in children)
        if size > self.MAX_VALUES:
            raise YamlLimitError(
                None,
                None,
                f"the document expands to more than {self.MAX_VALUES:,} values through its "
                "aliases (a YAML alias bomb?); write the values out or use fewer aliases",
                node.start_mark,
            )
        self._bounded_sizes[id(node)] = size


def load_yaml(text: str | bytes) -> Any:
    """One YAML document, loaded safely within ``BoundedLoader``'s limits.

    Raises ``yaml.YAMLError`` (``YamlLimitError`` past a limit); render it with
    ``yaml_syntax_error``.
    """
    return yaml.load(text, Loader=BoundedLoader)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with a marker saying how much was left out."""
    if len(text) <= limit:
        return text
    cut = max(limit - 30, limit // 2)
    return f"{text[:cut]}… [{len(text) - cut:,} more characters]"


def render_problems(lines: Sequence[str], separator: str = "\n") -> str:
    """Problem lines joined, each line and the whole capped; the rest counted, not shown."""
    shown: list[str] = []
    used = 0
    for line in lines:
        line = clip(line, MAX_LINE_CHARS)
        if shown and used + len(line) > MAX_MESSAGE_CHARS:
            break
        shown.append(line)
        used += len(line) + len(separator)
    left = len(lines) - len(shown)
    if left:
        shown.append(f"… {left} more error{'s' if left > 1 else ''}")
    return separator.join(shown)


@dataclass(frozen=True)
class Problem:
    """One fault of a validated file: the dotted key path, its line when known, what is wrong."""

    key: str
    detail: str
    line: int | None = None

    def render(self, where: str) -> str:
        """``FILE[:LINE]: key.path: detail``."""
        place = f"{where}:{self.line}" if self.line else where
        return f"{place}: {self.key}: {self.detail}"


def validation_problems(
    exc: ValidationError, model: type[BaseModel], text: str | None = None
) -> tuple[Problem, ...]:
    """Each error of ``exc`` as a problem; ``text`` (the YAML source) adds line numbers."""
    lines = _key_lines(text) if text is not None else {}
    problems = []
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"])
        key = ".".join(loc) or TOP_LEVEL
        problems.append(Problem(key, _describe(error, loc, model), lines.get(loc)))
    return tuple(problems)


def explain_validation_error(
    exc: ValidationError, model: type[BaseModel], where: str, text: str | None = None
) -> str:
    """Every error of ``exc`` on its own ``FILE[:LINE]: key.path: problem`` line (capped)."""
    return render_problems([p.render(where) for p in validation_problems(exc, model, text)])


def validate_model(model: type[M], data: Any, where: str, error: type[UsageError]) -> M:
    """``data`` validated as ``model``; on any fault raises ``error`` explaining each key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(explain_validation_error(exc, model, where)) from None


def _describe(error: ErrorDetails, loc: tuple[str, ...], model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        hint = difflib.get_close_matches(loc[-1], allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        listed = f" (allowed here: {', '.join(sorted(allowed))})" if allowed else ""
        return f"unknown key{suggestion}{listed}"
    if kind == "missing":
        return "is required but missing; add it"
    value = error.get("input")
    # A whole mapping is not worth repeating: the key path already points at it.
    shown = "" if isinstance(value, dict) else f"{_shown(value)} is not allowed: "
    message = error["msg"].removeprefix("Value error, ")
    return f"{shown}{message[:1].lower()}{message[1:]}"


def _shown(value: Any) -> str:
    """A value as it would be written, cut short: a bad value can be a whole file's worth."""
    if isinstance(value, list | tuple | set) and len(value) > 5:
        return f"a list of {len(value):,} items"
    return clip(repr(value), SHOWN_VALUE_CHARS)


def _allowed_keys(model: type[BaseModel], path: Sequence[str]) -> list[str]:
    """The keys the mapping at ``path`` inside ``model`` accepts; empty when not a model."""
    current: Any = model
    for part in path:
        current = _step(current, part)
        if current is None:
            return []
    found = _model_in(current)
    return [info.alias or name for name, info in found.model_fields.items()] if found else []


def _step(annotation: Any, part: str) -> Any:
    """The annotation one key, index or union member below ``annotation``."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = _fields(annotation).get(part)
        return field.annotation if field is not None else None
    origin = get_origin(annotation)
    args = [a for a in get_args(annotation) if a is not type(None) and a is not Ellipsis]
    if origin in (Union, types.UnionType):
        # pydantic names the member of a union in the path when several could match
        for member in args:
            if getattr(member, "__name__", None) == part:
                return member
        stepped = (_step(member, part) for member in args)
        return next((s for s in stepped if s is not None), None)
    if isinstance(origin, type) and issubclass(origin, Mapping):
        return args[-1] if args else None
    if isinstance(origin, type) and issubclass(origin, Collection) and args:
        return args[0]
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds directly or as a union member (``Model | None``)."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        return next(filter(None, map(_model_in, get_args(annotation))), None)
    return None


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    by_key = dict(model.model_fields)
    by_key.update({info.alias: info for info in model.model_fields.values() if info.alias})
    return by_key


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Each key path of a YAML text mapped to its 1-based line (empty when it does not parse)."""
    try:
        root = yaml.compose(text, Loader=BoundedLoader)
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
