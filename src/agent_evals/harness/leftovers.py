"""Workspace folders a killed replay left behind, found and removed by the next replay.

A replay holds an exclusive ``flock`` (flock(2)) on its workspace folder for as long as it runs,
and marks the folder as one of ours. The kernel drops the lock when the process ends however
it ends, SIGKILL included, so a marked folder nobody holds is a leftover: the processes its
runs started (found by the run homes in their environment) are killed, and the folder goes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
from pathlib import Path

MARKER = ".agent-evals-workspaces"
PREFIX = "agent-evals-"


def claim(root: Path) -> int:
    """Lock ``root`` for this process and mark it; returns the descriptor holding the lock.

    On a filesystem without locks it returns -1 and leaves ``root`` unmarked: never taken for
    a leftover, and never removed by another replay.
    """
    # The descriptor is not inherited (PEP 446): the lock ends with this process alone.
    held = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
    except OSError:
        os.close(held)
        return -1
    # Marked only once locked, so another replay never sees a marked folder that is unheld.
    (root / MARKER).touch()
    return held


def release(root: Path, held: int, *, keep: bool) -> None:
    """Give up ``root``; a kept folder loses its mark, so no later replay removes it."""
    if held < 0:
        return
    if keep:
        (root / MARKER).unlink(missing_ok=True)
    os.close(held)


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the marked, unheld workspace folders directly under ``folder``; returns them."""
    removed = []
    for root in sorted(folder.glob(f"{PREFIX}*")):
        if not (root / MARKER).is_file():
            continue
        try:
            held = os.open(root, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(held)  # its replay is still running
            continue
        try:
            _kill_strays(root)
            shutil.rmtree(root, ignore_errors=True)
            removed.append(root)
        finally:
            os.close(held)
    return removed


def _kill_strays(root: Path) -> None:
    """Kill processes whose ``HOME`` is a run home under ``root`` (Linux ``/proc``).

    A killed replay's agents die with it (``PR_SET_PDEATHSIG``), but what they started
    (a test run, a server) does not; it still carries the run's home in its environment.
    """
    mark = f"HOME={root}/".encode()
    proc = Path("/proc")
    if not proc.is_dir():
        return
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if any(item.startswith(mark) for item in environ.split(b"\0")):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)
