"""The archive under storage faults: a disk that fills mid-record, a store over its quota, torn files.

The pass criterion throughout: every pointer :meth:`WarcFile.write` returns reads back whole with
:func:`read_response`, every failed write is an :class:`ArchiveError` naming the file and the OS error,
and damage already in a file is reported by :func:`verify_file` and refused by :func:`read_response`.
"""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.archive import ArchiveCheck, WarcFile, check_archive, read_response, verify_file
from pipeline.errors import ArchiveError
from pipeline.models import ArchiveRef, FetchedResponse
from tests.faultyfs import FlakyStore, ShyStore, full_disk, store

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def response(n: int, size: int = 4000) -> FetchedResponse:
    """A response whose body does not compress, so that each record takes about ``size`` bytes on disk."""
    body = f"<p>briefing {n}</p>".encode() + random.Random(n).randbytes(size)
    return FetchedResponse(
        url=f"https://www.mid.ru/ru/{n}.html",
        final_url=f"https://www.mid.ru/ru/{n}.html",
        status=200,
        headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=body,
        fetched_at=NOW,
    )


def write_all(warc: WarcFile, numbers: range, *, before: dict[int, object] | None = None) -> dict[int, object]:
    """Write each numbered response; the pointer, or the ArchiveError, of each. ``before[n]`` runs first."""
    outcomes: dict[int, object] = {}
    for n in numbers:
        if before and n in before:
            before[n]()  # type: ignore[operator]
        try:
            outcomes[n] = warc.write(response(n))
        except ArchiveError as exc:
            outcomes[n] = exc
    return outcomes


def assert_every_pointer_reads_back(root: str, outcomes: dict[int, object]) -> None:
    for n, outcome in outcomes.items():
        if isinstance(outcome, ArchiveRef):
            assert read_response(root, outcome).body == response(n).body, f"record {n} does not read back"


@pytest.mark.parametrize("buffered", [False, True], ids=["error-in-write", "error-in-flush"])
def test_a_disk_that_fills_mid_record_then_frees_space_leaves_only_whole_pointers(
    tmp_path: Path, buffered: bool
) -> None:
    disk, root = full_disk(tmp_path / "disk", 1 << 20, buffered=buffered)
    filler = disk.fill(leave=3 * 4400 + 2000)  # room for the warcinfo and about three records
    with WarcFile(root, "mid/2026/11/run.warc.gz") as warc:
        outcomes = write_all(warc, range(12), before={7: filler.unlink})
    failed = {n: o for n, o in outcomes.items() if isinstance(o, ArchiveError)}
    stored = {n: o for n, o in outcomes.items() if isinstance(o, ArchiveRef)}
    assert disk.full_errors, "the disk never filled: the test proves nothing"
    # Some records went in before the disk filled, none while it was full, all after space was freed.
    assert min(failed) > 0
    assert max(failed) == 6
    assert all(n in stored for n in range(7, 12))
    for error in failed.values():
        assert "No space left on device" in str(error)
        assert f"{root}/mid/2026/11/run.warc.gz" in str(error)
    assert_every_pointer_reads_back(root, outcomes)
    # The failed record's bytes were cut off: the file holds whole records only, and the run stayed in it.
    assert warc.files == ["mid/2026/11/run.warc.gz"]
    check = verify_file(root, "mid/2026/11/run.warc.gz")
    assert check.ok, check.problem
    assert check.records == 1 + 2 * len(stored)


def test_a_disk_full_from_the_start_costs_the_records_but_not_the_file(tmp_path: Path) -> None:
    disk, root = full_disk(tmp_path / "disk", 1 << 20)
    filler = disk.fill(leave=0)
    with WarcFile(root, "s/run.warc.gz") as warc:  # even its warcinfo record does not fit
        outcomes = write_all(warc, range(4), before={2: filler.unlink})
    assert [isinstance(outcomes[n], ArchiveError) for n in range(4)] == [True, True, False, False]
    assert_every_pointer_reads_back(root, outcomes)
    check = verify_file(root, "s/run.warc.gz")
    assert (check.ok, check.records) == (True, 5)
    assert gzip.decompress((disk.root / "s" / "run.warc.gz").read_bytes()).startswith(
        b"WARC/1.0\r\nWARC-Type: warcinfo"
    )


