"""``POST /webhooks/github``: review activity and merges on pull requests linked to tasks.

A delivery is trusted only with a valid ``X-Hub-Signature-256`` for the configured secret;
one without a signature header is refused before its body is read. Each signed delivery
counts at most once: it is claimed in the store by its ``X-GitHub-Delivery`` id and by the
digest of its body (a replay under a new or missing id is still a replay), before it is
applied, so a restart or another replica does not count it again. GitHub's signature has
no timestamp, so the seen keys are kept for good. A pull request is linked to a task by its
branch (``gateway.branchPattern``, a regex with a ``task`` group) or by a label
``<gateway.taskLabelPrefix><task id>``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from agent_evals.config.models import GatewaySpec
from agent_evals.gateway.api import error, run_view
from agent_evals.gateway.outcomes import TaskRuns

log = logging.getLogger("agent_evals.gateway")
_SIGNATURE_PREFIX = "sha256="
_LONGEST_KEPT_ID = 90
_COUNTED_REVIEW_STATES = frozenset({"commented", "changes_requested"})


def signature_ok(secret: bytes, body: bytes, header: str) -> bool:
    """Whether ``header`` is the ``sha256=`` HMAC of ``body`` under ``secret``."""
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())


class PullRequestLinks:
    """Finds the task a pull request belongs to."""

    def __init__(self, spec: GatewaySpec) -> None:
        self.branch = re.compile(spec.branch_pattern)
        self.label_prefix = spec.task_label_prefix

    def task_of(self, pull_request: Any) -> str | None:
        """The task id from the head branch, else from a task label."""
        if not isinstance(pull_request, dict):
            return None
        head = pull_request.get("head")
        ref = head.get("ref") if isinstance(head, dict) else None
        if isinstance(ref, str) and (match := self.branch.search(ref)):
            return match.group("task")
        for label in pull_request.get("labels") or ():
            name = label.get("name") if isinstance(label, dict) else None
            if isinstance(name, str) and name.startswith(self.label_prefix):
                return name[len(self.label_prefix) :] or None
        return None


class GithubWebhook:
    """Verifies, de-duplicates and applies GitHub deliveries."""

    def __init__(
        self, runs: TaskRuns, spec: GatewaySpec, environ: Mapping[str, str] | None = None
    ) -> None:
        self.runs = runs
        self.links = PullRequestLinks(spec)
        self.secret_env = spec.github_webhook_secret_env
        self.body_limit = spec.body_limit_bytes
        self._environ = os.environ if environ is None else environ

    async def handle(self, request: Request) -> Response:
        """Handle one delivery."""
        secret = self._environ.get(self.secret_env)
        if not secret:
            return error(503, f"webhooks are off: set {self.secret_env} to the webhook secret")
        signature = request.headers.get("x-hub-signature-256", "")
        if not signature.startswith(_SIGNATURE_PREFIX):
            return self._refused()
        body = await request.body()
        if len(body) > self.body_limit or not signature_ok(secret.encode(), body, signature):
            return self._refused()
        delivery = request.headers.get("x-github-delivery", "")
        event = request.headers.get("x-github-event", "")
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return error(400, "the delivery body is not JSON")
        if not await self._claim(delivery, body):
            return JSONResponse({"delivery": delivery, "applied": False, "why": "duplicate"})
        answer = await self._apply(event, payload if isinstance(payload, dict) else {})
        return JSONResponse({"delivery": delivery, **answer})

    @staticmethod
    def _refused() -> Response:
        log.warning("GitHub delivery refused: bad or missing X-Hub-Signature-256")
        return error(401, "bad signature (X-Hub-Signature-256)")

    async def _claim(self, delivery: str, body: bytes) -> bool:
        """Whether this delivery is new, by its id and its body; recorded in the store."""
        keys = ["body:" + hashlib.sha256(body).hexdigest()]
        if delivery:
            short = len(delivery) <= _LONGEST_KEPT_ID
            keys.append(
                "id:" + delivery if short else "id#" + hashlib.sha256(delivery.encode()).hexdigest()
            )
        store = self.runs.link.controller.store
        return await self.runs.io.run(store.claim_delivery, self.runs.ledger.release, keys)

    async def _apply(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        task_id = self.links.task_of(payload.get("pull_request"))
        if task_id is None:
            return {"applied": False, "why": "pull request not linked to a task"}
        action = payload.get("action")
        if _is_review_activity(event, action, payload):
            record = await self.runs.add_reviews(task_id, 1)
        elif event == "pull_request" and action == "closed":
            merged = bool(payload["pull_request"].get("merged"))
            record = await self.runs.merged(task_id, merged)
        else:
            return {"applied": False, "why": f"{event}/{action} is not counted", "task_id": task_id}
        return {"applied": True, "run": run_view(record)}


def _is_review_activity(event: str, action: Any, payload: dict[str, Any]) -> bool:
    """A new review comment, or a submitted review that says something."""
    if event == "pull_request_review_comment":
        return bool(action == "created")
    return event == "pull_request_review" and action == "submitted" and _counts(payload)


def _counts(payload: dict[str, Any]) -> bool:
    """A submitted review counts when it asks for changes or says something."""
    review = payload.get("review")
    if not isinstance(review, dict):
        return False
    state = str(review.get("state", "")).lower()
    return state in _COUNTED_REVIEW_STATES or bool(review.get("body"))
