"""The size of a change from its unified diff (a SWE-bench ``model_patch``)."""

from __future__ import annotations

import re

from agent_evals.records import DiffStats

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def diff_stats(patch: str | None) -> DiffStats:
    """Files changed and lines added and removed by a unified diff; zeros for no patch.

    Hunk headers give each hunk's length, so a removed line that reads ``--- x`` is
    still counted as a line, not taken for a file header.
    """
    files: set[str] = set()
    added = removed = old_left = new_left = 0
    old_path = ""
    for line in (patch or "").splitlines():
        if old_left > 0 or new_left > 0:
            tag = line[:1]
            if tag == "+":
                added, new_left = added + 1, new_left - 1
            elif tag == "-":
                removed, old_left = removed + 1, old_left - 1
            elif tag != "\\":  # a context line; "\ No newline at end of file" is neither
                old_left, new_left = old_left - 1, new_left - 1
        elif line.startswith("diff --git "):
            files.add(line.rsplit(" b/", 1)[-1])
        elif line.startswith("--- "):
            old_path = _header_path(line)
        elif line.startswith("+++ "):
            new_path = _header_path(line)
            files.add(new_path if new_path != "/dev/null" else old_path)
        elif match := _HUNK.match(line):
            old_left, new_left = int(match[1] or 1), int(match[2] or 1)
    return DiffStats(len(files), added, removed)


def _header_path(line: str) -> str:
    path = line[4:].split("\t", 1)[0].strip()
    return path[2:] if path[:2] in ("a/", "b/") else path
