"""What each changed path is: a test, vendored or generated code, docs, a manifest, a migration.

The globs follow the conventions of pytest and unittest (``test_*.py``, ``*_test.py``,
``tests/``), Go (``*_test.go``) and JavaScript (``*.test.js``, ``__tests__/``);
``harvest.testPaths`` replaces the test globs for other layouts.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent_evals.tasks.globs import match_any

TEST_PATHS = (
    "**/test_*.py",
    "**/*_test.py",
    "**/tests/**",
    "**/test/**",
    "**/*_test.go",
    "**/*.test.*",
    "**/*.spec.*",
    "**/__tests__/**",
)
# Files a test runner is given by name; other files under tests/ (conftest, fixtures, helpers)
# go into the snapshot but are not run on their own.
RUNNABLE_TESTS = (
    "**/test_*.py",
    "**/*_test.py",
    "**/*_test.go",
    "**/*.test.*",
    "**/*.spec.*",
)
VENDORED_PATHS = (
    "**/vendor/**",
    "**/vendored/**",
    "**/_vendor/**",
    "**/third_party/**",
    "**/node_modules/**",
)
GENERATED_PATHS = (
    "**/*.lock",
    "**/package-lock.json",
    "**/*_pb2.py",
    "**/*_pb2_grpc.py",
    "**/*.pb.go",
    "**/*.min.js",
    "**/*.min.css",
    "**/generated/**",
    "**/*.generated.*",
    "**/dist/**",
)
DOC_PATHS = ("**/*.md", "**/*.rst", "**/docs/**", "**/LICENSE*", "**/CHANGELOG*")
MANIFEST_PATHS = (
    "**/pyproject.toml",
    "**/setup.py",
    "**/setup.cfg",
    "**/requirements*.txt",
    "**/Pipfile",
    "**/package.json",
    "**/go.mod",
    "**/Cargo.toml",
    "**/Gemfile",
    "**/pom.xml",
    "**/build.gradle*",
)
MIGRATION_PATHS = (
    "**/migrations/**",
    "**/alembic/**",
    "**/*.sql",
    "**/schema.*",
    "**/schema/**",
)
ONBOARDING_PATHS = (
    "**/Makefile",
    "**/Dockerfile",
    "**/docker-compose*",
    "**/.github/**",
    "**/.ci/**",
    "**/.gitlab-ci.yml",
    "**/tox.ini",
    "**/noxfile.py",
    "**/.pre-commit-config.yaml",
    "**/AGENTS.md",
    "**/CLAUDE.md",
    "**/CONTRIBUTING*",
)


@dataclass(frozen=True)
class PathKinds:
    """Classifies repository paths; ``tests`` replaces the default test globs."""

    tests: tuple[str, ...] = TEST_PATHS
    runnable: tuple[str, ...] = RUNNABLE_TESTS

    def is_test(self, path: str) -> bool:
        """A test file (and not docs or fixtures data a test folder may hold)."""
        return match_any(self.tests, path) and not match_any(DOC_PATHS, path)

    def is_runnable(self, path: str) -> bool:
        """A test file a runner is given by name."""
        return self.is_test(path) and match_any(self.runnable, path)

    def is_vendored(self, path: str) -> bool:
        """Code copied in from elsewhere."""
        return match_any(VENDORED_PATHS, path)

    def is_generated(self, path: str) -> bool:
        """A lock file, a build output or generated code."""
        return match_any(GENERATED_PATHS, path)

    def is_foreign(self, path: str) -> bool:
        """Vendored or generated: not the repository's own code."""
        return self.is_vendored(path) or self.is_generated(path)

    def is_doc(self, path: str) -> bool:
        """Documentation."""
        return match_any(DOC_PATHS, path)
