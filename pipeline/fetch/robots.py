"""robots.txt: fetched through the guarded client, cached, interpreted per RFC 9309.

Status handling (RFC 9309 §2.3.1): 2xx → parse the rules (an HTML page or garbage parses to no rules,
which allows everything); redirects are followed by the client; 4xx → no restrictions; 5xx, 429 or a
network failure → complete disallow, reported as a transient error so the items are retried later.

Size (RFC 9309 §2.5): a robots.txt longer than :data:`ROBOTS_MAX_BYTES` is read up to that size and
its rules parsed from there, never refused as too large.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from pipeline.errors import FetchError, HTTPStatusError, NetworkError, RobotsDisallowedError, RobotsUnavailableError
from pipeline.models import FetchedResponse

log = logging.getLogger(__name__)

#: How much of a robots.txt is read and parsed; the rest is ignored. RFC 9309 §2.5 asks crawlers to
#: parse at least the first 500 KiB.
ROBOTS_MAX_BYTES = 512 * 1024
#: The product token matched against ``User-agent:`` lines.
ROBOTS_TOKEN = "Readout"  # noqa: S105 - a robots.txt product token, not a secret


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one host, as fetched at ``fetched_at`` (epoch seconds)."""

    fetched_at: float
    status: int
    body: str

    def parser(self) -> Protego | None:
        return Protego.parse(self.body) if 200 <= self.status < 300 else None


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def _complete_lines(body: bytes) -> bytes:
    """``body`` without a partial last line, when it was cut off at :data:`ROBOTS_MAX_BYTES`.

    A rule cut mid-line can mean something else entirely: ``Allow: /a`` cut to ``Allow: /`` would
    allow the whole site.
    """
    if len(body) < ROBOTS_MAX_BYTES:
        return body
    return body[: body.rfind(b"\n") + 1]


class RobotsPolicy:
    """Answers "may we fetch this URL, and how slowly?" for every host, caching robots.txt.

    ``fetch`` gets a robots.txt URL and returns the response (it must not consult robots itself).
    The cache lives in memory and, when ``cache_dir`` is given, on disk so that separate processes
    (Airflow tasks) share it.
    """

    def __init__(
        self,
        fetch: Callable[[str], FetchedResponse],
        *,
        ttl: float,
        cache_dir: Path | None = None,
        token: str = ROBOTS_TOKEN,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._cache_dir = cache_dir
        self._token = token
        self._memory: dict[str, tuple[RobotsRules, Protego | None]] = {}
        self._unavailable: dict[str, str] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def check(self, url: str) -> float | None:
        """Raise if robots.txt disallows ``url``; return the host's Crawl-delay (seconds) if it sets one."""
        key = robots_url(url)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key in self._unavailable:
                raise RobotsUnavailableError(self._unavailable[key], url=url)
            _, parser = self._rules(key)
        if parser is None:
            return None
        if not parser.can_fetch(url, self._token):
            raise RobotsDisallowedError(f"robots.txt of {urlsplit(url).netloc} disallows this URL", url=url)
        delay = parser.crawl_delay(self._token)
        return float(delay) if delay is not None else None

    def _rules(self, key: str) -> tuple[RobotsRules, Protego | None]:
        cached = self._memory.get(key) or self._from_disk(key)
        if cached is not None and time.time() - cached[0].fetched_at < self._ttl:
            return cached
        try:
            response = self._fetch(key)
            rules = RobotsRules(time.time(), response.status, _complete_lines(response.body).decode("utf-8", "replace"))
        except HTTPStatusError as exc:
            # 4xx: "unavailable" in RFC 9309 terms, which means no restrictions.
            rules = RobotsRules(time.time(), exc.status, "")
        except NetworkError:
            raise  # the host is unreachable: say so, rather than blame robots.txt
        except FetchError as exc:
            reason = f"robots.txt could not be read ({exc.reason}), so the host is treated as disallowed for now"
            self._unavailable[key] = reason
            log.warning("%s", reason)
            raise RobotsUnavailableError(reason, url=key) from exc
        entry = (rules, rules.parser())
        self._memory[key] = entry
        self._to_disk(key, rules)
        return entry

    def _path(self, key: str) -> Path | None:
        if self._cache_dir is None:
            return None
        netloc = urlsplit(key).netloc.replace(":", "_")
        return self._cache_dir / f"{urlsplit(key).scheme}_{netloc}.json"

    def _from_disk(self, key: str) -> tuple[RobotsRules, Protego | None] | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text("utf-8"))
            rules = RobotsRules(float(data["fetched_at"]), int(data["status"]), str(data["body"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        entry = (rules, rules.parser())
        self._memory[key] = entry
        return entry

    def _to_disk(self, key: str, rules: RobotsRules) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"fetched_at": rules.fetched_at, "status": rules.status, "body": rules.body}))
            tmp.replace(path)
        except OSError as exc:
            log.warning("could not cache robots.txt for %s: %s", key, exc)
