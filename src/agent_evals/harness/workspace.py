"""Workspaces: a fresh git checkout of a task's repository for every run.

Each task's repository is prepared once as a template — a snapshot copied and committed as
the base, or a git repository cloned at its commit — and every run gets its own copy of the
template. Because the base is a commit, the diff a run makes includes new and deleted files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent_evals.errors import HarnessError
from agent_evals.harness.agents.environment import child_environment
from agent_evals.harness.leftovers import PREFIX, claim, release, remove_leftovers
from agent_evals.tasks import Task, match_any
from agent_evals.tasks.hashing import IGNORED_NAMES

# Fixed settings so a user's git config (hooks, signing, line endings) never leaks into runs.
GIT_SETTINGS = (
    "-c",
    "user.name=agent-evals",
    "-c",
    "user.email=agent-evals@localhost",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "core.autocrlf=false",
    "-c",
    "core.quotePath=false",
    "-c",
    "init.defaultBranch=main",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.logAllRefUpdates=false",
    "-c",
    "core.fsmonitor=false",
)


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """Run git in ``cwd`` with fixed settings; raise ``HarnessError`` when it fails.

    The agent could leave commands for git in the workspace (a filter driver, say), so git
    gets the allow-listed environment, as the agent did.
    """
    done = subprocess.run(
        ["git", *GIT_SETTINGS, *args],
        cwd=cwd,
        env=child_environment(),
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if check and done.returncode != 0:
        raise HarnessError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


@dataclass(frozen=True)
class Workspace:
    """One run's private checkout and the commit its diff is measured against."""

    path: Path
    base: str


@dataclass(frozen=True)
class _Template:
    path: Path
    base: str


def _copy_ignore(root: Path, exclude: tuple[str, ...]) -> Callable[[str, list[str]], set[str]]:
    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel == "." else f"{rel}/"
        return {n for n in names if n in IGNORED_NAMES or match_any(exclude, prefix + n)}

    return ignore


class Workspaces:
    """Creates and removes run workspaces under one temporary folder.

    With ``reuse`` (several runs per task) each task's base is prepared once and copied;
    without it every workspace is prepared in place, which is cheaper for a single run.
    In the system's temporary folder, the folders of replays that were killed are removed
    first (:mod:`agent_evals.harness.leftovers`).
    """

    def __init__(self, root: Path | None = None, *, keep: bool = False, reuse: bool = True) -> None:
        if root is not None:
            root.mkdir(parents=True, exist_ok=True)
        else:
            remove_leftovers(Path(tempfile.gettempdir()))
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
        self._held = claim(self.root)
        self.keep = keep
        self.reuse = reuse
        self._templates: dict[str, _Template] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def create(self, task: Task, label: str) -> Workspace:
        """A fresh workspace for one run of ``task``; ``label`` names its folder."""
        path = Path(tempfile.mkdtemp(prefix=_safe(label) + "-", dir=self.root))
        if not self.reuse:
            prepared = _prepare(task, path)
            return Workspace(path, prepared.base)
        template = self._template(task)
        try:
            shutil.copytree(template.path, path, symlinks=True, dirs_exist_ok=True)
        except OSError as exc:
            raise HarnessError(f"cannot copy the workspace of task {task.id!r}: {exc}") from exc
        return Workspace(path, template.base)

    def remove(self, workspace: Workspace) -> None:
        """Delete a run's workspace unless workspaces are kept."""
        if not self.keep:
            shutil.rmtree(workspace.path, ignore_errors=True)

    def create_home(self, label: str) -> Path:
        """An empty, private ``HOME`` for one run's processes, beside its workspace.

        The operator's dotfiles (a ``~/.profile`` exporting keys, agent logins) stay out of
        the run, and what the agent writes to its home stays out of the diff.
        """
        return Path(tempfile.mkdtemp(prefix="home-" + _safe(label) + "-", dir=self.root))

    def remove_home(self, home: Path) -> None:
        """Delete a run's home unless workspaces are kept."""
        if not self.keep:
            shutil.rmtree(home, ignore_errors=True)

    def close(self) -> None:
        """Delete the templates and the root folder unless workspaces are kept."""
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
        release(self.root, self._held, keep=self.keep)
        self._held = -1

    def _template(self, task: Task) -> _Template:
        key = task.content_hash + task.id
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._templates:
                path = Path(tempfile.mkdtemp(prefix=_safe(task.id) + "-template-", dir=self.root))
                self._templates[key] = _prepare(task, path)
            return self._templates[key]


def _prepare(task: Task, path: Path) -> _Template:
    try:
        if task.git_repo is not None and task.commit is not None:
            git(path, "clone", "-q", "--shared", "--no-checkout", str(task.git_repo), ".")
            git(path, "checkout", "-q", "--detach", task.commit)
            return _Template(path, task.commit)
        if task.snapshot is not None:
            ignore = _copy_ignore(task.snapshot, task.exclude)
            shutil.copytree(task.snapshot, path, symlinks=True, ignore=ignore, dirs_exist_ok=True)
        git(path, "init", "-q", "--template=")
        git(path, "add", "-A")
        git(path, "commit", "-q", "--allow-empty", "--no-verify", "-m", "agent-evals base")
        return _Template(path, _head(path))
    except OSError as exc:
        raise HarnessError(f"cannot prepare the repository of task {task.id!r}: {exc}") from exc


def _head(repo: Path) -> str:
    # A fresh repository keeps its one branch as a loose ref; reading it saves a process.
    ref = repo / ".git" / "refs" / "heads" / "main"
    if ref.is_file():
        return ref.read_text(encoding="ascii").strip()
    return git(repo, "rev-parse", "HEAD").strip()


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label)[:80]
