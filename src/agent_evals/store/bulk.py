"""Fast bulk upserts of runs: one DBAPI ``executemany`` of plain tuples per batch.

Going through the driver directly skips SQLAlchemy's per-row parameter processing, which
dominates a large import. Values shared by every row of a write (release, lane, model ...)
are rendered once into the statement as literals, so each row binds only what varies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import JSON, Connection, Float, String, literal
from sqlalchemy.engine import Dialect

from agent_evals.store import schema
from agent_evals.store.runs import RUN_COLUMNS

Row = tuple[Any, ...]
_PLAIN = (str, int, float, bool)


class RunUpsert:
    """The dialect's ``INSERT ... ON CONFLICT DO UPDATE`` of runs for given columns."""

    def __init__(
        self, dialect: Dialect, columns: Sequence[str], constants: Mapping[str, Any]
    ) -> None:
        _check_columns(columns, constants)
        self.sql = _upsert_sql(dialect, columns, constants)
        self._convert = _row_converter(dialect, columns)

    def execute(self, conn: Connection, rows: Iterable[Row], batch_size: int) -> int:
        """Write the rows in batches on an open connection; returns how many were written."""
        written = 0
        for batch in iter_batches(rows, batch_size):
            conn.exec_driver_sql(self.sql, self._convert(batch))
            written += len(batch)
        return written


def iter_batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Consecutive lists of at most ``size`` rows."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _check_columns(columns: Sequence[str], constants: Mapping[str, Any]) -> None:
    given = [*columns, *constants]
    if sorted(given) != sorted(RUN_COLUMNS):
        missing = sorted(set(RUN_COLUMNS) - set(given))
        extra = sorted(set(given) - set(RUN_COLUMNS)) or sorted(
            c for c in set(given) if given.count(c) > 1
        )
        raise ValueError(f"run columns must be given once each; missing {missing}, extra {extra}")


def _upsert_sql(dialect: Dialect, columns: Sequence[str], constants: Mapping[str, Any]) -> str:
    quote = dialect.identifier_preparer.quote
    placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
    names = [*columns, *constants]
    values = [placeholder] * len(columns)
    values += [_literal(dialect, name, value) for name, value in constants.items()]
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in names if c != "id")
    key = ", ".join(quote(c) for c in schema.RUN_KEY)
    return (
        f"INSERT INTO {quote(schema.runs.name)} ({', '.join(quote(c) for c in names)}) "
        f"VALUES ({', '.join(values)}) ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


def _literal(dialect: Dialect, column: str, value: Any) -> str:
    """A constant as a SQL literal, escaped by SQLAlchemy for this dialect."""
    column_type = schema.runs.c[column].type
    if isinstance(column_type, JSON):
        # as SQLAlchemy's JSON type binds it: serialised, None included (as 'null')
        value, column_type = json.dumps(value), String()
    elif value is not None and not isinstance(value, _PLAIN):
        raise TypeError(f"constant {column}={value!r} cannot be written as a literal")
    compiled = literal(value, column_type).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


def _row_converter(dialect: Dialect, columns: Sequence[str]) -> Callable[[list[Row]], list[Row]]:
    """What SQLAlchemy would do to each value before binding (JSON and datetime columns).

    Float columns are left alone: SQLite's REAL affinity and the PostgreSQL driver already
    store an int as a float, which is all SQLAlchemy's float processor does.
    """
    processors: dict[int, Callable[[Any], Any]] = {}
    for index, name in enumerate(columns):
        column_type = schema.runs.c[name].type
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None and not isinstance(column_type, Float):
            processors[index] = processor
    if not processors:
        return _unchanged

    def convert(batch: list[Row]) -> list[Row]:
        return [
            tuple(processors[i](v) if i in processors else v for i, v in enumerate(row))
            for row in batch
        ]

    return convert


def _unchanged(batch: list[Row]) -> list[Row]:
    return batch
