"""`readout archive-check`: a torn WARC file and the documents it holds are found, and `--repair` has the
next run give those documents readable records again (issue 12, item 2)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.archive import read_response
from pipeline.devsite import SiteFarm
from pipeline.models import ArchiveRef
from tests.integration.test_run_e2e import World, fresh_world

SOURCE = "islamtimes-en"  # a feed source with several items, archived in one WARC file per run


def _pointers(world: World) -> dict[str, ArchiveRef]:
    return {
        doc.doc_id: ArchiveRef(file=doc.warc_file, offset=doc.warc_offset or 0, length=doc.warc_length or 0)
        for doc in world.documents().values()
        if doc.warc_file is not None
    }


def _check(world: World, *args: str) -> tuple[int, dict[str, object]]:
    result = world.cli("archive-check", "--json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_a_clean_archive_checks_clean(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "--source", SOURCE, "--no-index").exit_code == 0
    code, found = _check(world)
    assert code == 0, found
    assert found["clean"] is True
    assert found["pointers_checked"] == len(_pointers(world)) > 0
    assert found["files_checked"] == 1


def test_a_torn_file_is_reported_and_repair_refetches_its_documents(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "--source", SOURCE, "--no-index").exit_code == 0
    pointers = _pointers(world)
    (warc_file,) = {ref.file for ref in pointers.values()}
    path = world.data_dir / "archive" / warc_file
    # Tear the file in the middle of its last document's record: a crash or a full disk mid-write.
    last = max(pointers.values(), key=lambda ref: ref.offset)
    with path.open("r+b") as fh:
        fh.truncate(last.offset + last.length // 2)
    torn = {doc for doc, ref in pointers.items() if ref.offset + ref.length > last.offset + last.length // 2}

    code, found = _check(world)
    assert code == 5
    assert [damaged["file"] for damaged in found["damaged_files"]] == [warc_file]  # type: ignore[index]
    assert {broken["doc_id"] for broken in found["broken_pointers"]} == torn  # type: ignore[attr-defined]
    assert found["queued_for_refetch"] == 0

    code, found = _check(world, "--repair")
    assert found["queued_for_refetch"] == len(torn)
    rerun = world.cli("run", "--source", SOURCE, "--no-index")
    assert rerun.exit_code == 0, rerun.output

    root = str(world.data_dir / "archive")
    after = _pointers(world)
    assert set(after) == set(pointers)  # nothing lost, nothing stored twice
    for doc in torn:
        assert after[doc].file != warc_file  # the next run's file holds the readable record
        assert read_response(root, after[doc]).status == 200
    code, found = _check(world)
    assert found["broken_pointers"] == []
    # The torn file itself is evidence and is never rewritten: it stays reported.
    assert [damaged["file"] for damaged in found["damaged_files"]] == [warc_file]  # type: ignore[index]
    assert code == 5
