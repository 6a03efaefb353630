"""Admin endpoints (status, explain, promote, rollback, freeze): bearer token required.

The tokens are read from the variables ``gateway.adminTokenEnv`` (the admin named ``admin``)
and ``gateway.adminTokensEnv`` (named admins, see ``credentials``); with neither set every
admin endpoint answers 503, so an unconfigured gateway is never open. Actions are audited
under the token's name; an ``actor`` the caller gives is kept only as a note in the reason.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from agent_evals.config.models import GatewaySpec
from agent_evals.errors import AgentEvalsError, ConflictError
from agent_evals.gateway.api import ApiModel, error, parse_json
from agent_evals.gateway.control import ReleaseLink
from agent_evals.gateway.credentials import admin_identities, bearer, identify
from agent_evals.reports.rollout_views import decision_view, explanation_view, status_view
from agent_evals.rollout import (
    RolloutDecision,
    explain_task,
    promote,
    rollout_status,
)

Endpoint = Callable[[Request], Awaitable[Response]]


class ActionIn(ApiModel):
    """Why (recorded in the audit log); ``actor`` is a note, the token says who acts."""

    reason: str = Field(default="", max_length=2000)
    actor: str | None = Field(default=None, min_length=1, max_length=200)

    def noted_reason(self, admin: str) -> str:
        """The reason, with the name the caller gave when it is not the token's."""
        if self.actor is None or self.actor == admin:
            return self.reason
        return f"{self.reason} (named actor: {self.actor})"


class PromoteIn(ActionIn):
    """Approve the next stage; ``expected_stage`` guards against acting on a stale view."""

    expected_stage: str | None = None
    force: bool = False


class Admin:
    """The admin endpoints over the release link."""

    def __init__(
        self, link: ReleaseLink, spec: GatewaySpec, environ: Mapping[str, str] | None = None
    ):
        self.link = link
        self.spec = spec
        self.tokens = admin_identities(spec, environ)

    def guarded(self, endpoint: Endpoint) -> Endpoint:
        """``endpoint`` behind the bearer token check; the admin's name goes in its state."""

        async def check(request: Request) -> Response:
            if not self.tokens:
                variables = f"{self.spec.admin_token_env} or {self.spec.admin_tokens_env}"
                return error(503, f"admin endpoints are off: set {variables}")
            admin = identify(self.tokens, bearer(request))
            if admin is None:
                return error(401, "admin endpoints need 'Authorization: Bearer <token>'")
            request.state.admin = admin
            try:
                return await endpoint(request)
            except ConflictError as exc:
                return error(409, str(exc))
            except AgentEvalsError as exc:
                return error(400, str(exc))

        return check

    async def status(self, request: Request) -> Response:
        """Stage, share, live health, assignment check and budget."""
        status = await self.link.io.run(rollout_status, self.link.controller)
        return JSONResponse(_plain(status_view(status)))

    async def explain(self, request: Request) -> Response:
        """Why a task goes where it goes: ``?task_id=...&risk=&slice=&opt=``."""
        query = request.query_params
        task_id = query.get("task_id")
        if not task_id:
            return error(400, "name the task: ?task_id=...")
        opt = query.get("opt")
        explanation = await self.link.io.run(
            explain_task,
            self.link.controller.store,
            self.link.config,
            task_id,
            risk=query.get("risk"),
            slice=query.get("slice"),
            opt=opt if opt in ("in", "out") else None,
        )
        return JSONResponse(_plain(explanation_view(explanation)))

    async def promote(self, request: Request) -> Response:
        """Approve the next stage."""
        parsed = await parse_json(request, PromoteIn)
        if isinstance(parsed, Response):
            return parsed
        controller = self.link.controller
        admin: str = request.state.admin
        return await self._act(
            lambda: promote(
                controller,
                actor=admin,
                reason=parsed.noted_reason(admin),
                expected_stage=parsed.expected_stage,
                force=parsed.force,
            )
        )

    async def rollback(self, request: Request) -> Response:
        """Send every task to the incumbent now."""
        return await self._action(request, "rollback")

    async def freeze(self, request: Request) -> Response:
        """Hold every task on the incumbent and stop the controller."""
        return await self._action(request, "freeze")

    async def unfreeze(self, request: Request) -> Response:
        """Let routing and the controller resume."""
        return await self._action(request, "unfreeze")

    async def _action(self, request: Request, name: str) -> Response:
        parsed = await parse_json(request, ActionIn)
        if isinstance(parsed, Response):
            return parsed
        if not parsed.reason:
            return error(400, f"{name} needs a reason (recorded in the audit log)")
        method = getattr(self.link.controller, name)
        admin: str = request.state.admin
        return await self._act(lambda: method(actor=admin, reason=parsed.noted_reason(admin)))

    async def _act(self, action: Callable[[], RolloutDecision]) -> Response:
        decision = await self.link.io.run(action)
        await self.link.refresh()
        return JSONResponse(_plain(decision_view(decision)))


def _plain(view: dict[str, Any]) -> Any:
    """A view with every value JSON can carry (times and sets as text)."""
    return json.loads(json.dumps(view, default=str))
