"""Writing a harvested task folder: ``task.yaml`` (snapshot, verify, scope, risk, source) and
``instruction.md`` (the commit message, linked issues and the tests to make pass)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from agent_evals.tasks.folders import INSTRUCTION_FILE, TASK_FILE
from agent_evals.tasks.harvest.classify import Classification
from agent_evals.tasks.harvest.screen import Candidate
from agent_evals.tasks.harvest.snapshots import SNAPSHOTS, Snapshot

_ISSUE_REF = re.compile(r"(?:^|[\s(])#(\d+)\b")
_TEST_NAME = re.compile(r"^\+\s*(?:async\s+)?def\s+(test\w*)|^\+\s*class\s+(Test\w*)", re.M)


@dataclass(frozen=True)
class HarvestedTask:
    """A task the harvest wrote: where, its kind and the change it came from."""

    id: str
    directory: Path
    kind: str
    risk: str
    commit: str


def task_id(candidate: Candidate) -> str:
    """``<subject slug>-<short commit>``: readable and unique per change."""
    slug = re.sub(r"[^a-z0-9]+", "-", candidate.change.subject.lower()).strip("-")[:48]
    return f"{slug.rstrip('-') or 'change'}-{candidate.change.commit[:8]}"


def test_names(diff: str) -> list[str]:
    """Test functions and classes the change adds or edits, from its unified diff."""
    return list(dict.fromkeys(a or b for a, b in _TEST_NAME.findall(diff)))


def linked_issues(message: str, issues: Mapping[str, str]) -> list[str]:
    """The texts of the issues a commit message refers to (``#12``), when ``issues`` has them."""
    numbers = dict.fromkeys(_ISSUE_REF.findall(message))
    return [f"Issue #{n}:\n\n{issues[n].strip()}" for n in numbers if n in issues]


def instruction_text(candidate: Candidate, names: Sequence[str], issues: Sequence[str]) -> str:
    """The commit message, linked issues, then the tests that must pass."""
    parts = [candidate.change.message.strip(), *issues]
    tests = "\n".join(f"- {path}" for path in candidate.runnable)
    ending = f"The work is done when these tests pass (they are in the repository):\n{tests}"
    if names:
        ending += "\n\nTests: " + ", ".join(names)
    return "\n\n".join([*parts, ending]) + "\n"


def scope(candidate: Candidate) -> list[str]:
    """The files the change touched and their folders."""
    paths = [f.path for f in candidate.change.files]
    folders = {str(PurePosixPath(p).parent) for p in paths} - {"."}
    return [*paths, *(f"{folder}/**" for folder in sorted(folders))]


def write_task(
    directory: Path,
    candidate: Candidate,
    snapshot: Snapshot,
    verify: Sequence[str],
    classification: Classification,
    *,
    instruction: str,
    timeout_s: float,
    origin: Path,
) -> HarvestedTask:
    """Write (or rewrite) one task folder."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    spec: dict[str, Any] = {
        "id": directory.name,
        "repo": {"git": f"../{SNAPSHOTS}", "commit": snapshot.start},
        "verify": {"command": list(verify), "timeoutSeconds": timeout_s},
        "scope": scope(candidate),
        "risk": classification.risk,
        "source": {
            "commit": candidate.change.commit,
            "date": candidate.change.date.isoformat(),
            "repository": str(origin.resolve()),
            "kind": classification.kind,
        },
    }
    (directory / TASK_FILE).write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    (directory / INSTRUCTION_FILE).write_text(instruction, encoding="utf-8")
    return HarvestedTask(
        directory.name, directory, classification.kind, classification.risk, snapshot.source
    )
