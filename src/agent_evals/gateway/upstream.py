"""The upstream seam: how the gateway reaches a model endpoint, and an in-process twin.

``HttpUpstream`` keeps one pooled aiohttp session (keep-alive connections to each
endpoint). ``AsgiUpstream`` answers from ASGI apps in the same event loop, with no
sockets, for tests and embedding. Both raise ``UpstreamFailure`` for a failure before the
answer's first byte and ``StreamBroken`` when an answer breaks off part way.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from agent_evals.errors import UpstreamError
from agent_evals.gateway.redact import redact

FailureKind = Literal["connect", "timeout", "broken"]
_KEPT_HEADERS = ("content-type", "retry-after", "x-request-id", "request-id")


class UpstreamFailure(UpstreamError):
    """The endpoint could not be reached or did not answer in time."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class StreamBroken(UpstreamError):
    """The endpoint's answer broke off before its end."""


class Reply(Protocol):
    """An answer whose status and headers have arrived; its body is read or streamed."""

    @property
    def status(self) -> int:
        """The HTTP status."""
        ...

    @property
    def headers(self) -> Mapping[str, str]:
        """The answer's headers worth passing on (content type, request ids, retry-after)."""
        ...

    async def read(self) -> bytes:
        """The whole body."""
        ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives."""
        ...

    def close(self) -> None:
        """Give the connection back (or drop it when the body was not read to its end)."""
        ...


class Upstream(Protocol):
    """Sends requests to model endpoints."""

    async def start(self) -> None:
        """Open connection pools (inside the running event loop)."""
        ...

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """POST ``body``; returns once the status and headers are in."""
        ...

    async def get(self, url: str, headers: Mapping[str, str]) -> int:
        """GET ``url`` and return its status (the body is discarded)."""
        ...

    async def close(self) -> None:
        """Close every connection."""
        ...


class _HttpReply:
    __slots__ = ("_response", "headers", "status")

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.headers = {k: v for k in _KEPT_HEADERS if (v := response.headers.get(k))}

    async def read(self) -> bytes:
        try:
            return await self._response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise UpstreamFailure("broken", _describe(exc)) from None

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise StreamBroken(_describe(exc)) from None

    def close(self) -> None:
        self._response.release()


class HttpUpstream:
    """Real endpoints over HTTP/1.1 with pooled keep-alive connections."""

    def __init__(self, *, connect_timeout_s: float = 10.0, read_timeout_s: float = 600.0) -> None:
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=connect_timeout_s, sock_read=read_timeout_s
        )
        self._session: aiohttp.ClientSession | None = None
        self._urls: dict[str, tuple[URL, str | None]] = {}

    async def start(self) -> None:
        """Open the session (once)."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=60)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                auto_decompress=False,
                skip_auto_headers=("User-Agent",),
            )

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """POST and wait for the status line and headers."""
        session = self._require()
        target, basic = self._urls.get(url) or self._parse(url)
        try:
            response = await session.post(target, data=body, headers=_with(headers, basic))
        except TimeoutError:
            raise UpstreamFailure("timeout", f"no answer from {_origin(url)} in time") from None
        except aiohttp.ClientError as exc:
            raise UpstreamFailure("connect", f"{_origin(url)}: {_describe(exc)}") from None
        return _HttpReply(response)

    def _parse(self, url: str) -> tuple[URL, str | None]:
        """Parse a URL once (the gateway posts to a handful of fixed endpoints); credentials
        in it become a Basic ``authorization`` used when the request brings none, since
        aiohttp refuses a URL with credentials beside an ``authorization`` header."""
        parsed = URL(url)
        basic = None
        if parsed.user is not None:
            pair = f"{parsed.user}:{parsed.password or ''}".encode()
            basic = "Basic " + base64.b64encode(pair).decode()
            parsed = parsed.with_user(None)
        if len(self._urls) < 64:
            self._urls[url] = (parsed, basic)
        return parsed, basic

    async def get(self, url: str, headers: Mapping[str, str]) -> int:
        """GET and discard the body."""
        target, basic = self._urls.get(url) or self._parse(url)
        try:
            async with self._require().get(target, headers=_with(headers, basic)) as response:
                await response.read()
                return response.status
        except TimeoutError:
            raise UpstreamFailure("timeout", f"no answer from {_origin(url)} in time") from None
        except aiohttp.ClientError as exc:
            raise UpstreamFailure("connect", f"{_origin(url)}: {_describe(exc)}") from None

    async def close(self) -> None:
        """Close the pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _require(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise UpstreamError("the upstream session is not started; call start() first")
        return self._session


def _with(headers: Mapping[str, str], basic: str | None) -> Mapping[str, str]:
    if basic is None or any(k.lower() == "authorization" for k in headers):
        return headers
    return {**headers, "authorization": basic}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _describe(exc: BaseException) -> str:
    # Client errors may quote the URL, credentials and all.
    return redact(f"{type(exc).__name__}: {exc}") if str(exc) else type(exc).__name__


_Piece = bytes | StreamBroken | None


class _AsgiReply:
    def __init__(self, status: int, headers: Mapping[str, str], queue: asyncio.Queue[_Piece]):
        self.status = status
        self.headers = headers
        self._queue = queue

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    async def chunks(self) -> AsyncIterator[bytes]:
        while (piece := await self._queue.get()) is not None:
            if isinstance(piece, StreamBroken):
                raise piece
            yield piece

    def close(self) -> None:
        return None


Asgi = Any


class AsgiUpstream:
    """Endpoints served by ASGI apps in this event loop, chosen by the URL's host and port."""

    def __init__(self, apps: Mapping[str, Asgi]) -> None:
        self.apps = dict(apps)

    async def start(self) -> None:
        """Nothing to open."""

    async def close(self) -> None:
        """Nothing to close."""

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """Run the app for one request; returns once it started its answer."""
        return await self._call("POST", url, body, headers)

    async def get(self, url: str, headers: Mapping[str, str]) -> int:
        """Run the app for one GET and return its status."""
        reply = await self._call("GET", url, b"", headers)
        await reply.read()
        return reply.status

    async def _call(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        parts = urlsplit(url)
        app = self.apps.get(parts.netloc)
        if app is None:
            raise UpstreamFailure("connect", f"nothing serves {_origin(url)}")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": parts.scheme,
            "path": parts.path,
            "raw_path": parts.path.encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "server": (parts.hostname, parts.port),
            "client": ("127.0.0.1", 0),
        }
        started: asyncio.Future[tuple[int, dict[str, str]]] = asyncio.Future()
        queue: asyncio.Queue[_Piece] = asyncio.Queue()
        task = asyncio.create_task(_run_app(app, scope, body, started, queue))
        try:
            status, reply_headers = await asyncio.shield(started)
        except Exception as exc:
            task.cancel()
            raise UpstreamFailure("connect", f"{_origin(url)}: {_describe(exc)}") from None
        return _AsgiReply(status, reply_headers, queue)


async def _run_app(
    app: Asgi,
    scope: dict[str, Any],
    body: bytes,
    started: asyncio.Future[tuple[int, dict[str, str]]],
    queue: asyncio.Queue[_Piece],
) -> None:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    finished = False

    async def send(message: dict[str, Any]) -> None:
        nonlocal finished
        if message["type"] == "http.response.start":
            raw = message.get("headers", [])
            kept = {k.decode().lower(): v.decode() for k, v in raw}
            chosen = {k: kept[k] for k in _KEPT_HEADERS if k in kept}
            started.set_result((message["status"], chosen))
        elif message["type"] == "http.response.body":
            if message.get("body"):
                queue.put_nowait(message["body"])
            if not message.get("more_body", False):
                finished = True
                queue.put_nowait(None)

    try:
        await app(scope, receive, send)
    except Exception as exc:
        if not started.done():
            started.set_exception(exc)
            return
    if not finished:
        queue.put_nowait(StreamBroken("the app ended its answer before the last chunk"))