@pytest.mark.parametrize("cls", [FlakyStore, ShyStore], ids=["readable-while-written", "visible-when-closed"])
def test_a_store_over_its_quota_continues_in_a_new_file(cls: type[FlakyStore]) -> None:
    root = store(cls, quota=40_000)
    with WarcFile(root, "s/run.warc.gz") as warc:
        outcomes = write_all(warc, range(14), before={10: lambda: setattr(cls, "quota", None)})
    failed = [n for n, o in outcomes.items() if isinstance(o, ArchiveError)]
    assert failed
    assert max(failed) < 10
    assert all(isinstance(outcomes[n], ArchiveRef) for n in range(10, 14))
    assert all("Disk quota exceeded" in str(outcomes[n]) and f"{root}/s/run" in str(outcomes[n]) for n in failed)
    assert_every_pointer_reads_back(root, outcomes)
    # A file that failed is never written again: later records live in run-1, run-2, ...
    assert len(warc.files) > 1
    assert all(name == f"s/run-{n}.warc.gz" for n, name in enumerate(warc.files) if n)
    assert {o.file for o in outcomes.values() if isinstance(o, ArchiveRef)} <= set(warc.files)
    # The file left with part of a record in it is reported; none of the stored pointers points past its
    # last whole record.
    checks = {check.file: check for check in check_archive(root)}
    assert set(checks) == set(warc.files)
    torn = [check for check in checks.values() if not check.ok]
    assert torn, "the quota cut a record short: some file must show it"
    for check in torn:
        refs = [o for o in outcomes.values() if isinstance(o, ArchiveRef) and o.file == check.file]
        assert all(ref.offset + ref.length <= check.good_offset for ref in refs)


def test_a_store_that_shows_files_only_once_closed_gets_one_file_per_record() -> None:
    root = store(ShyStore, quota=None)
    with WarcFile(root, "s/run.warc.gz") as warc:
        outcomes = write_all(warc, range(3))
    refs = [o for o in outcomes.values() if isinstance(o, ArchiveRef)]
    assert [ref.file for ref in refs] == ["s/run.warc.gz", "s/run-1.warc.gz", "s/run-2.warc.gz"]
    assert_every_pointer_reads_back(root, outcomes)
    assert all(check.ok and check.records == 3 for check in check_archive(root))


def written(tmp_path: Path, count: int) -> tuple[str, list[ArchiveRef]]:
    root = str(tmp_path)
    with WarcFile(root, "s/run.warc.gz") as warc:
        refs = [warc.write(response(n)) for n in range(count)]
    return root, refs


def test_a_torn_tail_is_reported_and_its_record_refused(tmp_path: Path) -> None:
    root, refs = written(tmp_path, 3)
    path = tmp_path / "s" / "run.warc.gz"
    raw = path.read_bytes()
    path.write_bytes(raw[:-7])  # a crash or a full disk in the last record's gzip trailer
    check = verify_file(root, "s/run.warc.gz")
    assert not check.ok
    assert check.problem is not None
    assert check.good_offset == refs[-1].offset
    assert check.records == 1 + 2 * 3 - 1
    assert f"{path.as_posix()} at offset {refs[-1].offset}" in check.problem
    assert "cut short" in check.problem
    with pytest.raises(ArchiveError, match=rf"offset {refs[-1].offset} in {path.as_posix()} is cut short"):
        read_response(root, refs[-1])
    assert read_response(root, refs[1]).body == response(1).body


def test_the_rest_of_a_record_written_later_in_the_file_is_found(tmp_path: Path) -> None:
    # The old failure: part of a record, then whole records behind it (warcio reads through, silently).
    root, refs = written(tmp_path, 3)
    path = tmp_path / "s" / "run.warc.gz"
    raw = path.read_bytes()
    middle = refs[1]
    torn = raw[: middle.offset + middle.length // 2] + raw[middle.offset + middle.length :]
    path.write_bytes(torn)
    check = verify_file(root, "s/run.warc.gz")
    assert not check.ok
    assert check.good_offset == middle.offset
    assert f"at offset {middle.offset}" in str(check.problem)
    with pytest.raises(ArchiveError, match=f"offset {middle.offset}"):
        read_response(root, middle)


def test_a_record_whose_content_length_disagrees_is_refused(tmp_path: Path) -> None:
    root, refs = written(tmp_path, 1)
    path = tmp_path / "s" / "run.warc.gz"
    raw = path.read_bytes()
    ref = refs[0]
    content = gzip.decompress(raw[ref.offset : ref.offset + ref.length])
    lying = gzip.compress(content.replace(b"\r\n\r\n", b"\r\n\r\nXY", 1), mtime=0)  # two bytes more than declared
    path.write_bytes(raw[: ref.offset] + lying)
    check = verify_file(root, "s/run.warc.gz")
    assert check.good_offset == ref.offset
    assert "Content-Length" in str(check.problem)
    with pytest.raises(ArchiveError, match="Content-Length"):
        read_response(root, ArchiveRef(ref.file, ref.offset, len(lying)))


def test_a_sound_archive_checks_clean_and_a_missing_file_is_a_problem(tmp_path: Path) -> None:
    root, _refs = written(tmp_path, 2)
    assert list(check_archive(root)) == [
        ArchiveCheck("s/run.warc.gz", 5, (tmp_path / "s/run.warc.gz").stat().st_size, None)
    ]
    assert "cannot read" in str(verify_file(root, "s/missing.warc.gz").problem)
    assert list(check_archive(str(tmp_path / "nothing-here"))) == []
