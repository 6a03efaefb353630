"""Data flows one way through the rooms: a room imports only rooms below it."""

from __future__ import annotations

import ast
from pathlib import Path

import agent_evals

PACKAGE = Path(agent_evals.__file__).parent

# Lower numbers are lower rooms. The CLI is the only room that knows all the others.
LAYERS = {
    "types": 0,
    "errors": 0,
    "records": 1,
    "serving": 1,
    "yaml_errors": 1,
    "config": 2,
    "store": 2,
    "tasks": 3,
    "analysis": 3,
    "scripted_model": 3,
    "example": 3,
    "harness": 4,
    "reports": 4,
    "rollout": 5,
    "importers": 5,
    "gateway": 6,
    "demo": 7,
    "cli": 7,
    "__main__": 8,
    "__init__": 8,
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


def test_every_room_is_placed():
    rooms = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    rooms = {r for r in rooms if not r.startswith((".", "_")) or r in ("__init__", "__main__")}
    assert rooms - {"py", "__pycache__"} <= set(LAYERS), rooms - set(LAYERS)


def test_no_room_imports_a_higher_one():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        room = relative.parts[0].removesuffix(".py")
        for target in imports(path) - {room}:
            if LAYERS[target] >= LAYERS[room]:
                wrong.append(f"{relative} imports agent_evals.{target}")
    assert not wrong, "\n".join(sorted(wrong))
