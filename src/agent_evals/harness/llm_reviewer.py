"""An optional LLM reviewer: a model on an OpenAI-compatible endpoint reads the task and the
diff and lists the follow-up comments a human reviewer would leave (review source ``llm``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import httpx

from agent_evals.errors import UsageError

SYSTEM_PROMPT = (
    "You review a pull request produced by a coding agent for the task below. List every "
    "follow-up comment a careful human reviewer would leave before approving: unrelated "
    "changes, missing or weakened tests, unclear code, risky edits, style problems. Answer "
    'with one JSON object and nothing else: {"comments": ["...", "..."]}; an empty list '
    "when you would approve as is."
)
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True)
class LlmReview:
    """The reviewer model's follow-up comments on one run."""

    comments: tuple[str, ...]


class LlmReviewer:
    """Asks one reviewer model for the follow-ups on a diff."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        max_diff_chars: int = 40_000,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout_s = timeout_s
        self.max_diff_chars = max_diff_chars

    def review(self, task_id: str, instruction: str, patch: str) -> LlmReview:
        """The comments on one diff; HTTP and answer-format problems raise."""
        shown = patch[: self.max_diff_chars]
        cut = "\n[diff truncated]" if len(patch) > len(shown) else ""
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": f"Task:\n{instruction}\n\nDiff:\n{shown}{cut}"},
            ],
        }
        headers = {**self.headers, "X-Agent-Task-Id": task_id}
        answer = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout_s)
        answer.raise_for_status()
        content = answer.json()["choices"][0]["message"]["content"] or ""
        return LlmReview(parse_comments(content))


def parse_comments(content: str) -> tuple[str, ...]:
    """The comments of a reviewer answer (a JSON object, possibly inside prose or a fence)."""
    found = _JSON_OBJECT.search(content)
    if found is None:
        raise ValueError(f"the reviewer answered without a JSON object: {content[:200]!r}")
    comments = json.loads(found.group(0)).get("comments")
    if not isinstance(comments, list) or not all(isinstance(c, str) for c in comments):
        raise ValueError('the reviewer answer needs {"comments": [strings]}')
    return tuple(c.strip() for c in comments if c.strip())


def reviewer_from_config(
    base_url: str | None, model: str, api_key: str | None, timeout_s: float, max_diff_chars: int
) -> LlmReviewer:
    """The LLM reviewer of ``reviewer.llm``; its model must have a ``baseUrl``."""
    if not base_url:
        raise UsageError(
            f"reviewer.llm.model {model!r} has no baseUrl; describe it under models "
            "with the OpenAI-compatible endpoint to use"
        )
    return LlmReviewer(
        base_url, model, api_key=api_key, timeout_s=timeout_s, max_diff_chars=max_diff_chars
    )
