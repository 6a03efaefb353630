"""Writing the example folder: the release config, the slices of tasks and the model script."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from agent_evals.config import parse_config
from agent_evals.errors import UsageError
from agent_evals.example.content import LaneWork, data_root, example_tasks
from agent_evals.types import Lane

DEFAULT_BASE_URL = "http://127.0.0.1:9001/v1"
CONFIG_FILE = Path("config/model-release.yaml")
SCRIPT_FILE = Path("scripts/models.yaml")
TEST_COMMAND = "python -m unittest -q"
# Completion tokens are about an eighth of each turn; the scripted model spends 1 ms per 10.
_COMPLETION_SHARE = 8
_TOKENS_PER_MS = 10


def config_text(base_url: str = DEFAULT_BASE_URL) -> str:
    """The example's release config, with both models served at ``base_url``."""
    text = (data_root() / "model-release.yaml").read_text("utf-8")
    return text.replace(DEFAULT_BASE_URL, base_url)


def model_ids() -> dict[Lane, str]:
    """The exact upstream model id of each lane in the example config."""
    config = parse_config(config_text()).config
    return {
        "incumbent": config.model_id(config.release.incumbent),
        "candidate": config.model_id(config.release.candidate),
    }


def split_usage(total: int, turns: int) -> list[dict[str, int]]:
    """Per-turn usage summing to ``total``; each prompt is larger, as the conversation grows."""
    weight = turns * (turns + 1) // 2
    shares = [total * (i + 1) // weight for i in range(turns)]
    shares[-1] += total - sum(shares)
    return [
        {"prompt_tokens": s - s // _COMPLETION_SHARE, "completion_tokens": s // _COMPLETION_SHARE}
        for s in shares
    ]


def lane_turns(work: LaneWork) -> list[dict[str, Any]]:
    """The scripted turns of one lane on one task: read, write each file, test, finish."""
    steps: list[tuple[str, str, dict[str, str]]] = []
    if work.reads:
        steps.append(("Reading the code first.", "read_file", {"path": work.reads[0]}))
    steps += [
        (f"Writing {path}.", "write_file", {"path": path, "content": text})
        for path, text in work.writes
    ]
    steps.append(("Running the tests.", "run_command", {"command": TEST_COMMAND}))
    steps.append(("Done.", "finish", {"summary": work.summary}))
    turns = []
    for (content, tool, arguments), usage in zip(
        steps, split_usage(work.tokens, len(steps)), strict=True
    ):
        turns.append(
            {
                "content": content,
                "toolCalls": [{"name": tool, "arguments": arguments}],
                "usage": usage,
                "delayMs": usage["completion_tokens"] // _TOKENS_PER_MS,
            }
        )
    return turns


def example_script() -> dict[str, Any]:
    """The scripted model's script: per lane's exact model id, per task, the turns it answers."""
    ids = model_ids()
    models: dict[str, Any] = {ids[lane]: {"tasks": {}} for lane in ids}
    for task in example_tasks():
        for lane, work in task.lanes.items():
            models[ids[lane]]["tasks"][task.id] = lane_turns(work)
    return {"defaults": {"delayMs": 0}, "models": models}


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings (file contents) as readable ``|`` blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_str)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_example(
    directory: str | Path, *, base_url: str = DEFAULT_BASE_URL, force: bool = False
) -> Path:
    """Write the complete example into ``directory``; returns the path of its release config."""
    root = Path(directory)
    config_path = root / CONFIG_FILE
    if config_path.exists() and not force:
        raise UsageError(f"{config_path} exists already; pass --force to overwrite the example")
    _write(config_path, config_text(base_url))
    for task in example_tasks():
        folder = root / "slices" / task.slice / task.id
        shutil.rmtree(folder, ignore_errors=True)
        _write(folder / "task.yaml", task.task_yaml)
        for path, text in task.files.items():
            _write(folder / "repo" / path, text)
    script = yaml.dump(example_script(), Dumper=_BlockDumper, sort_keys=False, width=100)
    _write(root / SCRIPT_FILE, script)
    _write(root / "README.md", (data_root() / "README.md").read_text("utf-8"))
    return config_path
