"""Content hashes of tasks: the same files give the same hash on every machine."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from agent_evals.errors import TaskError
from agent_evals.tasks.folders import INSIDE_RULE
from agent_evals.tasks.globs import match_any

# Caches and VCS metadata never belong to a task's content.
IGNORED_NAMES = frozenset(
    {".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"}
)
IGNORED_SUFFIXES = (".pyc", ".pyo")


def iter_files(
    root: Path, exclude: Iterable[str] = (), *, sealed: Path | None = None
) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, path) of every file under ``root``, sorted by relative path.

    Raises :class:`TaskError` for a FIFO, socket or device (reading one would hang or never
    end) and for a symlink that is absolute or leads out of ``root``, or out of ``sealed`` for
    links under that folder (the snapshot, which is copied into workspaces on its own).
    """
    patterns = tuple(exclude)
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in IGNORED_NAMES]
        base = Path(folder)
        bound = sealed if sealed is not None and base.is_relative_to(sealed) else root
        for name in dirs:
            if os.path.islink(base / name):
                _check_link(base / name, bound)
        for name in files:
            if name in IGNORED_NAMES:
                continue
            path = base / name
            rel = path.relative_to(root).as_posix()
            if match_any(patterns, rel):
                continue
            _check_file(path, bound)
            if not name.endswith(IGNORED_SUFFIXES):
                found.append((rel, path))
    return iter(sorted(found))


_SPECIAL = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"))


def _check_file(path: Path, bound: Path) -> None:
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        _check_link(path, bound)
    elif not stat.S_ISREG(mode):
        kind = next((k for test, k in _SPECIAL if test(mode)), "a device")
        raise TaskError(
            f"{path}: {kind}, not a regular file; a task folder holds only files, folders and "
            "symlinks that stay inside it: remove it"
        )


def _check_link(path: Path, bound: Path) -> None:
    target = os.readlink(path)
    if os.path.isabs(target) or not Path(os.path.realpath(path)).is_relative_to(bound):
        raise TaskError(
            f"{path}: a symlink to {target}, which leads out of {bound}; {INSIDE_RULE} "
            "(a link must be relative and stay inside): copy the file in instead"
        )


def _file_bytes(path: Path) -> bytes:
    if path.is_symlink():
        return b"symlink:" + os.readlink(path).encode()
    return path.read_bytes()


def hash_files(files: Iterable[tuple[str, Path]], extra: Iterable[str] = ()) -> str:
    """sha256 over each file's relative path and bytes, then over ``extra`` strings."""
    digest = hashlib.sha256()
    for rel, path in files:
        data = _file_bytes(path)
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    for item in extra:
        digest.update(f"extra\0{item}\0".encode())
    return "sha256:" + digest.hexdigest()


def hash_folder(root: Path, exclude: Iterable[str] = (), extra: Iterable[str] = ()) -> str:
    """The content hash of every file under ``root`` (plus ``extra`` strings)."""
    return hash_files(iter_files(root, exclude), extra)


def task_hash(directory: Path, snapshot: Path | None, tree: str | None = None) -> str:
    """sha256 over the task folder's files (its snapshot is inside it) and a git tree id.

    The walk refuses special files and symlinks leading out (see :func:`iter_files`), so it
    runs before anything else of the task is read.
    """
    files = list(iter_files(directory, sealed=snapshot))
    return hash_files(files, [tree] if tree else [])
