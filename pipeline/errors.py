"""Readout's exception hierarchy.

Every error the pipeline records is one of these, so that a run can sort failures into *permanent*
(recorded and not retried: the page is gone, the address is forbidden, the body is too large) and
*transient* (recorded and retried on a later run: timeouts, 5xx, 429).

::

    ReadoutError
    ├── ConfigError                  a settings, sources or topics file is invalid
    ├── FetchError                   anything that stops an HTTP exchange
    │   ├── PermanentFetchError
    │   │   ├── BlockedURLError      scheme, credentials or address refused by the guard (SSRF)
    │   │   ├── RobotsDisallowedError
    │   │   ├── BodyTooLargeError    the body passed its cap (counted after decompression)
    │   │   ├── TooManyRedirectsError
    │   │   ├── DecodingError        a broken Content-Encoding stream
    │   │   └── HTTPStatusError      a 4xx other than 408/429
    │   └── TransientFetchError
    │       ├── DeadlineExceededError  a request's deadline or a whole get()'s budget passed
    │       ├── NetworkError          connect/read failure
    │       │   └── TimedOutError         a connect or read timed out (not retried in the same run)
    │       ├── ServerError           5xx, 408 or 429 still failing after the retries
    │       ├── RobotsUnavailableError  robots.txt answered 5xx/429 or could not be fetched
    │       └── HostBackedOffError    the host failed or timed out too often in this run
    ├── DiscoveryError               a feed, listing page or sitemap could not be read
    ├── ExtractionError              no usable text could be extracted from a page
    ├── ArchiveError                 the raw archive could not be written or read
    ├── CatalogError                 the catalog cannot be opened, migrated, read or written
    │   ├── CatalogLockedError       another process held a lock for longer than the lock timeout
    │   └── CatalogMissingError      nothing was ingested with these settings yet (pipeline.store.access)
    ├── SearchBackendError           Elasticsearch/Kibana unreachable or answering errors (transient)
    └── InternalError                a bug in Readout, caught so that it costs one item or source
"""

from __future__ import annotations

import logging


class ReadoutError(Exception):
    """Base class of every error Readout raises on purpose."""

    #: Whether retrying later cannot help. Subclasses override this.
    permanent: bool = True

    @property
    def kind(self) -> str:
        """A short stable name for the error class, used in the catalog and summaries."""
        return type(self).__name__


class ConfigError(ReadoutError):
    """A configuration file is invalid; the message names the file, the entry and the field."""

    def __init__(
        self, message: str, *, file: str | None = None, entry: str | None = None, field: str | None = None
    ) -> None:
        self.file = file
        self.entry = entry
        self.field = field
        where = ", ".join(
            part
            for part in (
                file,
                f"entry {entry}" if entry else None,
                f"field {field!r}" if field else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class FetchError(ReadoutError):
    """An HTTP exchange failed. ``url`` is the URL that was being fetched."""

    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        self.reason = message
        super().__init__(f"{message} ({url})")


class PermanentFetchError(FetchError):
    """Retrying will not help: record and move on."""

    permanent = True


class BlockedURLError(PermanentFetchError):
    """The URL's scheme, credentials or resolved address is refused by the request guard."""


class RobotsDisallowedError(PermanentFetchError):
    """robots.txt disallows the URL for our user agent."""


class BodyTooLargeError(PermanentFetchError):
    """The response body passed its size cap (counted after decompression)."""


class TooManyRedirectsError(PermanentFetchError):
    """The redirect chain is longer than allowed."""


class DecodingError(PermanentFetchError):
    """The body's Content-Encoding stream is corrupt."""


class HTTPStatusError(PermanentFetchError):
    """The server answered with a status that retrying will not change (most 4xx)."""

    def __init__(self, message: str, *, url: str, status: int) -> None:
        self.status = status
        super().__init__(message, url=url)


class TransientFetchError(FetchError):
    """Worth retrying on a later run."""

    permanent = False


class DeadlineExceededError(TransientFetchError):
    """A request's total deadline (connect, headers and body) or a whole ``get()``'s budget (redirects,
    retries and waits included) passed."""


class NetworkError(TransientFetchError):
    """The connection failed, timed out or broke."""


class TimedOutError(NetworkError):
    """A connect or read timed out: the server accepted nothing, or said nothing, for the whole timeout.

    Like :class:`DeadlineExceededError`, it is not retried in the same run (a retry would cost the host
    the whole wait again), only on later runs."""


class ServerError(TransientFetchError):
    """The server kept answering 5xx, 408 or 429 through all retries."""

    def __init__(self, message: str, *, url: str, status: int) -> None:
        self.status = status
        super().__init__(message, url=url)


class RobotsUnavailableError(TransientFetchError):
    """robots.txt could not be read (5xx, 429, network): RFC 9309 says to assume complete disallow."""


class HostBackedOffError(TransientFetchError):
    """The host failed too many times in a row, or timed out too often, in this run; it is left alone
    until the next run. The item was not asked for, so no attempt is counted against it."""


class DiscoveryError(ReadoutError):
    """A feed, listing page or sitemap could not be turned into items."""

    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        super().__init__(f"{message} ({url})")


class ExtractionError(ReadoutError):
    """No usable text could be extracted from a page."""

    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        super().__init__(f"{message} ({url})")


class ArchiveError(ReadoutError):
    """The raw WARC archive could not be written or read."""

    permanent = False


class CatalogError(ReadoutError):
    """The catalog cannot be opened, migrated, read or written: a wrong URL, the server down or gone, a lock
    held by another process, a full disk, a read-only or damaged database, a migration that failed.

    Raised for the database's own errors by the catalog's engine (:mod:`pipeline.store.access`), with ``url``
    (password hidden) and a one-line ``reason``: never the SQL or its parameters, which hold document text.
    """

    permanent = False

    def __init__(self, message: str, *, url: str | None = None, reason: str | None = None) -> None:
        self.url = url
        self.reason = reason
        super().__init__(message)

    def during(self, step: str) -> CatalogError:
        """The same error (same class) told as a failure of ``step``, what Readout was doing ("start the run"),
        instead of the statement that failed; unchanged when it has no URL and reason to retell."""
        if self.url is None or self.reason is None:
            return self
        return type(self)(
            f"the catalog at {self.url} could not {step}: {self.reason}", url=self.url, reason=self.reason
        )


class CatalogLockedError(CatalogError):
    """Another process held a lock on the catalog for longer than ``READOUT_CATALOG_LOCK_TIMEOUT`` (SQLite's busy
    timeout, PostgreSQL's ``lock_timeout``)."""


class InternalError(ReadoutError):
    """An unexpected exception (a bug), recorded for the item or source it hit; retried on later runs."""

    permanent = False


class SearchBackendError(ReadoutError):
    """Elasticsearch or Kibana cannot be reached or answers with an error for a whole request.

    Transient: documents stay pending in the outbox and the next run catches up.
    """

    permanent = False


def traceback_wanted(logger: logging.Logger, error: BaseException) -> bool:
    """Whether a log line about ``error`` should carry its traceback: always for a bug, but for a failure Readout
    expects and explains (a :class:`ReadoutError`, such as a catalog that is locked or gone) only when ``logger``
    logs at DEBUG (``--verbose``): a run over a failing catalog would otherwise print one traceback per item."""
    return not isinstance(error, ReadoutError) or logger.isEnabledFor(logging.DEBUG)
