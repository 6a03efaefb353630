"""Reading a unified diff (``git diff -U0``) into added and removed lines per file and hunk."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hunk:
    """One hunk: the lines it removed and the lines it added."""

    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True)
class FilePatch:
    """The changes of one file."""

    path: str
    new: bool = False
    deleted: bool = False
    hunks: tuple[Hunk, ...] = ()

    @property
    def added(self) -> list[str]:
        """Every added line of the file."""
        return [line for h in self.hunks for line in h.added]

    @property
    def removed(self) -> list[str]:
        """Every removed line of the file."""
        return [line for h in self.hunks for line in h.removed]


def unquote_path(path: str) -> str:
    """A path as git prints it, without git's C-style quotes."""
    if path.startswith('"') and path.endswith('"'):
        raw = codecs.escape_decode(path[1:-1].encode())[0]
        return bytes(raw).decode("utf-8", errors="replace")
    return path


def _path_of(line: str) -> str | None:
    value = unquote_path(line[4:].rstrip("\n").rstrip("\t"))
    if value == "/dev/null":
        return None
    return value[2:] if value[:2] in ("a/", "b/") else value


@dataclass
class _Building:
    path: str = ""
    new: bool = False
    deleted: bool = False
    hunks: list[Hunk] = field(default_factory=list)


class _Reader:
    def __init__(self) -> None:
        self.files: list[_Building] = []
        self.removed: list[str] = []
        self.added: list[str] = []
        self.in_header = False

    def close_hunk(self) -> None:
        if self.files and (self.removed or self.added):
            self.files[-1].hunks.append(Hunk(tuple(self.removed), tuple(self.added)))
        self.removed, self.added = [], []

    def feed(self, line: str) -> None:
        if line.startswith("diff --git "):
            self.close_hunk()
            self.files.append(_Building())
            self.in_header = True
        elif not self.files:
            return
        elif line.startswith("@@"):
            self.close_hunk()
            self.in_header = False
        elif self.in_header:
            if line.startswith(("--- ", "+++ ")):
                self._header(line)
        elif line.startswith("+"):
            self.added.append(line[1:])
        elif line.startswith("-"):
            self.removed.append(line[1:])

    def _header(self, line: str) -> None:
        current = self.files[-1]
        path = _path_of(line)
        if line.startswith("--- "):
            current.new = path is None
            current.path = path or current.path
        else:
            current.deleted = path is None
            current.path = path or current.path


def parse_patch(patch: str) -> list[FilePatch]:
    """The files of a unified diff, each with its hunks."""
    reader = _Reader()
    for line in patch.splitlines():
        reader.feed(line)
    reader.close_hunk()
    return [FilePatch(f.path, f.new, f.deleted, tuple(f.hunks)) for f in reader.files if f.path]
