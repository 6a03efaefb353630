"""Applying the example's unified diffs to in-memory files."""

from __future__ import annotations

import pytest

from agent_evals.example.patches import PatchError, apply_patch

FILES = {"pkg/core.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n"}


def test_edits_an_existing_file_and_creates_a_new_one() -> None:
    patch = (
        "--- a/pkg/core.py\n+++ b/pkg/core.py\n@@ -4,3 +4,3 @@\n \n def g():\n"
        "-    return 2\n+    return 3\n"
        "--- /dev/null\n+++ b/pkg/extra.py\n@@ -0,0 +1,2 @@\n+X = 1\n+Y = 2\n"
    )
    changed = apply_patch(FILES, patch)
    assert changed == {
        "pkg/core.py": "def f():\n    return 1\n\n\ndef g():\n    return 3\n",
        "pkg/extra.py": "X = 1\nY = 2\n",
    }


def test_context_line_without_its_trailing_space_still_matches() -> None:
    patch = "--- a/pkg/core.py\n+++ b/pkg/core.py\n@@ -3,2 +3,2 @@\n\n-\n+# g follows\n"
    assert apply_patch(FILES, patch)["pkg/core.py"].splitlines()[3] == "# g follows"


def test_a_line_starting_like_a_header_is_hunk_content() -> None:
    files = {"notes.md": "intro\n-- old\n"}
    patch = "--- a/notes.md\n+++ b/notes.md\n@@ -2 +2 @@\n--- old\n+-- new\n"
    assert apply_patch(files, patch) == {"notes.md": "intro\n-- new\n"}


def test_mismatched_context_names_the_file_and_line() -> None:
    patch = "--- a/pkg/core.py\n+++ b/pkg/core.py\n@@ -2 +2 @@\n-    return 9\n+    return 1\n"
    with pytest.raises(PatchError, match=r"pkg/core.py: the patch does not match line 2"):
        apply_patch(FILES, patch)


def test_unknown_file_and_deletions_are_refused() -> None:
    with pytest.raises(PatchError, match="does not have"):
        apply_patch(FILES, "--- a/nope.py\n+++ b/nope.py\n@@ -1 +1 @@\n-a\n+b\n")
    with pytest.raises(PatchError, match=r"deletes pkg/core\.py"):
        apply_patch(FILES, "--- a/pkg/core.py\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-def f():\n")


def test_empty_patch_changes_nothing() -> None:
    assert apply_patch(FILES, "") == {}
