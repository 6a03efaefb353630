"""Reading record files as a stream: JSONL, CSV, a JSON list, or a JSON object keyed by id.

Large files never sit in memory whole: JSONL and CSV go line by line, and a JSON list or
object is decoded one element at a time from a sliding buffer. Every record knows its line.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple, NoReturn, TextIO

import orjson

from agent_evals.errors import ImportFormatError, UsageError

_CHUNK = 1 << 20
_JSONL = (".jsonl", ".ndjson")
_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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
        try:
            if suffix == ".csv":
                yield from _csv_records(handle)
            elif suffix == ".json" or (suffix not in _JSONL and _first_char(handle) == "["):
                yield from _JsonStream(path, handle).records()
            else:
                yield from _jsonl_records(handle)
        except UnicodeDecodeError as exc:
            raise ImportFormatError(_not_text(path, handle.encoding, exc)) from None


def open_text(path: Path) -> TextIO:
    """A file opened for reading text in its encoding (``text_encoding``), or a usage error."""
    try:
        with path.open("rb") as raw:
            head = raw.read(4)
        return path.open(encoding=text_encoding(head), newline="")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_text(path: Path) -> str:
    """A whole (small) text file in its encoding; unreadable or undecodable is an error."""
    with open_text(path) as handle:
        try:
            return handle.read()
        except UnicodeDecodeError as exc:
            raise ImportFormatError(_not_text(path, handle.encoding, exc)) from None


def text_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes: a byte order mark, else UTF-8.

    Windows tools (PowerShell's ``>``, Excel's "Unicode text") write UTF-16 with a byte order
    mark; JSON text without one is told by where its first character's zero bytes fall
    (RFC 4627 section 3).
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if len(head) >= 2 and head[0] and not head[1]:
        return "utf-16-le"
    if len(head) >= 2 and not head[0] and head[1]:
        return "utf-16-be"
    return "utf-8"


def load_json(path: Path) -> Any:
    """A whole (small) JSON document; a malformed one is an error naming ``file:line``."""
    return parse_json(read_text(path), str(path))


def parse_json(text: str, where: str) -> Any:
    """A JSON document; malformed or pathologically nested is an error naming ``where``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"{where}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise ImportFormatError(f"{where}: JSON nested too deeply to read") from None


def _not_text(path: Path, encoding: str, exc: UnicodeDecodeError) -> str:
    return (
        f"{path}: not {encoding.upper()} text ({exc.reason}); save it as UTF-8 "
        "(or UTF-16 with a byte order mark)"
    )


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
            except RecursionError:
                self._fail("JSON nested too deeply to read")
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
