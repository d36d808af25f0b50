"""The WARC archive: records are readable by pointer as soon as they are written, in wire form."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.archive import WarcFile, read_response, warc_path
from pipeline.errors import ArchiveError
from pipeline.models import ArchiveRef, FetchedResponse

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def response(url: str, body: bytes, *, final_url: str | None = None, status: int = 200) -> FetchedResponse:
    return FetchedResponse(
        url=url,
        final_url=final_url or url,
        status=status,
        headers=(("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))),
        body=body,
        fetched_at=NOW,
        peer="203.0.113.7",
        request_headers=(("User-Agent", "Readout/test"),),
    )


def test_a_pointer_reads_back_before_the_file_is_closed(tmp_path: Path) -> None:
    root = str(tmp_path)
    body = b"<p>Wang Wenbin: We oppose the willful use of unilateral sanctions.</p>"
    with WarcFile(root, warc_path("cn-mfa-en", "0123456789ab", NOW)) as warc:
        first = warc.write(response("https://www.fmprc.gov.cn/eng/a.html", body))
        # The catalog commits this pointer at once; the bytes must already be on disk.
        record = read_response(root, first)
        assert record.body == body
        second = warc.write(response("https://www.fmprc.gov.cn/eng/b.html", b"<p>second</p>"))
    assert second.offset > first.offset
    assert read_response(root, second).final_url == "https://www.fmprc.gov.cn/eng/b.html"
    assert first.file.startswith("cn-mfa-en/2026/11/")


def test_each_record_is_its_own_gzip_member_with_request_and_response(tmp_path: Path) -> None:
    with WarcFile(str(tmp_path), "s/x.warc.gz") as warc:
        ref = warc.write(response("https://a.example/", b"<p>x</p>"))
    raw = (tmp_path / "s" / "x.warc.gz").read_bytes()
    member = gzip.decompress(raw[ref.offset : ref.offset + ref.length])
    assert member.startswith(b"WARC/1.")
    assert b"WARC-Type: response" in member
    everything = gzip.decompress(raw)
    assert everything.count(b"WARC-Type: request") == 1
    assert b"WARC-Type: warcinfo" in everything
    assert b"WARC-IP-Address: 203.0.113.7" in member


def test_non_ascii_urls_are_archived_in_wire_form(tmp_path: Path) -> None:
    url = "https://mid.ru/ru/новости/1.html"
    with WarcFile(str(tmp_path), "s/x.warc.gz") as warc:
        ref = warc.write(response(url, "<p>Брифинг</p>".encode(), final_url=url))
    record = read_response(str(tmp_path), ref)
    assert record.final_url == "https://mid.ru/ru/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/1.html"
    assert record.body.decode() == "<p>Брифинг</p>"


def test_a_redirected_response_keeps_the_requested_url(tmp_path: Path) -> None:
    with WarcFile(str(tmp_path), "s/x.warc.gz") as warc:
        ref = warc.write(response("https://a.example/old", b"<p>x</p>", final_url="https://a.example/new"))
    record = read_response(str(tmp_path), ref)
    assert (record.url, record.final_url) == ("https://a.example/old", "https://a.example/new")


def test_a_bad_pointer_is_a_clear_archive_error(tmp_path: Path) -> None:
    with WarcFile(str(tmp_path), "s/x.warc.gz") as warc:
        ref = warc.write(response("https://a.example/", b"<p>x</p>"))
    with pytest.raises(ArchiveError, match="no response record"):
        read_response(str(tmp_path), ArchiveRef(ref.file, 0, ref.offset))  # the warcinfo and request records
    with pytest.raises(ArchiveError, match=r"damaged record .* at offset 0: the gzip member is cut short"):
        read_response(str(tmp_path), ArchiveRef(ref.file, 0, 10))
    with pytest.raises(ArchiveError, match="cannot read"):
        read_response(str(tmp_path), ArchiveRef("s/missing.warc.gz", 0, 10))
