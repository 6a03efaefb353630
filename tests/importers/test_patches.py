"""Diff size from a unified diff."""

from __future__ import annotations

from agent_evals.importers.patches import diff_stats
from agent_evals.records import DiffStats

PATCH = """\
diff --git a/pkg/a.py b/pkg/a.py
--- a/pkg/a.py
+++ b/pkg/a.py
@@ -1,4 +1,4 @@
 keep
---- a line that starts with three dashes, removed
+++++ a line that starts with four pluses, added
 keep
-gone
\\ No newline at end of file
diff --git a/pkg/new.py b/pkg/new.py
new file mode 100644
--- /dev/null
+++ b/pkg/new.py
@@ -0,0 +1,2 @@
+one
+two
"""


def test_counts_files_and_lines_even_when_lines_look_like_headers() -> None:
    assert diff_stats(PATCH) == DiffStats(files_changed=2, lines_added=3, lines_removed=2)


def test_no_patch_changes_nothing() -> None:
    assert diff_stats(None) == DiffStats(0, 0, 0)
    assert diff_stats("") == DiffStats(0, 0, 0)


def test_a_deleted_file_counts_under_its_old_name() -> None:
    patch = "--- a/old.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n"
    assert diff_stats(patch) == DiffStats(1, 0, 2)
