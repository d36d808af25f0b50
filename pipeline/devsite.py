"""Serve the bundled fixture sites on loopback, one HTTP server per real host name.

The fixture sites live in ``tests/fixtures/sites/<host>/`` and mirror the real sites' paths. Each host
gets its own server on ``127.0.0.1`` (an ephemeral port), so politeness, robots.txt and conditional GET
behave per host exactly as on the internet. Conventions:

* a request for a directory (``/a/b/``) is served from ``index.html`` or ``index.xml`` inside it;
* a request with a query string (``/p?q``) is served from the file ``p@q`` (``/`` in ``q`` stays a
  folder separator);
* ``<file>.headers`` beside a file, if present, holds raw ``Name: value`` lines sent instead of the
  guessed ``Content-Type`` (how fixtures declare legacy charsets, or lie about them); a ``Status: NNN``
  line answers with that status instead of 200 (with ``Location:``, rewritten like bodies, a redirect),
  and then the file itself may be missing (an empty body is sent);
* :attr:`SiteFarm.overlay`, when set, is a folder laid out like the sites (``<overlay>/<host>/<path>``)
  whose files and ``.headers`` are served before the site's own: tests swap it between two runs to edit,
  remove, redirect or bring back pages without touching the fixtures;
* in text bodies, every ``http(s)://<served host>`` is rewritten to that host's loopback origin, so
  absolute links in feeds and pages stay inside the fixture world;
* every file has a strong ETag and a fixed Last-Modified, and conditional requests get ``304``.

Used by the test suite and by ``readout demo``; this is test infrastructure, not production code.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: Default location of the fixture sites in a checkout.
SITES_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sites"
#: The fixture hosts of news outlets (article pages that quote officials; no ministry's transcripts).
NEWS_HOSTS = (
    "en.people.cn",
    "sputnikglobe.com",
    "tass.com",
    "tass.ru",
    "world.people.com.cn",
    "www.aljazeera.com",
    "www.bbc.com",
    "www.dw.com",
    "www.globaltimes.cn",
    "www.islamtimes.com",
    "www.theguardian.com",
)
LAST_MODIFIED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
_TEXT_TYPES = re.compile(r"^(text/|application/(rss\+|atom\+|rdf\+)?xml|application/(xhtml\+)?xml)")


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request a fixture server answered."""

    host: str
    method: str
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class SiteFarm:
    """The running servers: real host name → loopback origin, and a log of every request."""

    root: Path
    origins: dict[str, str] = field(default_factory=dict)
    log: list[LoggedRequest] = field(default_factory=list)
    #: Files to serve instead of the ones on disk: (host, path) → bytes. Tests use it to change a page.
    overrides: dict[tuple[str, str], bytes] = field(default_factory=dict)
    #: A folder of ``<host>/<path>`` files served before the sites' own (None: none). Set between runs.
    overlay: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rewrite(self, text: str) -> str:
        """Replace every real origin of a served host in ``text`` with its loopback origin."""
        for host, origin in self.origins.items():
            text = re.sub(rf"https?://{re.escape(host)}(?=[/\"'\s<?#:]|$)", origin, text)
        return text

    def rewrite_bytes(self, body: bytes) -> bytes:
        for host, origin in self.origins.items():
            body = re.sub(rb"https?://" + re.escape(host.encode()) + rb"(?=[/\"'\s<?#:]|$)", origin.encode(), body)
        return body

    def requests(self, host: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if host is None or r.host == host]

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)


def _locate(farm: SiteFarm, host: str, raw_path: str) -> tuple[Path | None, Path | None]:
    """The file to serve for ``raw_path`` and its ``.headers`` file (either may be None): the overlay's when
    it has either, else the site's."""
    roots = ([farm.overlay / host] if farm.overlay is not None else []) + [farm.root / host]
    for site in roots:
        file = _resolve_file(site, raw_path)
        headers = _headers_file(site, raw_path, file)
        if file is not None or headers is not None:
            return file, headers
    return None, None


