"""The snapshot repository of a harvested slice: one bare git repository beside its tasks.

Each task's starting point is a commit in ``<slice>/snapshots.git``: the parent of the source
change with the change's new or modified tests applied, made with git's plumbing (a private
index, ``write-tree``, ``commit-tree``) so no working tree is checked out. The source change
itself is kept there too (``refs/harvest/source/<task>``), so the slice needs nothing of the
original repository to replay and to check. Git stores the shared files once.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_evals.errors import UsageError

SNAPSHOTS = "snapshots.git"
# Fixed identity and settings: a user's git config (hooks, signing) never leaks in.
_SETTINGS = ("-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false")
_IDENTITY = {
    "GIT_AUTHOR_NAME": "agent-evals",
    "GIT_AUTHOR_EMAIL": "agent-evals@localhost",
    "GIT_COMMITTER_NAME": "agent-evals",
    "GIT_COMMITTER_EMAIL": "agent-evals@localhost",
}


@dataclass(frozen=True)
class Snapshot:
    """A task's starting commit and the source change's commit, both in the snapshot repo."""

    repo: Path
    start: str
    source: str


class SnapshotRepo:
    """The bare repository at ``<slice folder>/snapshots.git``, created on first use."""

    def __init__(self, slice_dir: Path) -> None:
        self.path = slice_dir.resolve() / SNAPSHOTS
        if not (self.path / "HEAD").is_file():
            self.path.mkdir(parents=True, exist_ok=True)
            self._git("init", "-q", "--bare", "--template=")

    def add(
        self, origin: Path, commit: str, parent: str, tests: Sequence[str], task_id: str
    ) -> Snapshot:
        """Copy ``commit`` from ``origin`` and build the task's start: ``parent`` + ``tests``."""
        source_ref = f"refs/harvest/source/{task_id}"
        self._git("fetch", "-q", "--no-tags", str(origin.resolve()), f"+{commit}:{source_ref}")
        with tempfile.TemporaryDirectory(prefix="agent-evals-index-") as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self._git("read-tree", parent, env=env)
            for path in tests:
                mode, _, blob = self._git("ls-tree", commit, "--", path).split("\t")[0].split()
                self._git("update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}", env=env)
            tree = self._git("write-tree", env=env).strip()
        date = self._git("show", "-s", "--format=%cI", commit).strip()
        stamp = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, **_IDENTITY}
        message = f"agent-evals harvest: {task_id}\n\nThe parent of {commit} with its tests.\n"
        start = self._git("commit-tree", tree, "-p", parent, "-m", message, env=stamp).strip()
        self._git("update-ref", f"refs/tasks/{task_id}", start)
        return Snapshot(self.path, start, commit)

    def drop(self, task_id: str) -> None:
        """Forget a task's commits (a change that did not pass its check)."""
        for ref in (f"refs/tasks/{task_id}", f"refs/harvest/source/{task_id}"):
            self._git("update-ref", "-d", ref)

    def _git(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["git", *_SETTINGS, "-C", str(self.path), *args],
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
            env={**os.environ, **(env or {})},
        )
        if done.returncode != 0:
            raise UsageError(
                f"{self.path}: git {args[0]} failed: {done.stderr.strip()}; "
                "delete the snapshot repository and harvest again"
            )
        return done.stdout
