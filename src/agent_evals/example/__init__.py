"""The bundled example: a release of two scripted models over 21 real tasks in five slices.

``write_example(directory)`` writes it (``agent-evals init --example DIR``); the demo
(``python -m agent_evals.workflows.demo``) replays it end to end, offline.
"""

from agent_evals.example.build import (
    CONFIG_FILE,
    DEFAULT_BASE_URL,
    SCRIPT_FILE,
    example_script,
    write_example,
)
from agent_evals.example.content import SLICES, ExampleTask, LaneWork, example_tasks

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_BASE_URL",
    "SCRIPT_FILE",
    "SLICES",
    "ExampleTask",
    "LaneWork",
    "example_script",
    "example_tasks",
    "write_example",
]
