"""Reading record files as a stream: JSONL, CSV, a JSON list, or a JSON object keyed by id.

Large files never sit in memory whole: JSONL and CSV go line by line, and a JSON list or
object is decoded one element at a time from a sliding buffer. Every record knows its line.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple, NoReturn

import orjson

from agent_evals.errors import ImportFormatError, UsageError

_CHUNK = 1 << 20
_JSONL = (".jsonl", ".ndjson")
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class Unreadable(NamedTuple):
    """A record that could not be decoded (the rest of the file may still be readable)."""

    message: str


class SourceRecord(NamedTuple):
    """One record of a file: its line, its key (for a keyed JSON object) and its value."""

    line: int
    key: str | None
    data: Any


def iter_records(path: Path) -> Iterator[SourceRecord]:
    """The records of a JSONL, CSV or JSON (list, or object keyed by id) file, streamed."""
    suffix = path.suffix.lower()
    handle = open_text(path)
    with handle:
        if suffix == ".csv":
            yield from _csv_records(handle)
        elif suffix == ".json" or (suffix not in _JSONL and _first_char(handle) == "["):
            yield from _JsonStream(path, handle).records()
        else:
            yield from _jsonl_records(handle)


def open_text(path: Path) -> IO[str]:
    """A file opened for reading text, or a usage error naming it."""
    try:
        return path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def load_json(path: Path) -> Any:
    """A whole (small) JSON document; a malformed one is an error naming ``file:line``."""
    with open_text(path) as handle:
        text = handle.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None


def _first_char(handle: IO[str]) -> str:
    while chunk := handle.read(4096):
        stripped = chunk.lstrip()
        if stripped:
            handle.seek(0)
            return stripped[0]
    handle.seek(0)
    return ""


def _jsonl_records(handle: IO[str]) -> Iterator[SourceRecord]:
    loads = orjson.loads
    for number, line in enumerate(handle, 1):
        try:
            yield SourceRecord(number, None, loads(line))
        except orjson.JSONDecodeError as exc:
            if line.strip():
                yield SourceRecord(number, None, Unreadable(f"not valid JSON: {exc}"))


def _csv_records(handle: IO[str]) -> Iterator[SourceRecord]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    for row in reader:
        if len(row) != len(header):
            if any(cell.strip() for cell in row):
                message = f"expected {len(header)} columns ({', '.join(header)}), got {len(row)}"
                yield SourceRecord(reader.line_num, None, Unreadable(message))
            continue
        values = {
            name: cell if cell != "" else None for name, cell in zip(header, row, strict=True)
        }
        yield SourceRecord(reader.line_num, None, values)


class _JsonStream:
    """Decodes the elements of one top-level JSON list or object from a sliding buffer."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path = path
        self.handle = handle
        self.buffer = ""
        self.pos = 0
        self.line = 1
        self.eof = False

    def records(self) -> Iterator[SourceRecord]:
        opening = self._char()
        closing = "]" if opening == "[" else "}"
        self.pos += 1
        if self._char() == closing:
            return
        while True:
            key = self._key() if closing == "}" else None
            self._char()
            line = self.line
            yield SourceRecord(line, key, self._value())
            separator = self._char()
            self.pos += 1
            if separator == closing:
                break
            if separator != ",":
                self._fail(f"expected ',' or '{closing}' between elements")
        if self._char() != "":
            self._fail(
                "unexpected content after the top-level JSON value "
                "(a file of one JSON object per line should be named *.jsonl)"
            )

    def _key(self) -> str:
        key = self._value()
        if not isinstance(key, str):
            self._fail("an object key must be a string")
        if self._char() != ":":
            self._fail("expected ':' after an object key")
        self.pos += 1
        self._char()
        return key

    def _value(self) -> Any:
        self._char()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self._fill():
                    continue
                self._fail(f"not valid JSON: {exc.msg}", at=exc.pos)
            if end < len(self.buffer) or not self._fill():
                break
        self.line += self.buffer.count("\n", self.pos, end)
        self.pos = end
        return value

    def _char(self) -> str:
        """The next non-space character (``""`` at the end), skipping to it."""
        while True:
            end = _SPACE.match(self.buffer, self.pos).end()  # type: ignore[union-attr]
            self.line += self.buffer.count("\n", self.pos, end)
            self.pos = end
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._fill():
                return ""

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.handle.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def _fail(self, message: str, at: int | None = None) -> NoReturn:
        line = self.line + (self.buffer.count("\n", self.pos, at) if at is not None else 0)
        raise ImportFormatError(f"{self.path}:{line}: {message}")
