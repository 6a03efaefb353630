"""Stopping a replay on SIGINT or SIGTERM at once, with nothing left running.

The agents run in their own sessions, so a terminal's Ctrl-C never reaches them: the replay
kills their process groups itself, then unwinds as an interrupt. The runs already stored
stay, the workspaces are removed on the way out, and the command exits 4 (``--resume``
carries on). A replay killed with SIGKILL cannot do this; its agents die with it
(``PR_SET_PDEATHSIG``) and the next replay removes its workspaces.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from agent_evals.harness.agents.process import resume_processes, stop_all_processes

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM kill every agent, verify and lint process at once.

    The first signal raises :class:`KeyboardInterrupt` in the main thread; later ones only
    kill again, so the cleanup on the way out is not cut short. Outside the main thread
    (where Python cannot take signals) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        stop_all_processes()
        if not raised:
            raised = True
            raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, stop) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        resume_processes()