def _headers_file(site: Path, raw_path: str, file: Path | None) -> Path | None:
    """The ``.headers`` file of ``file``, or of the path's missing file (a status-only answer)."""
    if file is not None:
        beside = file.with_name(file.name + ".headers")
        return beside if beside.is_file() else None
    parts = urlsplit(raw_path)
    path = unquote(parts.path) + (f"@{unquote(parts.query)}" if parts.query else "")
    candidate = (site / (path.lstrip("/") + ".headers")).resolve()
    return candidate if candidate.is_relative_to(site.resolve()) and candidate.is_file() else None


def _resolve_file(site: Path, raw_path: str) -> Path | None:
    parts = urlsplit(raw_path)
    path = unquote(parts.path)
    if parts.query:
        path = f"{path}@{unquote(parts.query)}"
    candidate = (site / path.lstrip("/")).resolve()
    if not candidate.is_relative_to(site.resolve()):
        return None
    if candidate.is_dir():
        for name in ("index.html", "index.xml"):
            if (candidate / name).is_file():
                return candidate / name
        return None
    return candidate if candidate.is_file() else None


def _make_handler(farm: SiteFarm, host: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ReadoutFixture/1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the farm keeps its own log."""

        def do_HEAD(self) -> None:
            self._serve(head=True)

        def do_GET(self) -> None:
            self._serve(head=False)

        def _serve(self, *, head: bool) -> None:
            override = farm.overrides.get((host, self.path))
            file, headers_file = (None, None) if override is not None else _locate(farm, host, self.path)
            if override is None and file is None and headers_file is None:
                self._send(404, [("Content-Type", "text/html")], b"<html><body>Not found</body></html>", head)
                return
            body = override if override is not None else file.read_bytes() if file is not None else b""
            headers = self._headers_for(file, headers_file)
            if _TEXT_TYPES.match(dict(headers).get("Content-Type", "")) and b"\x00" not in body[:200]:
                body = farm.rewrite_bytes(body)
            status = next((int(value) for name, value in headers if name.lower() == "status"), 200)
            if status != 200:
                # A redirect or an error page: sent as written, its Location pointing inside the fixture world.
                sent = [
                    (name, farm.rewrite(value) if name.lower() == "location" else value)
                    for name, value in headers
                    if name.lower() != "status"
                ]
                self._send(status, sent, body, head)
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            headers += [("ETag", etag), ("Last-Modified", format_datetime(LAST_MODIFIED, usegmt=True))]
            if self._not_modified(etag):
                self._send(304, [("ETag", etag)], b"", head=True)
                return
            self._send(200, headers, body, head)

        def _headers_for(self, file: Path | None, headers_file: Path | None) -> list[tuple[str, str]]:
            if headers_file is not None:
                lines = headers_file.read_text("ascii").splitlines()
                return [tuple(part.strip() for part in line.split(":", 1)) for line in lines if ":" in line]  # type: ignore[misc]
            name = file.name if file is not None else self.path
            guessed = mimetypes.guess_type(name.split("@")[0])[0] or "text/html"
            if name.endswith((".rss", ".atom")) or name == "index.xml":
                guessed = "application/xml"
            if guessed.startswith("text/") or guessed.endswith("xml"):
                guessed += "; charset=utf-8"
            return [("Content-Type", guessed)]

        def _not_modified(self, etag: str) -> bool:
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match is not None:
                return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
            since = self.headers.get("If-Modified-Since")
            if since:
                try:
                    return parsedate_to_datetime(since) >= LAST_MODIFIED
                except (TypeError, ValueError):
                    return False
            return False

        def _send(self, status: int, headers: list[tuple[str, str]], body: bytes, head: bool) -> None:
            farm.record(LoggedRequest(host, self.command, self.path, dict(self.headers.items()), status))
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

    return Handler


@contextmanager
def serve_sites(root: Path = SITES_DIR, hosts: list[str] | None = None) -> Iterator[SiteFarm]:
    """Start one loopback server per fixture host (every folder of ``root`` by default)."""
    farm = SiteFarm(root=root)
    names = hosts if hosts is not None else sorted(p.name for p in root.iterdir() if p.is_dir())
    servers: list[ThreadingHTTPServer] = []
    try:
        for host in names:
            server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(farm, host))
            server.daemon_threads = True
            servers.append(server)
            farm.origins[host] = f"http://127.0.0.1:{server.server_address[1]}"
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fixture-{host}", daemon=True
            ).start()
        yield farm
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
