"""Every query lives in the store: no other room imports a database library or its engine."""

from __future__ import annotations

import ast
from pathlib import Path

import agent_evals

PACKAGE = Path(agent_evals.__file__).parent
STORE = PACKAGE / "store"
DATABASE_LIBRARIES = {"sqlalchemy", "sqlite3"}


def database_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of each import of a database library."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[0] in DATABASE_LIBRARIES]
    return found


def engine_uses(tree: ast.AST) -> list[int]:
    """Lines that read an ``engine`` attribute (a store's SQLAlchemy engine)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "engine"
    ]


def modules_outside_the_store() -> list[tuple[Path, ast.AST]]:
    return [
        (path.relative_to(PACKAGE), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.is_relative_to(STORE)
    ]


def test_no_module_outside_the_store_imports_sqlalchemy_or_sqlite3():
    wrong = [
        f"{path}:{line} imports {module}"
        for path, tree in modules_outside_the_store()
        for line, module in database_imports(tree)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_module_outside_the_store_uses_a_stores_engine():
    wrong = [
        f"{path}:{line} uses .engine"
        for path, tree in modules_outside_the_store()
        for line in engine_uses(tree)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_checks_catch_queries_written_outside_the_store():
    tree = ast.parse(
        "import sqlite3\n"
        "from sqlalchemy import select\n"
        "import sqlalchemy.dialects.sqlite as dialect\n"
        "from agent_evals.store import Store\n"
        "def latest(store: Store):\n"
        "    with store.engine.connect() as conn:\n"
        "        return conn\n"
    )
    assert database_imports(tree) == [
        (1, "sqlite3"),
        (2, "sqlalchemy"),
        (3, "sqlalchemy.dialects.sqlite"),
    ]
    assert engine_uses(tree) == [6]


def test_the_store_itself_is_where_the_queries_are():
    store_modules = [ast.parse(p.read_text(encoding="utf-8")) for p in STORE.rglob("*.py")]
    assert any(database_imports(tree) for tree in store_modules)
    assert any(engine_uses(tree) for tree in store_modules)
