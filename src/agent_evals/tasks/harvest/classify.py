"""Which of the five kinds a change is, and how risky, from the change itself.

Signals: the code files and lines it changes, the share of its lines that are tests, its
commit message, and whether it touches migrations or schema files, dependency manifests or
the repository's tooling. Rules are tried in order and the first whose every condition holds
decides; ``harvest.classify`` in the config replaces :data:`DEFAULT_RULES`. A rule without a
``risk`` takes the risk of the signals (:func:`signal_risk`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent_evals.config.harvest import ClassifyRule, SliceKind
from agent_evals.tasks.globs import match_any
from agent_evals.tasks.harvest.paths import MANIFEST_PATHS, MIGRATION_PATHS, ONBOARDING_PATHS
from agent_evals.tasks.harvest.screen import Candidate
from agent_evals.types import Risk

FALLBACK_KIND: SliceKind = "refactor-medium"
_REFACTOR_WORDS = r"\b(refactor\w*|renam\w*|mov(e|es|ed)|extract\w*|split\w*|simplif\w*)\b"
_TEST_WORDS = r"\b(tests?|testing|cover\w*)\b"
_FIX_WORDS = r"\b(fix(es|ed)?|bug|regression)\b"
DEFAULT_RULES: tuple[ClassifyRule, ...] = (
    ClassifyRule(kind="migration-risky", risk="high", any_path=MIGRATION_PATHS + MANIFEST_PATHS),
    ClassifyRule(kind="repo-onboarding", any_path=ONBOARDING_PATHS),
    ClassifyRule(kind="test-generation", message=_TEST_WORDS, min_test_share=0.6),
    ClassifyRule(kind="refactor-medium", message=_REFACTOR_WORDS),
    ClassifyRule(kind="bugfix-small", max_code_files=3, max_code_lines=80),
    ClassifyRule(kind="bugfix-small", message=_FIX_WORDS, max_code_files=5),
    ClassifyRule(kind="refactor-medium"),
)


@dataclass(frozen=True)
class Classification:
    """A change's kind, its risk, and the rule that decided (its index in the rules)."""

    kind: SliceKind
    risk: Risk
    rule: int | None


def classify(candidate: Candidate, rules: Sequence[ClassifyRule] | None = None) -> Classification:
    """The first matching rule's kind; :data:`FALLBACK_KIND` when none matches."""
    risk = signal_risk(candidate)
    for index, rule in enumerate(DEFAULT_RULES if rules is None else rules):
        if _matches(rule, candidate):
            return Classification(rule.kind, rule.risk or risk, index)
    return Classification(FALLBACK_KIND, risk, None)


def signal_risk(candidate: Candidate) -> Risk:
    """High when migrations, schema or dependencies change; medium past 5 files or 200 lines."""
    paths = [f.path for f in candidate.change.files]
    if any(match_any(MIGRATION_PATHS + MANIFEST_PATHS, p) for p in paths):
        return "high"
    if len(candidate.code) > 5 or sum(f.lines for f in candidate.code) > 200:
        return "medium"
    return "low"


def _matches(rule: ClassifyRule, candidate: Candidate) -> bool:
    code_files = len(candidate.code)
    code_lines = sum(f.lines for f in candidate.code)
    test_lines = sum(f.lines for f in candidate.tests)
    checks = (
        not rule.any_path or any(match_any(rule.any_path, f.path) for f in candidate.change.files),
        rule.message is None
        or re.search(rule.message, candidate.change.message, re.IGNORECASE) is not None,
        rule.max_code_files is None or code_files <= rule.max_code_files,
        rule.max_code_lines is None or code_lines <= rule.max_code_lines,
        rule.min_code_files is None or code_files >= rule.min_code_files,
        rule.min_test_share is None
        or test_lines >= rule.min_test_share * max(code_lines + test_lines, 1),
    )
    return all(checks)
