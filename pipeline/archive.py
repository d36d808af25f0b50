"""The raw archive: every fetched response as WARC records (gzip per record), read back by pointer.

Files are written one per source and run (``<source>/<YYYY>/<MM>/<run start>-<run id>.warc.gz``) under
the archive root, a local folder or any fsspec URL. Each response gets a ``request`` and a ``response``
record; the catalog keeps an :class:`~pipeline.models.ArchiveRef` (file relative to the root, offset,
length) to the response record. Bodies are stored as delivered to us, i.e. after Content-Encoding was
undone, with the wire headers (Content-Encoding, Transfer-Encoding) dropped and Content-Length fixed,
so that a record can be re-extracted without any decoder.
"""

from __future__ import annotations

import io
import os
import threading
from datetime import datetime
from types import TracebackType
from typing import Any

import fsspec
import httpx
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline import __version__
from pipeline.errors import ArchiveError
from pipeline.models import ArchiveRef, FetchedResponse

_REASONS = {200: "OK", 203: "Non-Authoritative Information", 304: "Not Modified", 404: "Not Found", 410: "Gone"}


class _CountingFile(io.RawIOBase):
    """Counts bytes written, because not every fsspec file can ``tell()`` while writing."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        written = self.inner.write(data)
        self.position += len(data)
        return int(written) if written is not None else len(data)


class WarcFile:
    """One WARC file being written. Thread-safe; use as a context manager."""

    def __init__(self, root: str, relative: str) -> None:
        self.root = root.rstrip("/")
        self.relative = relative
        self._lock = threading.Lock()
        url = f"{self.root}/{relative}"
        try:
            fs, path = fsspec.core.url_to_fs(url)
            fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            self._file = fs.open(path, "wb")
            # Object stores make a file visible only when it is closed; a local file can be fsync'ed.
            self._local = "file" in fs.protocol and hasattr(self._file, "fileno")
        except OSError as exc:
            raise ArchiveError(f"cannot open WARC file {url}: {exc}") from exc
        self._out = _CountingFile(self._file)
        self._writer = WARCWriter(self._out, gzip=True)
        info = self._writer.create_warcinfo_record(
            relative, {"software": f"Readout/{__version__}", "format": "WARC File Format 1.1"}
        )
        self._writer.write_record(info)

    def write(self, response: FetchedResponse) -> ArchiveRef:
        """Append the request and response records of ``response``; return the response record's pointer.

        The bytes are flushed (and fsync'ed on a local disk) before the pointer is returned, because the
        catalog commits the pointer right away. Any failure is an :class:`ArchiveError`.
        """
        try:
            return self._write(response)
        except ArchiveError:
            raise
        except Exception as exc:  # warcio, encoding or storage errors: the item must fail, not the run
            raise ArchiveError(f"cannot archive {response.final_url} in {self.root}/{self.relative}: {exc}") from exc

    def _write(self, response: FetchedResponse) -> ArchiveRef:
        # WARC and HTTP want the wire form: IDNA host, percent-encoded path (feeds link to IRIs).
        wire = httpx.URL(response.final_url)
        target = str(wire)
        request_line = f"GET {wire.raw_path.decode('ascii')} HTTP/1.1"
        date = response.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        request_headers = StatusAndHeaders(
            request_line, [("Host", wire.netloc.decode("ascii")), *response.request_headers], is_http_request=True
        )
        reason = _REASONS.get(response.status, "")
        http_headers = StatusAndHeaders(
            f"{response.status} {reason}".strip(), list(response.headers), protocol="HTTP/1.1"
        )
        warc_headers: dict[str, str] = {"WARC-Date": date}
        if response.peer:
            warc_headers["WARC-IP-Address"] = response.peer
        if response.url != response.final_url:
            warc_headers["WARC-Readout-Requested-URI"] = str(httpx.URL(response.url))
        with self._lock:
            record = self._writer.create_warc_record(
                target,
                "response",
                payload=io.BytesIO(response.body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
            request = self._writer.create_warc_record(
                target,
                "request",
                payload=io.BytesIO(b""),
                http_headers=request_headers,
                warc_headers_dict={"WARC-Date": date},
            )
            request.rec_headers.add_header("WARC-Concurrent-To", record.rec_headers.get_header("WARC-Record-ID"))
            self._writer.write_record(request)
            start = self._out.position
            self._writer.write_record(record)
            end = self._out.position
            self._file.flush()
            if self._local:
                os.fsync(self._file.fileno())
        return ArchiveRef(file=self.relative, offset=start, length=end - start)

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def __enter__(self) -> WarcFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def warc_path(source_id: str, run_id: str, started: datetime) -> str:
    """Relative path of a run's WARC file for one source."""
    return f"{source_id}/{started:%Y}/{started:%m}/{started:%Y%m%dT%H%M%SZ}-{run_id[:8]}.warc.gz"


def read_response(root: str, ref: ArchiveRef) -> FetchedResponse:
    """Read the response record at ``ref`` back into a :class:`FetchedResponse`."""
    url = f"{root.rstrip('/')}/{ref.file}"
    try:
        with fsspec.open(url, "rb") as fh:
            fh.seek(ref.offset)
            data = fh.read(ref.length)
    except OSError as exc:
        raise ArchiveError(f"cannot read {url} at offset {ref.offset}: {exc}") from exc
    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type != "response":
            continue
        http = record.http_headers
        status = int(http.get_statuscode())
        return FetchedResponse(
            url=record.rec_headers.get_header("WARC-Readout-Requested-URI")
            or record.rec_headers.get_header("WARC-Target-URI"),
            final_url=record.rec_headers.get_header("WARC-Target-URI"),
            status=status,
            headers=tuple(http.headers),
            body=record.content_stream().read(),
            fetched_at=datetime.fromisoformat(record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")),
            peer=record.rec_headers.get_header("WARC-IP-Address"),
        )
    raise ArchiveError(f"no response record in {url} at offset {ref.offset}")
