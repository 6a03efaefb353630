"""Reading unified diffs."""

from __future__ import annotations

from agent_evals.harness.patch import Hunk, parse_patch

PATCH = """\
diff --git a/sql/schema.sql b/sql/schema.sql
index 1..2 100644
--- a/sql/schema.sql
+++ b/sql/schema.sql
@@ -1 +1 @@
--- old comment
+-- new comment
@@ -5,0 +6 @@
++++ not a header
diff --git "a/dir/na\\303\\257ve.py" "b/dir/na\\303\\257ve.py"
deleted file mode 100644
--- "a/dir/na\\303\\257ve.py"
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
diff --git a/new.txt b/new.txt
new file mode 100644
--- /dev/null
+++ b/new.txt
@@ -0,0 +1 @@
+hello
"""


def test_parse_patch_reads_files_hunks_and_tricky_lines() -> None:
    files = parse_patch(PATCH)
    assert [(f.path, f.new, f.deleted) for f in files] == [
        ("sql/schema.sql", False, False),
        ("dir/naïve.py", False, True),
        ("new.txt", True, False),
    ]
    assert files[0].hunks == (
        Hunk(("-- old comment",), ("-- new comment",)),
        Hunk((), ("+++ not a header",)),
    )
    assert files[1].removed == ["x = 1"]
    assert files[2].added == ["hello"]
