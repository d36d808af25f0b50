"""Extraction and enrichment of fetched pages in a pool of worker processes, so that a run uses every core.

Extraction (trafilatura, lxml) and tagging are CPU work that holds the GIL: on the fetching threads they
use one core at most. :class:`ExtractionPool` sends each fetched page (a :class:`Job`: the source, the
item and the response, small picklable dataclasses) to a worker process, which extracts the document and
enriches it with an enricher it built once, at start-up; what comes back is an :class:`Outcome`, turned
into the item's :class:`ItemResult` exactly as :func:`~pipeline.ingest.fetch.fetch_item` would have made
it. Fetching (politeness per host) and every catalog write stay in the run's process.

The pool starts on the first page to extract (a run with nothing new pays nothing for it), with the
``forkserver`` start method (the run has threads by then; forking them is unsafe) and this module, which
imports the extractor and the tagger, preloaded in the fork server. A worker that dies (a crash, the OOM
killer) costs the pages in flight at that moment: they fail with an internal error, stay in the frontier
and are retried by the next run, and the pool is started afresh for the rest of the run. With
``READOUT_WORKERS`` 0 or 1 everything runs in the calling thread instead (debugging, tiny runs).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.connection import Connection

from pipeline.config import Settings, Source
from pipeline.enrich import Enricher, Enrichment, load_enricher
from pipeline.errors import ExtractionError
from pipeline.ingest.fetch import Fetched, extract_document, extraction_failed, internal_error
from pipeline.ingest.outcomes import ItemResult
from pipeline.models import DiscoveredItem, ExtractedDocument, FetchedResponse

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """One fetched page to extract and enrich: what crosses to a worker process."""

    source: Source
    item: DiscoveredItem
    response: FetchedResponse


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a worker sends back. Exceptions are not sent as objects (ours do not all pickle): an
    extraction refusal as its message and URL, a bug as its repr and traceback."""

    document: ExtractedDocument | None = None
    enrichment: Enrichment | None = None
    #: ExtractionError: (message without the URL, URL).
    refused: tuple[str, str] | None = None
    #: An unexpected exception in extraction: (repr, traceback).
    crashed: tuple[str, str] | None = None
    #: The traceback of a failed enrichment (the document is stored untagged; `readout retag` catches up).
    enrichment_failed: str | None = None


def pool_size(settings: Settings) -> int:
    """Worker processes for extraction: ``READOUT_WORKERS`` when set, else the CPUs this process may use."""
    if settings.workers is not None:
        return settings.workers
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux: the machine's count
        return os.cpu_count() or 1


def process(job: Job, enricher: Enricher) -> Outcome:
    """Extract and enrich one page. Never raises: every exception is described in the :class:`Outcome`."""
    try:
        document = extract_document(job.source, job.item, job.response)
    except ExtractionError as exc:
        return Outcome(refused=(str(exc).removesuffix(f" ({exc.url})"), exc.url))
    except Exception as exc:  # a bug must cost this item only
        return Outcome(crashed=(repr(exc), traceback.format_exc()))
    try:
        enrichment = enricher.enrich(
            document.title,
            document.text,
            declared_language=document.language,
            source_kind=job.source.kind,
            ministry=job.source.country,
            published_at=document.published_at,
            local_zone=job.source.tz,
        )
    except Exception:
        return Outcome(document=document, enrichment_failed=traceback.format_exc())
    return Outcome(document=document, enrichment=enrichment)


def item_result(fetched: Fetched, outcome: Outcome) -> ItemResult:
    """The item's result from what its worker sent back, as :func:`~pipeline.ingest.fetch.fetch_item` makes it."""
    item = fetched.item
    if outcome.refused is not None:
        message, url = outcome.refused
        return extraction_failed(fetched, ExtractionError(message, url=url))
    if outcome.crashed is not None or outcome.document is None:
        what, trace = outcome.crashed or ("no document and no error", "")
        log.error("[%s] internal error on %s\n%s", item.source_id, item.url, trace.rstrip())
        return internal_error(item, what)
    if outcome.enrichment_failed is not None:
        log.error(
            "[%s] enrichment failed on %s; stored untagged\n%s",
            item.source_id,
            item.url,
            outcome.enrichment_failed.rstrip(),
        )
    return ItemResult(
        item,
        "new",
        response=fetched.response,
        archive=fetched.archive,
        document=outcome.document,
        stage="extract",
        enrichment=outcome.enrichment,
    )


