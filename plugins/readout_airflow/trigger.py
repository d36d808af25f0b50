"""``FeedChangeTrigger``: an event trigger that starts a source's ingest run when its feed or listing changes.

Used through an ``AssetWatcher`` (Airflow 3 event-driven scheduling)::

    from airflow.sdk import Asset, AssetWatcher
    from readout_airflow.trigger import FeedChangeTrigger

    trigger = FeedChangeTrigger(source_id=source.id, url=source.watch_url, interval=source.watch.interval)
    asset = Asset(f"readout-watch-{source.id}", watchers=[AssetWatcher(name=f"readout_watch_{source.id}",
                                                                        trigger=trigger)])

The triggerer runs :meth:`FeedChangeTrigger.run` for as long as the asset is watched. Each poll is a
conditional GET through Readout's guarded client (:mod:`pipeline.watch`); a change yields one
``TriggerEvent`` whose payload lands in the asset event's ``extra["payload"]``.

**State across restarts.** The validators and fingerprint of the last poll are kept in Airflow's asset
state store (``self.asset_state_store``, which the triggerer injects for the watched asset), so that:

* a triggerer restart resumes from what the last poll saw: the first poll after it is conditional, and
  fires only when the page really changed while the trigger was down;
* the very first poll of a new watch only sets the baseline and fires nothing.

Without a usable store (a trigger run outside the triggerer, an Airflow without the store, a trigger
watching several assets, the store failing), the state lives in memory and every start is a first
poll: restarts fire nothing, at the price of missing a change that happened while the trigger was
down. That is the safe side of the trade-off: the source's cron schedule still catches the change at
its next tick, whereas firing on every restart would start a run per watched source on every deploy.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

if TYPE_CHECKING:
    from pipeline.fetch.client import HttpClient
    from pipeline.watch import PollResult, WatchState

#: The asset-state-store key the last poll's state is kept under.
STATE_KEY = "readout.feed_watch"
#: Where the triggerer imports the class from (``plugins/`` is on its ``sys.path``).
CLASSPATH = "readout_airflow.trigger.FeedChangeTrigger"
#: The shortest wait between polls, whatever ``interval`` says (the sources file asks for 15 s or more).
MIN_INTERVAL = 1.0


class FeedChangeTrigger(BaseEventTrigger):
    """Polls ``url`` every ``interval`` seconds and fires when its content changes.

    Fires ``TriggerEvent({"source_id", "url", "etag", "last_modified", "content_hash"})``; silent on a
    304, on a 200 whose fingerprint is unchanged, and on the first poll of a new watch. Fetch errors
    are logged and polling goes on, waiting longer after each failure in a row (up to
    :data:`pipeline.watch.MAX_ERROR_DELAY`).
    """

    def __init__(self, *, source_id: str, url: str, interval: float = 60.0) -> None:
        """Watch ``url`` for the source ``source_id``, polling every ``interval`` seconds."""
        super().__init__()  # type: ignore[no-untyped-call]  # Airflow does not annotate it
        self.source_id = source_id
        self.url = url
        # Kept as given (it is part of the trigger's identity); never raise here: the triggerer only
        # survives a TypeError from a trigger's constructor. The loop waits at least MIN_INTERVAL.
        self.interval = float(interval)
        #: How the loop waits between polls. Not serialised: tests replace it to step through polls
        #: without waiting.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self._client: HttpClient | None = None
        self._max_bytes = 0
        # Cleared when the asset state store turns out unusable, so the state stays in memory only.
        self._use_store = True

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The class path and the keyword arguments that rebuild this trigger in the triggerer."""
        return (
            CLASSPATH,
            {"source_id": self.source_id, "url": self.url, "interval": self.interval},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll for ever; yield an event for each change seen."""
        from pipeline.watch import error_delay

        state = await self._load_state()
        failures = 0
        while True:
            try:
                result = await asyncio.to_thread(self._poll, state)
            except Exception as exc:
                # A failing feed must not end the watch: log, wait longer each time, try again.
                failures += 1
                delay = error_delay(max(self.interval, MIN_INTERVAL), failures)
                self.log.warning(
                    "watch %s: poll of %s failed (%d in a row): %s; next try in %.0fs",
                    self.source_id,
                    self.url,
                    failures,
                    _describe(exc),
                    delay,
                    # A bug of ours deserves its traceback; a network or HTTP error does not.
                    exc_info=not _is_fetch_error(exc),
                )
                # A fresh client next time: the guarded client stops calling a host after a few
                # failures "for the rest of the run", and this run never ends.
                self._close_client()
                await self.sleep(delay)
                continue
            if failures:
                self.log.info("watch %s: %s answers again after %d failed polls", self.source_id, self.url, failures)
                failures = 0
            if result.changed:
                self.log.info("watch %s: %s changed (HTTP %d)", self.source_id, self.url, result.status)
                yield TriggerEvent(self._payload(result))  # type: ignore[no-untyped-call]
            elif result.baseline:
                self.log.info("watch %s: baseline of %s recorded; watching for changes", self.source_id, self.url)
            # Saved after the event is handed over: a crash in between fires the change again on the
            # next start (a duplicate run is harmless; a lost change is not).
            if result.state != state:
                state = result.state
                await self._save_state(state)
            await self.sleep(max(self.interval, MIN_INTERVAL))

    async def cleanup(self) -> None:
        """Close the HTTP client when the triggerer drops this trigger."""
        self._close_client()

    # --- the poll (in a worker thread: the client is synchronous) ---------------------------------

    def _poll(self, previous: WatchState | None) -> PollResult:
        from pipeline.config import Settings
        from pipeline.fetch.client import HttpClient
        from pipeline.watch import poll

        if self._client is None:
            # Settings are read here, in the triggerer, from its READOUT_* environment.
            settings = Settings()
            self._client = HttpClient(settings)
            self._max_bytes = settings.page_max_bytes
        return poll(self._client, self.url, previous, max_bytes=self._max_bytes)

    def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception as exc:
                self.log.debug("watch %s: closing the HTTP client failed: %s", self.source_id, exc)

    def _payload(self, result: PollResult) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "url": self.url,
            "etag": result.state.etag,
            "last_modified": result.state.last_modified,
            "content_hash": result.state.content_hash,
        }

    # --- state across restarts ----------------------------------------------------------------------

    async def _load_state(self) -> WatchState | None:
        from pipeline.watch import WatchState

        store = self.asset_state_store
        if store is None:
            self.log.info("watch %s: no asset state store; the first poll sets the baseline", self.source_id)
            return None
        try:
            stored = await store.aget(STATE_KEY)
        except Exception as exc:
            self._store_unusable(exc)
            return None
        state = WatchState.from_json(stored, url=self.url)
        if state is None:
            self.log.info(
                "watch %s: no stored state for %s; the first poll sets the baseline", self.source_id, self.url
            )
        return state

    async def _save_state(self, state: WatchState) -> None:
        store = self.asset_state_store
        if store is None or not self._use_store:
            return
        try:
            await store.aset(STATE_KEY, state.to_json())  # type: ignore[arg-type]
        except Exception as exc:
            self._store_unusable(exc)

    def _store_unusable(self, exc: Exception) -> None:
        # Several watched assets (the store wants to be told which), or the store failing: keep the
        # state in memory rather than fail the watch.
        self._use_store = False
        self.log.warning(
            "watch %s: the asset state store is unusable (%s); state kept in memory until the next restart",
            self.source_id,
            _describe(exc),
        )


def _is_fetch_error(exc: BaseException) -> bool:
    from pipeline.errors import ReadoutError

    return isinstance(exc, ReadoutError)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
