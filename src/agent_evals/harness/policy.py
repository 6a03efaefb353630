"""Policy checks over a measured run: forbidden paths, diff size, dependencies, tests run."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agent_evals.harness.measure import DiffMeasure
from agent_evals.harness.workspace import Workspace, git
from agent_evals.records import PolicyViolation
from agent_evals.tasks import Policy, match_any

# Files that only hold dependencies: any change to them changes dependencies.
DEPENDENCY_FILES = (
    "**/requirements*.txt",
    "**/requirements/*.txt",
    "**/constraints*.txt",
    "**/setup.py",
    "**/setup.cfg",
    "**/Pipfile",
    "**/Pipfile.lock",
    "**/poetry.lock",
    "**/uv.lock",
    "**/pdm.lock",
    "**/environment.yml",
    "**/package-lock.json",
    "**/yarn.lock",
    "**/pnpm-lock.yaml",
    "**/go.mod",
    "**/go.sum",
    "**/Cargo.toml",
    "**/Cargo.lock",
    "**/Gemfile",
    "**/Gemfile.lock",
    "**/composer.json",
    "**/composer.lock",
    "**/pom.xml",
    "**/build.gradle",
    "**/build.gradle.kts",
)


def _pyproject_deps(data: dict[str, Any]) -> Any:
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    return [
        project.get("dependencies"),
        project.get("optional-dependencies"),
        data.get("dependency-groups"),
        data.get("build-system", {}).get("requires"),
        poetry.get("dependencies"),
        poetry.get("group"),
    ]


def _package_json_deps(data: dict[str, Any]) -> Any:
    keys = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
    return [data.get(k) for k in keys]


# Mixed files: only their dependency sections count.
_MIXED: dict[str, tuple[Callable[[str], Any], Callable[[dict[str, Any]], Any]]] = {
    "pyproject.toml": (tomllib.loads, _pyproject_deps),
    "package.json": (json.loads, _package_json_deps),
}


def dependency_changes(workspace: Workspace, paths: Sequence[str]) -> tuple[str, ...]:
    """Changed paths whose declared dependencies differ from the base."""
    changed = []
    for path in paths:
        name = path.rsplit("/", 1)[-1]
        if name in _MIXED:
            if _mixed_deps_changed(workspace, path, name):
                changed.append(path)
        elif match_any(DEPENDENCY_FILES, path):
            changed.append(path)
    return tuple(changed)


def _mixed_deps_changed(workspace: Workspace, path: str, name: str) -> bool:
    parse, extract = _MIXED[name]
    empty = "{}" if name == "package.json" else ""
    before = git(workspace.path, "show", f"{workspace.base}:{path}", check=False) or empty
    after = _read_text(workspace.path / path) or empty
    try:
        old, new = parse(before), parse(after)
    except ValueError:
        return True
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return True
    return bool(extract(old) != extract(new))


def check_policy(
    policy: Policy,
    diff: DiffMeasure,
    dependencies: Sequence[str],
    commands_run: Sequence[str],
) -> tuple[PolicyViolation, ...]:
    """Every rule the run broke; ``dependencies`` are the paths whose dependencies changed."""
    found = [
        PolicyViolation("forbidden_path", f"changed {path}, which matches a forbidden path")
        for path in diff.paths
        if match_any(policy.forbidden_paths, path)
    ]
    limit = policy.max_files_changed
    if limit is not None and len(diff.files) > limit:
        found.append(
            PolicyViolation(
                "max_files_changed", f"changed {len(diff.files)} files; at most {limit}"
            )
        )
    if policy.no_dependency_changes:
        found += [
            PolicyViolation("dependency_change", f"changed dependencies in {path}")
            for path in dependencies
        ]
    required = policy.required_test_command
    if required and commands_run and not _ran(required, commands_run):
        found.append(
            PolicyViolation("required_test_command", f"never ran the required {required!r}")
        )
    return tuple(found)


def _ran(required: str, commands_run: Sequence[str]) -> bool:
    wanted = " ".join(required.split())
    return any(wanted in " ".join(c.split()) for c in commands_run)


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
