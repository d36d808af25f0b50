"""The raw archive: every fetched response as WARC records (gzip per record), read back by pointer.

Files are written one per source and run (``<source>/<YYYY>/<MM>/<run start>-<run id>.warc.gz``) under
the archive root, a local folder or any fsspec URL. Each response gets a ``request`` and a ``response``
record; the catalog keeps an :class:`~pipeline.models.ArchiveRef` (file relative to the root, offset,
length) to the response record. Bodies are stored as delivered to us, i.e. after Content-Encoding was
undone, with the wire headers (Content-Encoding, Transfer-Encoding) dropped and Content-Length fixed,
so that a record can be re-extracted without any decoder.

A pointer is returned only for a record that is whole where it says: fsync'ed on a local disk, read back
on any other store (where a store shows a file only once it is closed, as S3 does, each record is written
to a file of its own). A write that fails (an exception, a short write, a failed flush or fsync) costs
that record only: a local file is cut back to the end of its last whole record, any other file is closed
and never written again, the run going on in ``<name>-1.warc.gz``, ``<name>-2.warc.gz``, ... Damage already
on disk (a torn tail from a crash or a full disk; warcio reads past it silently) is found by
:func:`verify_file` and :func:`check_archive`, and :func:`read_response` refuses a record that is cut short.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, BinaryIO

import fsspec
import httpx
from fsspec.implementations.local import LocalFileSystem
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline import __version__
from pipeline.errors import ArchiveError
from pipeline.models import ArchiveRef, FetchedResponse

log = logging.getLogger(__name__)

_REASONS = {200: "OK", 203: "Non-Authoritative Information", 304: "Not Modified", 404: "Not Found", 410: "Gone"}
_SUFFIX = ".warc.gz"
# Small reads: each gzip member's end leaves the rest of the chunk to be copied as unused data.
_CHUNK = 1 << 16
_CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*(\d+)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


def _url(root: str, relative: str) -> str:
    return f"{root.rstrip('/')}/{relative}"


def _reason(exc: BaseException) -> str:
    """The OS error in words ("No space left on device (ENOSPC)"), else the exception's own message."""
    if isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        return f"{exc.strerror} ({errno.errorcode.get(exc.errno, exc.errno)})"
    return str(exc) or type(exc).__name__


def _numbered(relative: str, number: int) -> str:
    """``a/b.warc.gz`` -> ``a/b-2.warc.gz``: the name of the file that continues a failed one."""
    stem = relative[: -len(_SUFFIX)] if relative.endswith(_SUFFIX) else relative
    return f"{stem}-{number}{_SUFFIX}"


#: zlib level of each record's gzip member. warcio compresses at 9, which costs about 1.6x the CPU of 6 for
#: about 1 % smaller files on news pages (benchmark HTML: 5.3 against 3.4 ms a page, 19.6 % against 19.8 % of
#: the raw size); on a fast run the archive's compression was a quarter of the run process's CPU.
GZIP_LEVEL = 6


def _serialize(record: ArcWarcRecord) -> bytes:
    """One record as its own gzip member, built in memory so that it is written (or not) in one piece."""
    buffer = io.BytesIO()
    WARCWriter(buffer, gzip=False).write_record(record)
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)  # +16: a gzip member
    return compressor.compress(buffer.getvalue()) + compressor.flush()


def _close_quietly(file: Any) -> None:
    try:
        file.close()
    except Exception as exc:  # the file already failed; its error was reported with the record
        log.debug("closing a failed WARC file: %s", exc)


