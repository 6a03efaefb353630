"""A repository's history as changes: commit, parents, date, message and files touched.

One ``git log`` call reads everything, newest first: ``--raw`` gives each file's status (added,
modified, deleted) and ``--numstat`` its changed lines. Merge commits print no files; they are
kept in the walk so the harvest can count them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from agent_evals.errors import UsageError

_RECORD = "\x1e"
_FIELD = "\x1f"
_FORMAT = f"--format={_RECORD}%H{_FIELD}%P{_FIELD}%aI{_FIELD}%B{_FIELD}"


@dataclass(frozen=True)
class FileChange:
    """One file of a change: its path, status letter (A, M, D, T) and lines added and removed."""

    path: str
    status: str
    added: int
    removed: int
    binary: bool = False

    @property
    def lines(self) -> int:
        """Lines added plus lines removed."""
        return self.added + self.removed


@dataclass(frozen=True)
class Change:
    """One commit of the history; ``date`` is when it was written (the author date)."""

    commit: str
    parents: tuple[str, ...]
    date: datetime
    message: str
    files: tuple[FileChange, ...]

    @property
    def is_merge(self) -> bool:
        """Whether the commit has more than one parent."""
        return len(self.parents) > 1

    @property
    def subject(self) -> str:
        """The first line of the message."""
        return self.message.split("\n", 1)[0].strip()


def git_text(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its output; a usage error naming the repository if not."""
    done = subprocess.run(
        ["git", "-c", "core.quotePath=false", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(
            f"{repo}: git {args[0]} failed ({done.stderr.strip() or 'no output'}); "
            "pass --repo a local git repository with at least one commit"
        )
    return done.stdout


def walk_history(repo: Path, *, since: str | None = None, rev: str = "HEAD") -> Iterator[Change]:
    """Every commit reachable from ``rev``, newest first (``since``: a date git understands)."""
    args = ["log", _FORMAT, "--raw", "--numstat", "--no-renames", "--no-abbrev"]
    if since is not None:
        args.append(f"--since={since}")
    for record in git_text(repo, *args, rev, "--").split(_RECORD)[1:]:
        yield _parse(record)


def _parse(record: str) -> Change:
    commit, parents, date, message, rest = record.split(_FIELD, 4)
    statuses: dict[str, str] = {}
    counts: dict[str, tuple[int, int, bool]] = {}
    for line in rest.splitlines():
        if line.startswith(":"):
            meta, path = line.split("\t", 1)
            statuses[path] = meta.split()[-1][0]
        elif line.count("\t") >= 2:
            added, removed, path = line.split("\t", 2)
            binary = added == "-"
            counts[path] = (0 if binary else int(added), 0 if binary else int(removed), binary)
    files = tuple(
        FileChange(path, statuses.get(path, "M"), *counts.get(path, (0, 0, False)))
        for path in sorted(statuses.keys() | counts.keys())
    )
    return Change(
        commit=commit,
        parents=tuple(parents.split()),
        date=datetime.fromisoformat(date),
        message=message.strip(),
        files=files,
    )
