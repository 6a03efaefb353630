"""Who may call what: the admins' tokens and the release's ingest token.

Admin tokens carry an identity: ``AGENT_EVALS_ADMIN_TOKENS`` holds ``name:token`` entries
(comma- or line-separated, or the path of a file of them), and the single
``AGENT_EVALS_ADMIN_TOKEN`` is the admin named ``admin``. The audit log records that name,
never one the caller chooses.

Outcomes and reviews drive the controller, so they need the release's ingest token, distinct
from every admin token: the value of ``AGENT_EVALS_INGEST_TOKEN``, else one derived from the
admin token as HMAC-SHA256(admin token, ``"ingest:" + release id``) (RFC 2104), so each
release has its own and ``agent-evals serve --print-ingest-token`` can print it. A caller
proves it holds the token with ``Authorization: Bearer <token>`` or by signing the body:
``X-Agent-Evals-Signature: sha256=<hex HMAC-SHA256(token, body)>``. Every comparison is
constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from agent_evals.config.models import GatewaySpec
from agent_evals.errors import ConfigError
from agent_evals.gateway.api import error

Endpoint = Callable[[Request], Awaitable[Response]]
SIGNATURE_HEADER = "x-agent-evals-signature"
SINGLE_ADMIN = "admin"


def sign(token: str, body: bytes) -> str:
    """The ``X-Agent-Evals-Signature`` value of ``body`` under ``token``."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def derived_ingest_token(admin_token: str, release_id: str) -> str:
    """The release's ingest token derived from the admin token (one per release)."""
    message = f"ingest:{release_id}".encode()
    return hmac.new(admin_token.encode(), message, hashlib.sha256).hexdigest()


def ingest_token(
    spec: GatewaySpec, release_id: str, environ: Mapping[str, str] | None = None
) -> str | None:
    """The ingest token: set explicitly, else derived from the admin token, else ``None``."""
    env = os.environ if environ is None else environ
    if token := env.get(spec.ingest_token_env):
        if token in admin_identities(spec, env):
            raise ConfigError(
                "is an admin token; give outcome reporters a token of their own "
                "(or unset it to derive one per release)",
                key=spec.ingest_token_env,
            )
        return token
    admin = env.get(spec.admin_token_env)
    return derived_ingest_token(admin, release_id) if admin else None


def admin_identities(spec: GatewaySpec, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each admin token with the name the audit log records for it."""
    env = os.environ if environ is None else environ
    names: dict[str, str] = {}
    if single := env.get(spec.admin_token_env):
        names[single] = SINGLE_ADMIN
    if listed := env.get(spec.admin_tokens_env):
        names.update(_parse_admins(listed, spec.admin_tokens_env))
    return names


def _parse_admins(value: str, variable: str) -> dict[str, str]:
    path = Path(value.strip())
    if "\n" not in value and path.is_file():
        value = path.read_text(encoding="utf-8")
    names = {}
    for entry in value.replace("\n", ",").split(","):
        if not (entry := entry.strip()) or entry.startswith("#"):
            continue
        name, sep, token = entry.partition(":")
        if not sep or not name.strip() or not token.strip():
            raise ConfigError(
                f"an entry is not 'name:token' (entries are comma- or line-separated); "
                f"write e.g. alice:{'<token>'}",
                key=variable,
            )
        names[token.strip()] = name.strip()
    return names


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def identify(tokens: Mapping[str, str], given: str | None) -> str | None:
    """The name of the admin whose token was given, comparing each in constant time."""
    if given is None:
        return None
    found = None
    # Every token is compared, so the time taken does not say which one matched.
    for token, name in tokens.items():
        if hmac.compare_digest(token.encode(), given.encode()):
            found = name
    return found


class IngestGuard:
    """Puts the outcome and review endpoints behind the release's ingest token."""

    def __init__(self, spec: GatewaySpec, release_id: str, environ: Mapping[str, str] | None):
        self.token = ingest_token(spec, release_id, environ)
        self.variable = spec.ingest_token_env
        self.admin_variable = spec.admin_token_env

    def guarded(self, endpoint: Endpoint) -> Endpoint:
        """``endpoint`` behind the ingest token (bearer or body signature)."""

        async def check(request: Request) -> Response:
            if self.token is None:
                return error(
                    503,
                    f"outcome endpoints are off: set {self.variable} (or {self.admin_variable},"
                    " to derive one per release: agent-evals serve --print-ingest-token)",
                )
            if not await self.admits(request, self.token):
                return error(
                    401,
                    "outcomes and reviews need the release's ingest token: "
                    "'Authorization: Bearer <token>' or "
                    "'X-Agent-Evals-Signature: sha256=<HMAC-SHA256 of the body>'",
                )
            return await endpoint(request)

        return check

    @staticmethod
    async def admits(request: Request, token: str) -> bool:
        """Whether the request carries ``token`` as a bearer or signs its body with it."""
        given = bearer(request)
        if given is not None:
            return hmac.compare_digest(given.encode(), token.encode())
        signature = request.headers.get(SIGNATURE_HEADER)
        if signature is None:
            return False
        expected = sign(token, await request.body())
        return hmac.compare_digest(expected.encode(), signature.strip().encode())
