"""The OpenAPI 3.1 description of the gateway's own HTTP API, served at ``/openapi.json``.

It covers everything but the model endpoints (those speak their providers' formats):
health, metrics, outcomes and reviews, the GitHub webhook, the admin endpoints and the
dashboard's data. Request bodies are the endpoints' own pydantic models, so the description
cannot drift from what the gateway accepts; schemathesis fuzzes the gateway against it.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from agent_evals.gateway.admin import ActionIn, PromoteIn
from agent_evals.gateway.api import OutcomeIn, ReviewIn

_MODELS: tuple[type[BaseModel], ...] = (OutcomeIn, ReviewIn, ActionIn, PromoteIn)
_REF = "#/components/schemas/{model}"
_ERROR = {"$ref": "#/components/schemas/Error"}
_OBJECT: dict[str, Any] = {"type": "object"}
_REFUSALS = {
    "400": "the body or a parameter is malformed (the message names it)",
    "401": "the token or signature is missing or wrong",
    "413": "the body is over gateway.bodyLimitBytes",
    "503": "the endpoint is off until its token variable is set",
}


async def openapi_endpoint(request: Request) -> Response:
    """``GET /openapi.json``."""
    return JSONResponse(openapi_document(version("agent-evals")))


@cache
def openapi_document(version: str) -> dict[str, Any]:
    """The description, for a gateway of package ``version``."""
    _, defs = models_json_schema([(m, "validation") for m in _MODELS], ref_template=_REF)
    schemas = {
        **defs.get("$defs", {}),
        "Error": {
            "type": "object",
            "properties": {"error": {"type": "string"}},
            "required": ["error"],
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "agent-evals gateway", "version": version},
        "paths": _paths(),
        "components": {"schemas": schemas, "securitySchemes": _SECURITY},
    }


_SECURITY = {
    "admin": {"type": "http", "scheme": "bearer", "description": "an admin token"},
    "ingest": {"type": "http", "scheme": "bearer", "description": "the release's ingest token"},
    "ingestSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Agent-Evals-Signature",
        "description": "sha256=<hex HMAC-SHA256 of the body under the ingest token>",
    },
    "githubSignature": {"type": "apiKey", "in": "header", "name": "X-Hub-Signature-256"},
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(media_type: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: _json(_ERROR, _REFUSALS.get(code, "refused")) for code in codes}


def _post(
    summary: str, model: str, security: list[dict[str, list[str]]], *refusals: str
) -> dict[str, Any]:
    body = {"$ref": _REF.format(model=model)}
    return {
        "post": {
            "summary": summary,
            "security": security,
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {"200": _json(_OBJECT, "done"), **_errors(*refusals)},
        }
    }


def _get(summary: str, ok: dict[str, Any], **more: Any) -> dict[str, Any]:
    responses = {"200": ok, **more.pop("responses", {})}
    return {"get": {"summary": summary, "responses": responses, **more}}


_TASK_QUERY = {"name": "task_id", "in": "query", "required": True, "schema": {"type": "string"}}
_INGEST: list[dict[str, list[str]]] = [{"ingest": []}, {"ingestSignature": []}]
_ADMIN: list[dict[str, list[str]]] = [{"admin": []}]


def _admin_action(summary: str, model: str = "ActionIn") -> dict[str, Any]:
    return _post(summary, model, _ADMIN, "400", "401", "409", "413", "503")


def _paths() -> dict[str, Any]:
    ready = {
        "type": "object",
        "properties": {
            "ready": {"type": "boolean"},
            "problems": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["ready", "problems"],
    }
    admin_get = {"security": _ADMIN, "responses": _errors("400", "401", "503")}
    return {
        "/healthz": _get("the process answers", _json(_OBJECT, "alive")),
        "/readyz": _get(
            "the store takes writes and the incumbent answers its probes",
            _json(ready, "ready"),
            responses={"503": _json(ready, "not ready: the problems say why")},
        ),
        "/metrics": _get("Prometheus metrics", _text("text/plain", "the exposition")),
        "/openapi.json": _get("this description", _json(_OBJECT, "OpenAPI 3.1")),
        "/v1/models": _get("both lanes' model ids", _json(_OBJECT, "a model list")),
        "/api/outcomes": _post(
            "close a live run with its outcome", "OutcomeIn", _INGEST, "400", "401", "413", "503"
        ),
        "/api/reviews": _post(
            "a human count of a task's review follow-ups",
            "ReviewIn",
            _INGEST,
            *("400", "401", "413", "503"),
        ),
        "/webhooks/github": {
            "post": {
                "summary": "pull request reviews, comments and merges of linked tasks",
                "security": [{"githubSignature": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _OBJECT}},
                },
                "responses": {
                    "200": _json(_OBJECT, "applied, or why not"),
                    **_errors("400", "401", "413", "503"),
                },
            }
        },
        "/admin/status": _get(
            "stage, share, health, budget", _json(_OBJECT, "status"), **admin_get
        ),
        "/admin/explain": _get(
            "why a task goes where it goes",
            _json(_OBJECT, "the explanation"),
            parameters=[_TASK_QUERY],
            **admin_get,
        ),
        "/admin/promote": _admin_action("approve the next stage", "PromoteIn"),
        "/admin/rollback": _admin_action("send every task to the incumbent"),
        "/admin/freeze": _admin_action("hold every task on the incumbent"),
        "/admin/unfreeze": _admin_action("let routing and the controller resume"),
        "/dashboard/state": _get("the dashboard's sections, rendered", _json(_OBJECT, "sections")),
        "/dashboard/explain": _get(
            "the routing explainer, rendered",
            _json(_OBJECT, "an HTML fragment"),
            parameters=[_TASK_QUERY],
            responses=_errors("400"),
        ),
    }
