"""Policy rules a repository states itself, in a fenced block of AGENTS.md or CLAUDE.md."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from pydantic import ValidationError

from agent_evals.errors import TaskError
from agent_evals.tasks.models import Policy, PolicySpec
from agent_evals.validation import (
    MAX_LINE_CHARS,
    clip,
    load_yaml,
    render_problems,
    validation_problems,
)

INSTRUCTION_FILES = ("AGENTS.md", "CLAUDE.md")
_BLOCK = re.compile(r"^```agent-evals-policy[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def parse_policy_blocks(text: str, where: str) -> Policy:
    """The policy of every ``agent-evals-policy`` block in a Markdown text, merged."""
    policy = Policy()
    for match in _BLOCK.finditer(text):
        policy = policy.merged(Policy.from_spec(_block_spec(match.group(1), where)))
    return policy


def _block_spec(block: str, where: str) -> PolicySpec:
    try:
        data = load_yaml(block) or {}
        return PolicySpec.model_validate(data)
    except yaml.YAMLError as exc:
        problem = clip(str(exc), MAX_LINE_CHARS)
    except ValidationError as exc:
        found = validation_problems(exc, PolicySpec)
        problem = render_problems([f"{p.key}: {p.detail}" for p in found], "; ")
    raise TaskError(
        f"{where}: the agent-evals-policy block is invalid: {problem}; "
        "use the keys of a task's 'policy' section (forbiddenPaths, maxFilesChanged, "
        "noDependencyChanges, requiredTestCommand)"
    )


def snapshot_policy(snapshot: Path) -> Policy:
    """Rules from the instruction files at the top of a snapshot folder."""
    policy = Policy()
    for name in INSTRUCTION_FILES:
        path = snapshot / name
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            policy = policy.merged(parse_policy_blocks(text, str(path)))
    return policy


def git_policy(repo: Path, commit: str) -> Policy:
    """Rules from the instruction files of a git repository at a commit."""
    policy = Policy()
    for name in INSTRUCTION_FILES:
        shown = subprocess.run(
            ["git", "-C", str(repo), "show", f"{commit}:{name}"],
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
        if shown.returncode == 0:
            where = f"{repo}@{commit[:12]}:{name}"
            policy = policy.merged(parse_policy_blocks(shown.stdout, where))
    return policy
