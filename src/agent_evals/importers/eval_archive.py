"""The samples of an inspect_ai ``.eval`` log: a zip archive, one JSON member per sample.

Current inspect_ai compresses the members with zstd (zip method 93), which Python's zipfile
reads only from 3.14: below that the members are decompressed here with ``zstandard``, which
the ``inspect`` extra installs. Older logs use DEFLATE and need nothing more.
"""

from __future__ import annotations

import importlib
import json
import struct
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

from agent_evals.errors import ImportFormatError
from agent_evals.importers.base import BadRecord

LOG_SUFFIX = ".eval"
SAMPLES = "samples/"
ZSTD = 93
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_INSTALL = "pip install 'agent-evals[inspect]'"


def archive_samples(path: Path) -> Iterator[tuple[str, Any]]:
    """``(where, sample)`` per sample member, in the order inspect wrote them.

    A member that is not JSON is a ``BadRecord``; a file that is not a zip archive, or one
    compressed in a way this Python cannot read, is an ``ImportFormatError`` naming the fix.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFormatError(
            f"{path}: not an inspect_ai .eval log ({exc}); give the .eval file inspect wrote, "
            "or a JSON log (inspect eval --log-format json)"
        ) from None
    with archive:
        # a member written again later replaces the earlier one, as for every zip reader
        latest = {info.filename: info for info in archive.infolist()}
        for name, info in latest.items():
            if not (name.startswith(SAMPLES) and name.endswith(".json")):
                continue
            place = f"{path}: {name}"
            try:
                yield place, json.loads(_member(archive, info, path))
            except json.JSONDecodeError as exc:
                yield place, BadRecord(place, f"not valid JSON: {exc.msg} (line {exc.lineno})")
            except RecursionError:
                yield place, BadRecord(place, "JSON nested too deeply to read")


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    try:
        return archive.read(info)
    except NotImplementedError:
        if info.compress_type != ZSTD:
            raise ImportFormatError(
                f"{path}: {info.filename} uses zip compression method {info.compress_type}, "
                "which this Python cannot read"
            ) from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportFormatError(
            f"{path}: {info.filename}: damaged archive member ({exc})"
        ) from None
    return _zstd_member(archive, info, path)


def _zstd_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    try:
        zstandard = importlib.import_module("zstandard")
    except ImportError:
        raise ImportFormatError(
            f"{path}: the log is zstd-compressed (inspect_ai's default); install the inspect "
            f"extra to read it: {_INSTALL}"
        ) from None
    handle = archive.fp
    if handle is None:  # the archive was closed
        raise ImportFormatError(f"{path}: the archive closed while it was read")
    handle.seek(info.header_offset)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(handle.read(_LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        raise ImportFormatError(f"{path}: {info.filename}: damaged archive member header")
    handle.seek(name_length + extra_length, 1)
    compressed = handle.read(info.compress_size)
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(
            BytesIO(compressed), read_across_frames=True
        )
        data: bytes = reader.read()
    except zstandard.ZstdError as exc:
        raise ImportFormatError(f"{path}: {info.filename}: damaged zstd data ({exc})") from None
    return data
