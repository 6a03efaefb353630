"""Headless Chromium for page tests: console errors, outside requests and dialogs recorded."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Visit:
    """A page as headless Chromium saw it, with everything that went wrong on the way."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    accept_dialogs: bool = False

    def answer(self, dialog: Any) -> None:
        """Record a dialog and accept or dismiss it."""
        self.dialogs.append(dialog.message)
        if self.accept_dialogs:
            dialog.accept()
        else:
            dialog.dismiss()


@contextmanager
def chromium_session(chromium: Path) -> Iterator[Callable[..., Visit]]:
    """Open addresses in Debian's Chromium; requests leaving 127.0.0.1 are recorded and cut."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=FLAGS)

        def visit(url: str, viewport: dict[str, int] = DESKTOP) -> Visit:
            page = browser.new_page(viewport=viewport)
            seen = Visit(page)
            page.on("console", lambda m: m.type == "error" and seen.console_errors.append(m.text))
            page.on("pageerror", lambda e: seen.console_errors.append(str(e)))
            page.on("dialog", seen.answer)

            def route(r: Any) -> None:
                if urlsplit(r.request.url).hostname == "127.0.0.1":
                    r.continue_()
                else:
                    seen.outside_requests.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(url)
            return seen

        yield visit
        browser.close()


def drawn_pixels(page: Any, selector: str) -> int:
    """How many pixels of a canvas are not blank."""
    return int(
        page.eval_on_selector(
            selector,
            """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                      let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; }
                      return n; }""",
        )
    )


def artifact_dir() -> Path:
    """``test-artifacts/`` at the repository root, where screenshots go (git-ignored)."""
    path = Path(__file__).resolve().parents[2] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@contextmanager
def serving(directory: Path) -> Iterator[str]:
    """Serve a folder's files from 127.0.0.1; yields the base address."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
