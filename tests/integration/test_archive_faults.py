"""The full-disk drill: the archive's disk fills in the middle of a run and space is freed later in it.

Pass criterion: every document the catalog stores points at a record that reads back whole and
re-extracts to the stored text; every item whose record could not be written failed with an archive
error naming the file and "No space left on device"; a rerun stores those items; the archive checks clean.
Once with the :mod:`tests.faultyfs` disk stand-in through a real ``run_cycle``, once on a real tmpfs of a
few hundred KiB in a private mount namespace (skipped where mounting is not allowed).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from pipeline.archive import check_archive, read_response
from pipeline.config import Source
from pipeline.extract import extract
from pipeline.ingest import run_cycle
from pipeline.models import ArchiveRef
from pipeline.store.catalog import Catalog
from tests.conftest import REPO, make_settings
from tests.faultyfs import full_disk
from tests.hostile import Hostile, Route, hostile_server, rss, send, status
from tests.integration.test_run_recovery import one_source

PAGES = 40
WORDS = ("ministry", "sanctions", "talks", "border", "trade", "envoy", "summit", "treaty", "security", "grain")


def article(n: int) -> bytes:
    """A page with enough varied text that its record takes a few KiB even compressed."""
    pick = random.Random(n)
    paragraphs = "".join(
        f"<p>{' '.join(pick.choice(WORDS) + str(pick.randrange(10**6)) for _ in range(60))}.</p>" for _ in range(8)
    )
    head = f"<html lang='en'><head><title>Briefing {n}</title></head>"
    return f"{head}<body><article><h1>Briefing {n}</h1>{paragraphs}</article></body></html>".encode()


@pytest.fixture
def server() -> Iterator[Hostile]:
    with hostile_server({"/robots.txt": status(404)}) as running:
        yield running


def freeing_at(request_number: int, filler: Path) -> Route:
    """Serve the article asked for, and free the disk's space when the ``request_number``-th page is asked."""
    served = 0

    def route(handler: BaseHTTPRequestHandler) -> None:
        nonlocal served
        served += 1
        if served == request_number:
            filler.unlink()
        n = int(handler.path.rsplit("/", 1)[-1].removesuffix(".html"))
        send(handler, 200, article(n))

    return route


def test_a_run_over_a_disk_that_fills_and_frees_stores_only_pointers_that_read_back(
    server: Hostile, tmp_path: Path, catalog: Catalog, catalog_url: str
) -> None:
    disk, archive_url = full_disk(tmp_path / "disk", 64 << 20)
    filler = disk.fill(leave=40_000)  # the feed and a handful of pages fit, then the disk is full
    links = [server.url(f"/p/{n}.html") for n in range(PAGES)]
    server.routes["/feed.xml"] = lambda h: send(h, 200, rss(*links), {"Content-Type": "application/rss+xml"})
    route = freeing_at(PAGES * 3 // 4, filler)
    for n in range(PAGES):
        server.routes[f"/p/{n}.html"] = route
    settings = make_settings(
        tmp_path / "data", allow_private_hosts=["localhost"], retries=0, catalog_url=catalog_url,
        archive_url=archive_url,
    )  # fmt: skip
    source = one_source(tmp_path, server.url("/feed.xml"))

    first = run_cycle(settings, [source], catalog=catalog).sources[0]
    assert disk.full_errors, "the disk never filled: the drill proves nothing"
    failures = [f for f in catalog.failures(limit=1000) if f.stage == "archive"]
    assert failures
    assert first.counts.failed == len(failures)
    assert 0 < first.counts.new < PAGES
    for failure in failures:
        assert "No space left on device" in failure.message
        assert f"{archive_url}/{source.id}/" in failure.message
        assert ".warc.gz" in failure.message
    assert_every_document_reads_back(catalog, archive_url, source)

    second = run_cycle(settings, [source], catalog=catalog).sources[0]
    assert second.counts.failed == 0
    assert len(list(catalog.documents())) == PAGES
    assert_every_document_reads_back(catalog, archive_url, source)
    checks = list(check_archive(archive_url))
    assert checks
    assert [check.problem for check in checks if not check.ok] == []


def assert_every_document_reads_back(catalog: Catalog, root: str, source: Source) -> None:
    for document in catalog.documents():
        assert document.warc_file
        assert document.warc_offset is not None
        assert document.warc_length
        record = read_response(root, ArchiveRef(document.warc_file, document.warc_offset, document.warc_length))
        assert record.final_url == document.url
        again = extract(record.body, url=record.final_url, content_type=record.header("content-type"), source=source)
        assert again.text == document.text


# The real disk: a tmpfs mounted in a private mount namespace, filled by a file that is deleted mid-way.
REAL_DISK_SCRIPT = textwrap.dedent(
    """
    import json, os, random, subprocess, sys
    from datetime import UTC, datetime
    from pipeline.archive import WarcFile, check_archive, read_response
    from pipeline.errors import ArchiveError
    from pipeline.models import FetchedResponse

    mount = sys.argv[1]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount], check=True)
    def response(n):
        body = random.Random(n).randbytes(9000)
        return FetchedResponse(url=f"https://a.example/{n}", final_url=f"https://a.example/{n}", status=200,
                               headers=(), body=body, fetched_at=datetime(2026, 11, 20, tzinfo=UTC))
    filler = os.path.join(mount, "filler")
    with open(filler, "wb") as fh:  # leaves less than a page or two of the tmpfs free
        fh.write(b"\\0" * (os.statvfs(mount).f_bavail * os.statvfs(mount).f_frsize - 40_000))
    stored, errors = {}, []
    with WarcFile(mount, "s/run.warc.gz") as warc:
        for n in range(16):
            if n == 10:
                os.unlink(filler)
            try:
                stored[n] = warc.write(response(n))
            except ArchiveError as exc:
                errors.append(str(exc))
    back = [read_response(mount, ref).body == response(n).body for n, ref in stored.items()]
    checks = [check.problem for check in check_archive(mount)]
    print(json.dumps({"stored": sorted(stored), "errors": errors, "back": back, "checks": checks}))
    """
)


def can_mount_tmpfs(where: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = ["unshare", "-rm", "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)]
    return subprocess.run(probe, capture_output=True).returncode == 0


def test_a_real_full_tmpfs_mid_record_then_freed(tmp_path: Path) -> None:
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if not can_mount_tmpfs(mount):
        pytest.skip("cannot mount a tmpfs in a private mount namespace here (unshare -rm)")
    done = subprocess.run(
        ["unshare", "-rm", sys.executable, "-c", REAL_DISK_SCRIPT, str(mount)],
        capture_output=True, text=True, cwd=REPO, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout)
    assert result["errors"], "the tmpfs never filled: the test proves nothing"
    assert all("No space left on device" in error and f"{mount}/s/run.warc.gz" in error for error in result["errors"])
    assert max(result["stored"]) == 15
    assert all(n in result["stored"] for n in range(10, 16))
    assert result["back"]
    assert all(result["back"])
    assert result["checks"] == [None]
