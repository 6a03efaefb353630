"""A reader child dies with its import, even an import killed with SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent_evals.importers.prefetch import can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork to read in a child process")

# An import whose writer stops reading: its reader child fills the pipe and waits in send.
STALLED_IMPORT = """
import itertools, os, sys, time
from agent_evals.importers.prefetch import forked

rows = forked(itertools.count(), None, lambda state: None)
next(rows)
print(os.getpid(), flush=True)
time.sleep(600)
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigkill_of_an_import_leaves_no_reader_child() -> None:
    argv = [sys.executable, "-c", STALLED_IMPORT]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as importer:
        assert importer.stdout is not None
        pid = int(importer.stdout.readline())
        [reader] = _children(pid)
        importer.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 30
    while _alive(reader) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(reader), f"reader {reader} outlived its import"