class WarcFile:
    """One source's WARC output for a run: one file, continued in a new one after a failed write.

    Thread-safe; use as a context manager. :attr:`relative` is the file being written now and
    :attr:`files` every file started, in order.
    """

    def __init__(self, root: str, relative: str) -> None:
        self.root = root.rstrip("/")
        self.relative = relative
        self.files: list[str] = []
        self._lock = threading.Lock()
        self._fs: Any = None
        self._file: Any = None
        self._path = ""
        self._end = 0  # where the last record known to be whole ends: the only offset trusted
        self._local = False
        # Set when the store shows a file only once it is closed (S3 and the like): then each record gets a
        # file of its own, closed and read back before its pointer is returned.
        self._per_record = False
        self._open(relative)
        try:
            self._append(self._warcinfo(), pointer=False)
        except ArchiveError as exc:  # the next write starts the file again with its warcinfo record
            log.warning("%s", exc)

    @property
    def url(self) -> str:
        """The full location of the file being written now."""
        return _url(self.root, self.relative)

    def write(self, response: FetchedResponse) -> ArchiveRef:
        """Append the request and response records of ``response``; return the response record's pointer.

        The pointer is returned only once the record is whole in the file (fsync'ed on a local disk, read
        back elsewhere), because the catalog commits it right away. Any failure is an :class:`ArchiveError`
        naming the file and the reason, and costs this record only: the next one goes to a sound file.
        """
        try:
            request, record = self._records(response)
        except Exception as exc:  # warcio or encoding errors: the item must fail, not the run
            raise ArchiveError(f"cannot archive {response.final_url} in {self.url}: {exc}") from exc
        with self._lock:
            try:
                if self._file is None:
                    self._open(_numbered(self.files[0], len(self.files)))
                if self._end == 0:
                    self._append(self._warcinfo(), pointer=False)
                start = self._append(request + record, pointer=True)
            except ArchiveError as exc:
                raise ArchiveError(f"cannot archive {response.final_url}: {exc}") from exc
            return ArchiveRef(file=self.relative, offset=start + len(request), length=len(record))

    def close(self) -> None:
        """Close the file being written. Every pointer returned is already whole, so an error is only logged."""
        with self._lock:
            file, self._file = self._file, None
            if file is None:
                return
            try:
                file.close()
            except Exception as exc:
                log.warning("closing WARC file %s: %s", self.url, _reason(exc))

    def __enter__(self) -> WarcFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _open(self, relative: str) -> None:
        """Create ``relative`` for writing (a new name each time: a file that failed is never written again)."""
        url = _url(self.root, relative)
        try:
            fs, path = fsspec.core.url_to_fs(url)
            parent = path.rsplit("/", 1)[0]
            fs.makedirs(parent, exist_ok=True)
            file = fs.open(path, "wb")
        except Exception as exc:
            raise ArchiveError(f"cannot open WARC file {url}: {_reason(exc)}") from exc
        self._fs, self._path, self._file, self._end = fs, path, file, 0
        self._local = isinstance(fs, LocalFileSystem) and hasattr(file, "fileno")
        self.relative = relative
        self.files.append(relative)
        if self._local:
            try:  # the file's directory entry must be durable too, or a crash loses the whole file
                directory = os.open(parent, os.O_RDONLY)
                try:
                    os.fsync(directory)
                finally:
                    os.close(directory)
            except OSError as exc:
                self._file = None
                _close_quietly(file)
                raise ArchiveError(f"cannot sync the folder of WARC file {url}: {_reason(exc)}") from exc

    def _warcinfo(self) -> bytes:
        info = {"software": f"Readout/{__version__}", "format": "WARC File Format 1.1"}
        writer = WARCWriter(io.BytesIO(), gzip=True)
        return _serialize(writer.create_warcinfo_record(self.relative.rsplit("/", 1)[-1], info))

    def _records(self, response: FetchedResponse) -> tuple[bytes, bytes]:
        """The request and response records of ``response``, each a gzip member."""
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
        writer = WARCWriter(io.BytesIO(), gzip=True)
        record = writer.create_warc_record(
            target,
            "response",
            payload=io.BytesIO(response.body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        request = writer.create_warc_record(
            target,
            "request",
            payload=io.BytesIO(b""),
            http_headers=request_headers,
            warc_headers_dict={"WARC-Date": date},
        )
        request.rec_headers.add_header("WARC-Concurrent-To", record.rec_headers.get_header("WARC-Record-ID"))
        return _serialize(request), _serialize(record)

    def _append(self, data: bytes, *, pointer: bool) -> int:
        """Write ``data`` at the end of the current file and make sure it is whole there; return its offset.

        ``pointer`` says whether a pointer into ``data`` will be returned (a warcinfo record has none).
        On any failure the file is taken out of use (:meth:`_recover`) and an :class:`ArchiveError` raised.
        """
        start = self._end
        try:
            self._write_all(data)
            self._file.flush()
            if self._local:
                os.fsync(self._file.fileno())
            end = self._position(start + len(data))
            if end != start + len(data):
                raise OSError(f"the file is at byte {end} after writing bytes {start} to {start + len(data)}")
            if not self._local:
                self._read_back(start, data, pointer=pointer)
        except Exception as exc:
            self._recover()
            raise ArchiveError(f"cannot write {self.url} at offset {start}: {_reason(exc)}") from exc
        self._end = start + len(data)
        return start

    def _write_all(self, data: bytes) -> None:
        """Write every byte of ``data``, counting only what each write call says it stored."""
        done = 0
        while done < len(data):
            written = self._file.write(data[done:] if done else data)
            if not written:  # None or 0: nothing confirmed, so nothing can be trusted
                raise OSError(f"short write: {done} of {len(data)} bytes stored")
            done += int(written)

    def _position(self, counted: int) -> int:
        """Where the file really is: ``tell()`` when the file can say, else the bytes confirmed written."""
        try:
            return int(self._file.tell())
        except (OSError, ValueError, AttributeError):
            return counted

    def _read_back(self, start: int, data: bytes, *, pointer: bool) -> None:
        """Check, on a store that cannot fsync, that ``data`` reads back at ``start``."""
        if self._per_record:
            if not pointer:
                return  # nothing points into a warcinfo record; it is read back with the first record
            file, self._file = self._file, None
            file.close()  # the store publishes the file now; the next record starts a new one
        try:
            stored = self._fs.cat_file(self._path, start, start + len(data))
        except FileNotFoundError:
            if pointer or start != 0:
                raise
            self._per_record = True  # probed with the warcinfo record: invisible until closed
            return
        if stored != data:
            raise OSError(f"bytes {start} to {start + len(data)} read back differ from those written")

    def _recover(self) -> None:
        """Take the failed file out of use: cut a local file back to its last whole record and reopen it
        for appending; close anything else (the next write starts a new file)."""
        file, self._file = self._file, None
        if file is not None:
            # A buffered file may still hold part of the failed record: closing it may write that part,
            # which is why it is never used again and the truncation comes after the close.
            _close_quietly(file)
        if not self._local:
            return
        reopened = None
        try:
            os.truncate(self._path, self._end)
            reopened = self._fs.open(self._path, "ab")
            # Ask the file where its end is: fsspec's local append-mode file starts out saying byte 0.
            position = int(reopened.seek(0, os.SEEK_END))
            if position != self._end:
                raise OSError(f"the file is at byte {position} after cutting it to {self._end}")
            os.fsync(reopened.fileno())
        except Exception as exc:
            log.warning(
                "cannot cut %s back to byte %d (%s): continuing in a new file", self.url, self._end, _reason(exc)
            )
            if reopened is not None:
                _close_quietly(reopened)
            return
        self._file = reopened


def warc_path(source_id: str, run_id: str, started: datetime) -> str:
    """Relative path of a run's WARC file for one source."""
    return f"{source_id}/{started:%Y}/{started:%m}/{started:%Y%m%dT%H%M%SZ}-{run_id[:8]}{_SUFFIX}"


class _DamageError(Exception):
    """A gzip member or WARC record that is not whole, at ``offset``."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"at offset {offset}: {reason}")
        self.offset = offset
        self.reason = reason


def _members(fh: BinaryIO, base: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """Each gzip member of ``fh``, strictly: (offset, compressed length, content).

    Raises :class:`_DamageError` at the first member that does not decompress completely (cut short, bad data,
    bad checksum): unlike warcio, which stops quietly at a torn tail.
    """
    offset, pending = base, b""
    while True:
        chunk = pending or fh.read(_CHUNK)
        if not chunk:
            return
        member = zlib.decompressobj(wbits=31)
        parts: list[bytes] = []
        length = 0
        while True:
            try:
                parts.append(member.decompress(chunk))
            except zlib.error as exc:
                raise _DamageError(offset, f"bad gzip data ({exc})") from exc
            if member.eof:
                pending = member.unused_data
                length += len(chunk) - len(pending)
                break
            length += len(chunk)
            chunk = fh.read(_CHUNK)
            if not chunk:
                raise _DamageError(offset, f"the gzip member is cut short: the data ends {length} bytes into it")
        yield offset, length, b"".join(parts)
        offset += length


def _record_problem(content: bytes) -> str | None:
    """Why ``content`` (one decompressed gzip member) is not exactly one whole WARC record, or None."""
    head_end = content.find(b"\r\n\r\n")
    if not content.startswith(b"WARC/") or head_end < 0:
        return "the gzip member is not a WARC record"
    match = _CONTENT_LENGTH.search(content, 0, head_end)
    if match is None:
        return "the WARC record has no Content-Length"
    held = len(content) - head_end - 8  # the headers' blank line and the record's closing CRLF CRLF
    if held != int(match[1]) or not content.endswith(b"\r\n\r\n"):
        return f"the WARC record's Content-Length is {int(match[1])} but it holds {held} bytes"
    return None


@dataclass(frozen=True, slots=True)
class ArchiveCheck:
    """What a strict walk over one WARC file found."""

    #: The file, relative to the archive root.
    file: str
    #: Whole records read before the first problem (all of them when there is none).
    records: int
    #: Where the last whole record ends: the file's size when it is sound, else where the damage starts.
    good_offset: int
    #: What is wrong at ``good_offset`` (one line naming the file and offset), or None.
    problem: str | None

    @property
    def ok(self) -> bool:
        """Whether every byte of the file belongs to a whole record."""
        return self.problem is None


def verify_file(root: str, relative: str) -> ArchiveCheck:
    """Walk every gzip member of ``relative`` under ``root`` strictly; report the first damage.

    Each member must decompress completely and hold one whole WARC record (its Content-Length agreeing
    with what it holds). A file that cannot be read is reported as a problem too, never raised.
    """
    url = _url(root, relative)
    records, good = 0, 0
    try:
        with fsspec.open(url, "rb") as fh:
            for offset, length, content in _members(fh):
                problem = _record_problem(content)
                if problem is not None:
                    return ArchiveCheck(relative, records, good, f"{url} at offset {offset}: {problem}")
                records, good = records + 1, offset + length
    except _DamageError as exc:
        return ArchiveCheck(relative, records, good, f"{url} {exc}")
    except Exception as exc:  # a missing or unreadable file is what a check must report, not crash on
        return ArchiveCheck(relative, records, good, f"cannot read {url}: {_reason(exc)}")
    return ArchiveCheck(relative, records, good, None)


def check_archive(root: str) -> Iterator[ArchiveCheck]:
    """:func:`verify_file` on every ``*.warc.gz`` file under ``root``, in path order.

    Raises :class:`ArchiveError` only when the root itself cannot be listed; a missing root has no files.
    """
    try:
        fs, base = fsspec.core.url_to_fs(root.rstrip("/"))
        paths = sorted(path for path in fs.find(base) if path.endswith(_SUFFIX))
    except Exception as exc:
        raise ArchiveError(f"cannot list the archive {root}: {_reason(exc)}") from exc
    prefix = base.rstrip("/") + "/"
    for path in paths:
        yield verify_file(root, path.removeprefix(prefix))


def read_response(root: str, ref: ArchiveRef) -> FetchedResponse:
    """Read the response record at ``ref`` back into a :class:`FetchedResponse`.

    A record that is cut short or damaged is an :class:`ArchiveError` naming the file and offset, never a
    truncated body.
    """
    url = _url(root, ref.file)
    try:
        with fsspec.open(url, "rb") as fh:
            fh.seek(ref.offset)
            data = fh.read(ref.length)
    except OSError as exc:
        raise ArchiveError(f"cannot read {url} at offset {ref.offset}: {_reason(exc)}") from exc
    if len(data) < ref.length:
        raise ArchiveError(
            f"the record at offset {ref.offset} in {url} is cut short: the file ends {len(data)} bytes into its "
            f"{ref.length}"
        )
    try:
        for offset, _, content in _members(io.BytesIO(data), base=ref.offset):
            problem = _record_problem(content)
            if problem is not None:
                raise ArchiveError(f"damaged record in {url} at offset {offset}: {problem}")
            for record in ArchiveIterator(io.BytesIO(content)):
                if record.rec_type == "response":
                    return _response(record)
    except _DamageError as exc:
        raise ArchiveError(f"damaged record in {url} {exc}") from exc
    raise ArchiveError(f"no response record in {url} at offset {ref.offset}")


def _response(record: ArcWarcRecord) -> FetchedResponse:
    http = record.http_headers
    return FetchedResponse(
        url=record.rec_headers.get_header("WARC-Readout-Requested-URI")
        or record.rec_headers.get_header("WARC-Target-URI"),
        final_url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode()),
        headers=tuple(http.headers),
        body=record.content_stream().read(),
        fetched_at=datetime.fromisoformat(record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")),
        peer=record.rec_headers.get_header("WARC-IP-Address"),
    )
