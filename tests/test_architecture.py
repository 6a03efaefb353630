"""Data flows one way through the rooms: a room imports only rooms below it."""

from __future__ import annotations

import ast
from pathlib import Path

import agent_evals

PACKAGE = Path(agent_evals.__file__).parent

# Lower numbers are lower rooms; rooms on one level never import each other. The workflows
# join the harness, analysis and the gateway; the CLI is the only room that knows all.
LAYERS = {
    "types": 0,
    "errors": 0,
    "records": 1,
    "serving": 1,
    "validation": 1,
    "config": 2,
    "store": 2,
    "tasks": 3,
    "scripted_model": 3,
    "example": 3,
    "harness": 4,
    "analysis": 4,
    "rollout": 5,
    "importers": 5,
    "reports": 6,
    "gateway": 7,
    "workflows": 8,
    "cli": 9,
    "__main__": 10,
    "__init__": 10,
}

# Imports the layers alone would allow but the architecture rules out, each with its reason.
FORBIDDEN = {
    ("harness", "analysis"): "the harness runs and measures; deciding is the workflows' call",
    ("gateway", "harness"): "lanes and prices come from config; replays meet it in workflows",
}


def room_of(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(room_of(n) for n in names if n.startswith("agent_evals."))
    return found


def room_imports() -> list[tuple[Path, str, str]]:
    """(file, its room, a room it imports) for every import of another room."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        room = relative.parts[0].removesuffix(".py")
        found += [(relative, room, target) for target in imports(path) - {room}]
    return found


def test_every_room_is_placed():
    rooms = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    rooms = {r for r in rooms if not r.startswith((".", "_")) or r in ("__init__", "__main__")}
    assert rooms - {"py", "__pycache__"} <= set(LAYERS), rooms - set(LAYERS)


def test_no_room_imports_a_higher_one():
    wrong = [
        f"{relative} imports agent_evals.{target}"
        for relative, room, target in room_imports()
        if LAYERS[target] >= LAYERS[room]
    ]
    assert not wrong, "\n".join(sorted(wrong))


def test_the_harness_never_imports_analysis_nor_the_gateway_the_harness():
    wrong = [
        f"{relative} imports agent_evals.{target}: {FORBIDDEN[room, target]}"
        for relative, room, target in room_imports()
        if (room, target) in FORBIDDEN
    ]
    assert not wrong, "\n".join(sorted(wrong))