class ExtractionPool:
    """Extracts fetched pages in worker processes (or inline with fewer than two), started on first use.

    :meth:`submit` hands a page over and returns at once; ``done`` is called with the item's result, exactly
    once, on some thread of this process, whatever happens to the worker.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.size = pool_size(settings)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        #: The workers' lifeline (see :func:`_init_worker`): its read end, and its write end, held here only.
        self._lifeline: tuple[Connection, Connection] | None = None
        #: Pages the run has planned to fetch so far (:meth:`expect`).
        self._expected = 0

    def expect(self, pages: int) -> None:
        """Count ``pages`` more planned fetches: the pool starts only for a run with enough to extract."""
        with self._lock:
            self._expected += pages

    def submit(self, source: Source, fetched: Fetched, done: Callable[[ItemResult], None]) -> None:
        """Extract and enrich ``fetched``, then call ``done`` with the item's result."""
        job = Job(source, fetched.item, fetched.response)
        with self._lock:
            # Starting workers costs seconds of CPU (imports, tagging rules): a small run extracts inline.
            inline = self.size < 2 or (self._pool is None and self._expected < self.settings.pool_min_pages)
        if inline:
            done(item_result(fetched, process(job, load_enricher(self.settings))))
            return
        try:
            future = self._submit(job)
        except Exception as exc:  # no pool could be started: this page fails, the run goes on
            log.exception("[%s] could not hand %s to an extraction worker", source.id, fetched.item.url)
            done(internal_error(fetched.item, f"no extraction worker: {exc!r}"))
            return
        future.add_done_callback(lambda future: done(_settle(fetched, future)))

    def _submit(self, job: Job) -> Future[Outcome]:
        with self._lock:
            pool = self._pool or self._start()
            try:
                return pool.submit(_work, job)
            except BrokenProcessPool:
                # A worker died: the pages it took down fail on their own; a new pool takes the rest.
                log.warning("an extraction worker died; starting new ones")
                pool.shutdown(wait=False)
                pool = self._start()
                return pool.submit(_work, job)
            finally:
                self._pool = pool

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        # The fork server imports trafilatura, lxml and the tagger once; each worker starts from that.
        context.set_forkserver_preload(["pipeline.ingest.preload"])
        if self._lifeline is None:
            self._lifeline = context.Pipe(duplex=False)
        log.info("starting %d extraction worker process(es)", self.size)
        return ProcessPoolExecutor(
            self.size,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self.settings, logging.getLogger().getEffectiveLevel(), self._lifeline[0]),
        )

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers (after the pages handed over, unless ``cancel``)."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
                self._pool = None
            if self._lifeline is not None:
                for end in self._lifeline:
                    end.close()
                self._lifeline = None


def warm_up(settings: Settings) -> Enricher:
    """The enricher of ``settings``, used once (on a two-exchange briefing, so that the segmenter's parts are
    built too) so that its lazily built parts are built."""
    enricher = load_enricher(settings)
    enricher.enrich(
        "Warm-up",
        "Q: Did the ministers meet?\n\nA: They met to discuss trade and security.",
        declared_language="en",
        source_kind="briefing",
    )
    return enricher


def _settle(fetched: Fetched, future: Future[Outcome]) -> ItemResult:
    try:
        return item_result(fetched, future.result())
    except Exception as exc:  # the worker died (BrokenProcessPool) or the job or its outcome did not pickle
        log.error("[%s] extraction of %s failed in its worker: %r", fetched.item.source_id, fetched.item.url, exc)
        return internal_error(fetched.item, f"the extraction worker failed: {exc!r}")


#: The worker process's enricher, built once by :func:`_init_worker`.
_enricher: Enricher | None = None


def _init_worker(settings: Settings, log_level: int, lifeline: Connection) -> None:
    global _enricher
    # Workers hold the fork server's own liveness pipe, so neither notices a run killed with SIGKILL; this
    # pipe's only writer is the run: at its end (however it ends) the worker exits, then the fork server.
    threading.Thread(target=_exit_with_run, args=(lifeline,), daemon=True, name="lifeline").start()
    logging.basicConfig(level=log_level, format="%(levelname)s %(name)s [worker %(process)d]: %(message)s")
    _enricher = warm_up(settings)


def _exit_with_run(lifeline: Connection) -> None:
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()  # nothing is ever sent: this returns when the run's end closes the pipe
    os._exit(0)


def _work(job: Job) -> Outcome:
    if _enricher is None:
        raise RuntimeError("the extraction worker was not initialised")
    return process(job, _enricher)
