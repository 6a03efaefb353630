"""Applying the example's unified diffs (``--- a/path`` / ``+++ b/path``) to in-memory files."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(ValueError):
    """A patch does not apply to the files it names."""


@dataclass(frozen=True)
class _Hunk:
    start: int  # index of the first old line the hunk covers
    lines: tuple[tuple[str, str], ...]  # (tag, text): tag is " ", "-" or "+"


def apply_patch(files: Mapping[str, str], patch: str) -> dict[str, str]:
    """The new content of every file ``patch`` changes or creates, by path."""
    changed: dict[str, str] = {}
    for old_path, new_path, hunks in _file_sections(patch.splitlines(keepends=True)):
        if new_path is None:
            raise PatchError(f"the patch deletes {old_path}; example patches only edit or add")
        if old_path is None:
            before: list[str] = []
        elif old_path in files:
            before = files[old_path].splitlines(keepends=True)
        else:
            raise PatchError(f"the patch edits {old_path}, which the repository does not have")
        changed[new_path] = "".join(_apply_hunks(before, hunks, new_path))
    return changed


def _path(header: str) -> str | None:
    value = header[4:].split("\t", 1)[0].strip()
    if value == "/dev/null":
        return None
    return value[2:] if value[:2] in ("a/", "b/") else value


def _file_sections(lines: list[str]) -> Iterator[tuple[str | None, str | None, list[_Hunk]]]:
    i = 0
    while i + 1 < len(lines):
        if not (lines[i].startswith("--- ") and lines[i + 1].startswith("+++ ")):
            i += 1
            continue
        old, new = _path(lines[i]), _path(lines[i + 1])
        i += 2
        hunks: list[_Hunk] = []
        while i < len(lines) and lines[i].startswith("@@"):
            hunk, i = _read_hunk(lines, i)
            hunks.append(hunk)
        yield old, new, hunks


def _read_hunk(lines: list[str], i: int) -> tuple[_Hunk, int]:
    """The hunk whose header is ``lines[i]``, and the index of the line after it."""
    match = _HUNK.match(lines[i])
    if match is None:
        raise PatchError(f"malformed hunk header {lines[i].strip()!r}")
    old_left, new_left = int(match.group(2) or 1), int(match.group(4) or 1)
    start = int(match.group(1)) - (0 if old_left == 0 else 1)
    body: list[tuple[str, str]] = []
    i += 1
    while (old_left or new_left) and i < len(lines):
        line = lines[i]
        # An empty line is a context line whose trailing space an editor stripped.
        tag, text = (" ", line) if line in ("\n", "\r\n") else (line[:1], line[1:])
        i += 1
        if tag == "\\":
            continue
        if tag not in (" ", "-", "+"):
            raise PatchError(f"unexpected line in a hunk: {line.rstrip()!r}")
        body.append((tag, text))
        old_left -= tag != "+"
        new_left -= tag != "-"
    return _Hunk(max(start, 0), tuple(body)), i


def _apply_hunks(before: list[str], hunks: list[_Hunk], path: str) -> list[str]:
    after: list[str] = []
    cursor = 0
    for hunk in hunks:
        after += before[cursor : hunk.start]
        cursor = hunk.start
        for tag, text in hunk.lines:
            if tag == "+":
                after.append(text)
                continue
            if cursor >= len(before) or before[cursor] != text:
                raise PatchError(f"{path}: the patch does not match line {cursor + 1}")
            if tag == " ":
                after.append(text)
            cursor += 1
    return after + before[cursor:]
