"""A small git repository with a history to harvest: what each change is and what it becomes.

Changes, oldest first:
1. the first commit (skipped: nothing before it);
2. a bugfix with a regression test (kept: bugfix-small);
3. a refactor that moves a function into its own module, with its test (kept: refactor-medium);
4. a migration: a SQL file, the schema module and its test (kept: migration-risky, high risk);
5. a change without tests (skipped: no tests);
6. a test for behaviour that already worked (skipped: not failing before);
7. a docs change on a branch (skipped: no tests), merged with a merge commit (skipped: merge).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

AGENTS_MD = """\
# Rules for agents

```agent-evals-policy
forbiddenPaths: ["secrets/**"]
```
"""
FIRST = {
    "AGENTS.md": AGENTS_MD,
    "README.md": "# calc\n",
    "calc/__init__.py": (
        "def add(a, b):\n    return a + b\n\n\ndef mean(xs):\n    return sum(xs) // len(xs)\n"
    ),
    "tests/__init__.py": "",
    "tests/test_calc.py": (
        "import unittest\n\nfrom calc import add\n\n\n"
        "class AddTest(unittest.TestCase):\n"
        "    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n"
    ),
}
FIXED_MEAN = "def add(a, b):\n    return a + b\n\n\ndef mean(xs):\n    return sum(xs) / len(xs)\n"
MEAN_TEST = (
    "import unittest\n\nfrom calc import add, mean\n\n\n"
    "class AddTest(unittest.TestCase):\n"
    "    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n\n\n"
    "class MeanTest(unittest.TestCase):\n"
    "    def test_mean_of_an_odd_total(self):\n        self.assertEqual(mean([1, 2]), 1.5)\n"
)
ARITH = "def add(a, b):\n    return a + b\n"
INIT_AFTER_MOVE = (
    "from calc.arith import add\n\n\ndef mean(xs):\n    return sum(xs) / len(xs)\n\n\n"
    '__all__ = ["add", "mean"]\n'
)
ARITH_TEST = (
    "import unittest\n\nfrom calc.arith import add\n\n\n"
    "class ArithTest(unittest.TestCase):\n"
    "    def test_add_lives_in_arith(self):\n        self.assertEqual(add(1, 1), 2)\n"
)
MIGRATION = "ALTER TABLE users ADD COLUMN email TEXT;\n"
SCHEMA = 'COLUMNS = ("id", "name", "email")\n'
SCHEMA_TEST = (
    "import unittest\n\nfrom calc.schema import COLUMNS\n\n\n"
    "class SchemaTest(unittest.TestCase):\n"
    '    def test_users_have_an_email(self):\n        self.assertIn("email", COLUMNS)\n'
)
OLD_BEHAVIOUR_TEST = (
    "import unittest\n\nfrom calc import add\n\n\n"
    "class NegativeTest(unittest.TestCase):\n"
    "    def test_negative(self):\n        self.assertEqual(add(-1, -1), -2)\n"
)

# What the harvest must find: task kind by commit subject.
KEPT = {
    "Fix the mean of an odd total (#7)": "bugfix-small",
    "Move add into calc.arith": "refactor-medium",
    "Users get an email column": "migration-risky",
}
SKIPPED = {"first commit": 1, "no tests": 2, "not failing before": 1, "merge": 1}
ISSUES = {"7": "mean([1, 2]) returns 1 instead of 1.5"}


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def commit(repo: Path, message: str, files: dict[str, str], date: str) -> str:
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, f"--date={date}")
    return git(repo, "rev-parse", "HEAD").strip()


def build_history(repo: Path) -> Path:
    """Write the repository described above into ``repo``."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "Start calc", FIRST, "2024-01-01T10:00:00")
    commit(
        repo,
        "Fix the mean of an odd total (#7)\n\nInteger division dropped the half.",
        {"calc/__init__.py": FIXED_MEAN, "tests/test_calc.py": MEAN_TEST},
        "2024-02-01T10:00:00",
    )
    commit(
        repo,
        "Move add into calc.arith",
        {
            "calc/arith.py": ARITH,
            "calc/__init__.py": INIT_AFTER_MOVE,
            "tests/test_arith.py": ARITH_TEST,
        },
        "2024-03-01T10:00:00",
    )
    commit(
        repo,
        "Users get an email column",
        {
            "migrations/0002_email.sql": MIGRATION,
            "calc/schema.py": SCHEMA,
            "tests/test_schema.py": SCHEMA_TEST,
        },
        "2025-06-01T10:00:00",
    )
    commit(
        repo, "Speed up mean", {"calc/__init__.py": INIT_AFTER_MOVE + "\n# fast\n"}, "2025-07-01"
    )
    commit(
        repo,
        "Cover negative numbers",
        {"tests/test_negative.py": OLD_BEHAVIOUR_TEST, "calc/arith.py": ARITH + "\n"},
        "2025-08-01T10:00:00",
    )
    git(repo, "checkout", "-q", "-b", "docs")
    commit(repo, "Document calc", {"README.md": "# calc\n\nSmall maths.\n"}, "2025-09-01T10:00:00")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch docs", "docs")
    return repo
