"""Replicas agree on the release: a state change made anywhere is in force here within a second.

On PostgreSQL a trigger sends ``NOTIFY`` on every change of ``release_state`` (migration
0004), heard here on a connection of its own; the release state's version is also polled
every ``POLL_S`` seconds, which is how SQLite stores (and a lost listening connection) learn
of changes. Either way the gateway re-reads the state and routes by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from agent_evals.gateway.control import ReleaseLink
from agent_evals.store import Store

log = logging.getLogger("agent_evals.gateway")
POLL_S = 0.25


class StateWatch:
    """Re-reads the routing plan when the release state changes in the store."""

    def __init__(self, link: ReleaseLink, store: Store, poll_s: float = POLL_S) -> None:
        self.link = link
        self.store = store
        self.release = link.config.release.release_id
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None

    async def run_forever(self) -> None:
        """Listen and poll until cancelled.

        Reads go through threads of their own, off the store thread: a slow write queued
        there must not delay a rollback made elsewhere.
        """
        changed = asyncio.Event()
        if self.store.notifies:
            self._listen(asyncio.get_running_loop(), changed)
        seen: int | None = None  # the first look follows the state: it may have changed
        try:  # since the gateway loaded it, before anyone listened
            while True:
                version = await self._version()
                if version is not None and version != seen and await self._follow():
                    seen = version
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), self.poll_s)
                changed.clear()
        finally:
            self._stop.set()

    async def _follow(self) -> bool:
        """Route by the stored state now; False when it cannot be read (tried again)."""
        try:
            state = await asyncio.to_thread(self.link.controller.state)
        except Exception as exc:
            log.warning("cannot read the release state: %s", exc)
            return False
        self.link.route_by(state)
        return True

    async def _version(self) -> int | None:
        try:
            return await asyncio.to_thread(self.store.state_version, self.release)
        except Exception as exc:  # keep routing on the last plan; try again next tick
            log.warning("cannot read the release state version: %s", exc)
            return None

    def _listen(self, loop: asyncio.AbstractEventLoop, changed: asyncio.Event) -> None:
        def notice(release: str) -> None:
            if release == self.release:
                loop.call_soon_threadsafe(changed.set)

        def listen() -> None:
            try:
                self.store.listen_state(self._stop, notice)
            except Exception as exc:  # polling carries on without the notices
                log.warning("not listening for release state notices (polling instead): %s", exc)

        self._listener = threading.Thread(target=listen, name="agent-evals-listen", daemon=True)
        self._listener.start()
