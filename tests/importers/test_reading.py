"""Streaming record files: every format yields records with their line, in small memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_evals.errors import ImportFormatError
from agent_evals.importers import reading
from agent_evals.importers.reading import Unreadable, iter_records


def test_a_json_list_is_decoded_element_by_element_across_buffer_refills(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "_CHUNK", 7)  # every element spans several reads
    items = [{"task_id": f"t{i}", "note": "x" * i, "n": i * 1001} for i in range(40)]
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(items, indent=1))
    records = list(iter_records(path))
    assert [r.data for r in records] == items
    lines = path.read_text().splitlines()
    assert all(lines[r.line - 1].strip() == "{" for r in records)


def test_an_object_keyed_by_task_yields_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "_CHUNK", 5)
    path = tmp_path / "details.json"
    path.write_text('{\n "a": {"resolved": true},\n "b": {"resolved": false}\n}\n')
    records = list(iter_records(path))
    assert [(r.line, r.key, r.data) for r in records] == [
        (2, "a", {"resolved": True}),
        (3, "b", {"resolved": False}),
    ]


def test_records_are_read_lazily(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text('{"task_id": "a"}\n' * 3 + "not json\n")
    records = iter_records(path)
    assert next(records).data == {"task_id": "a"}
    assert [type(r.data) for r in records][-1] is Unreadable


def test_structural_damage_in_a_json_list_is_fatal_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "runs.json"
    path.write_text('[\n {"a": 1},\n {"a": 2\n]\n')
    with pytest.raises(ImportFormatError, match=r"runs.json:4"):
        list(iter_records(path))


def test_json_lines_in_a_json_file_get_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "runs.json"
    path.write_text('{"a": {"resolved": true}}\n{"b": {"resolved": true}}\n')
    with pytest.raises(ImportFormatError, match=r"should be named \*\.jsonl"):
        list(iter_records(path))


@pytest.mark.parametrize(
    ("encoding", "suffix"),
    [
        ("utf-16", ".csv"),
        ("utf-16", ".json"),
        ("utf-16-le", ".jsonl"),
        ("utf-16-be", ".json"),
        ("utf-32", ".jsonl"),
        ("utf-8-sig", ".csv"),
    ],
)
def test_utf16_utf32_and_bom_marked_files_stream_like_utf8(
    tmp_path: Path, encoding: str, suffix: str
) -> None:
    texts = {
        ".csv": "task_id,resolved\nt1,true\nt2,false\n",
        ".json": '[{"task_id": "t1", "resolved": true}, {"task_id": "t2", "resolved": false}]',
        ".jsonl": '{"task_id": "t1", "resolved": true}\n{"task_id": "t2", "resolved": false}\n',
    }
    path = tmp_path / f"runs{suffix}"
    path.write_bytes(texts[suffix].encode(encoding))

    ids = [record.data["task_id"] for record in iter_records(path)]

    assert ids == ["t1", "t2"]


def test_a_json_document_nested_past_what_python_reads_is_an_error_naming_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "results.json"
    path.write_text("[" * 100_000 + "]" * 100_000)

    with pytest.raises(ImportFormatError, match=r"results.json: JSON nested too deeply to read"):
        reading.load_json(path)
