"""PostgreSQL's bulk paths: runs in with ``COPY FROM``, packed rows out with ``COPY TO``.

Row-by-row ``INSERT``s cost a round trip of parsing per run; ``COPY`` streams them
(PostgreSQL manual, "Populating a Database"). Runs are copied into a temporary table and
moved with one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE``, so the same key replaces the
stored run as the row-by-row path does; within one batch the last row of a key wins, as it
would there. Packed rows come out in ``COPY``'s binary format, which numpy reads as it is:
no Python object per run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import JSON, Connection, Engine, text
from sqlalchemy.engine import Dialect

from agent_evals.errors import StoreError
from agent_evals.store import schema
from agent_evals.store.bulk import Row, RunUpsert, _literal, iter_batches

_STAGE = "agent_evals_ingest"
_ORDER = "ingest_order"
# COPY BINARY: an 11-byte signature, 32-bit flags and header-extension length, then per
# tuple a 16-bit field count and per field a 32-bit length before the value; a -1 ends it.
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_HEADER = len(_SIGNATURE) + 8
_TRAILER = 2


class CopyUpsert(RunUpsert):
    """``write_columns`` on PostgreSQL: ``COPY`` into a temporary table, then one upsert."""

    def __init__(
        self, dialect: Dialect, columns: Sequence[str], constants: Mapping[str, Any]
    ) -> None:
        super().__init__(dialect, columns, constants)
        self._columns = tuple(columns)
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in columns)
        self._create = (
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ON COMMIT DROP AS "
            f"SELECT {names} FROM {schema.runs.name} WITH NO DATA; "
            f"ALTER TABLE {_STAGE} ADD COLUMN IF NOT EXISTS {_ORDER} "
            "bigint GENERATED ALWAYS AS IDENTITY"
        )
        self._copy = f"COPY {_STAGE} ({names}) FROM STDIN"
        self._move = _move_sql(dialect, columns, constants)
        self._json_at = [
            i for i, name in enumerate(columns) if isinstance(schema.runs.c[name].type, JSON)
        ]

    def _text_rows(self, batch: list[Row]) -> Iterator[Sequence[Any]]:
        """The rows as COPY takes them: JSON columns serialised as SQLAlchemy's JSON type
        binds them (``None`` as ``null``); no other run column needs converting."""
        if not self._json_at:
            yield from batch
            return
        for row in batch:
            values = list(row)
            for index in self._json_at:
                values[index] = json.dumps(values[index])
            yield values

    def execute(self, conn: Connection, rows: Iterable[Row], batch_size: int) -> int:
        """Copy the rows in batches and move each batch into ``runs``; returns the count."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        written = 0
        for batch in iter_batches(rows, batch_size):
            cursor.execute(self._create)
            with cursor.copy(self._copy) as copy:
                for row in self._text_rows(batch):
                    copy.write_row(row)
            cursor.execute(self._move)
            cursor.execute(f"TRUNCATE {_STAGE}")
            written += len(batch)
        return written


def _move_sql(dialect: Dialect, columns: Sequence[str], constants: Mapping[str, Any]) -> str:
    """The upsert of the staged rows into ``runs``, the last staged row of a key winning."""
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in (*columns, *constants))
    picked = [quote(c) for c in columns]
    # Rendered for a driver that binds parameters (``%`` doubled); this runs without any.
    picked += [
        _literal(dialect, name, value).replace("%%", "%") for name, value in constants.items()
    ]
    updates = ", ".join(
        f"{quote(c)} = excluded.{quote(c)}" for c in (*columns, *constants) if c != "id"
    )
    key = ", ".join(quote(c) for c in schema.RUN_KEY)
    varying = ", ".join(quote(c) for c in schema.RUN_KEY if c in columns)
    # One row per key: a second row of a key in one statement is an error in PostgreSQL.
    latest = (
        f"DISTINCT ON ({varying}) {', '.join(picked)} FROM {_STAGE} "
        f"ORDER BY {varying}, {_ORDER} DESC"
        if varying
        else f"{', '.join(picked)} FROM {_STAGE} ORDER BY {_ORDER} DESC LIMIT 1"
    )
    return (
        f"INSERT INTO {quote(schema.runs.name)} ({names}) SELECT {latest} "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


def fetch_binary(
    engine: Engine, sql: str, params: Mapping[str, object], dtype: np.dtype
) -> np.ndarray:
    """The rows of ``sql`` as ``dtype``, every field of which is a non-null 8-byte number."""
    columns = dtype.names or ()
    casts = ", ".join(
        f"{name}::{'int8' if dtype[name].kind == 'i' else 'float8'}" for name in columns
    )
    inner = str(
        text(sql)
        .bindparams(**params)
        .compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    )
    statement = (
        f"COPY (SELECT {casts} FROM ({inner}) AS q({', '.join(columns)})) TO STDOUT (FORMAT BINARY)"
    )
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(statement) as copy:
            data = b"".join(bytes(block) for block in copy)
    return _parse(data, dtype)


def _parse(data: bytes, dtype: np.dtype) -> np.ndarray:
    names = dtype.names or ()
    wire = np.dtype(
        [("fields", ">i2")]
        + [
            part
            for name in names
            for part in ((f"{name}_length", ">i4"), (name, f">{dtype[name].kind}8"))
        ]
    )
    body = data[_HEADER:-_TRAILER]
    if not data.startswith(_SIGNATURE) or len(body) % wire.itemsize:
        raise StoreError("PostgreSQL sent packed runs in an unexpected COPY format")
    rows = np.frombuffer(body, dtype=wire)
    lengths = [rows[f"{name}_length"] for name in names]
    if not (np.all(rows["fields"] == len(names)) and all(np.all(n == 8) for n in lengths)):
        raise StoreError("PostgreSQL sent a packed run with a missing or odd-sized field")
    out = np.empty(len(rows), dtype=dtype)
    for name in names:
        out[name] = rows[name]
    return out
