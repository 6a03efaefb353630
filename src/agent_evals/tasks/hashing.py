"""Content hashes of tasks: the same files give the same hash on every machine."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from agent_evals.tasks.globs import match_any

# Caches and VCS metadata never belong to a task's content.
IGNORED_NAMES = frozenset(
    {".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"}
)
IGNORED_SUFFIXES = (".pyc", ".pyo")


def iter_files(root: Path, exclude: Iterable[str] = ()) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, path) of every file under ``root``, sorted by relative path."""
    patterns = tuple(exclude)
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in IGNORED_NAMES]
        base = Path(folder)
        for name in files:
            if name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES):
                continue
            path = base / name
            rel = path.relative_to(root).as_posix()
            if not match_any(patterns, rel):
                found.append((rel, path))
    return iter(sorted(found))


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
    """sha256 over the task folder's files, the snapshot's files and a git tree id."""
    files = list(iter_files(directory))
    if snapshot is not None and not snapshot.is_relative_to(directory):
        files += [(f"@snapshot/{rel}", p) for rel, p in iter_files(snapshot)]
    return hash_files(files, [tree] if tree else [])
