"""FeedChangeTrigger against a real feed on loopback: conditional GETs, silence on 304 and on unchanged
bodies, errors survived with growing waits, state kept across restarts, and Airflow's serialisation."""

from __future__ import annotations

import json

import pytest
from airflow._shared.module_loading import import_string
from airflow.sdk import Asset, AssetWatcher
from airflow.serialization.decoders import smart_decode_trigger_kwargs
from airflow.serialization.encoders import encode_trigger
from airflow.triggers.base import BaseEventTrigger, TriggerEvent
from readout_airflow.trigger import CLASSPATH, STATE_KEY, FeedChangeTrigger

from tests.hostile import rss
from tests.plugins.conftest import FeedSite, MemoryStateStore, drive

FIRST = "http://127.0.0.1/briefing/1.html"
SECOND = "http://127.0.0.1/briefing/2.html"

pytestmark = pytest.mark.usefixtures("readout_env")


def make_trigger(site: FeedSite, interval: float = 30.0) -> FeedChangeTrigger:
    return FeedChangeTrigger(source_id="ru-mid", url=site.url, interval=interval)


def test_first_poll_sets_the_baseline_then_a_change_fires_once(feed_site: FeedSite) -> None:
    result = drive(
        make_trigger(feed_site),
        polls=4,
        between={2: lambda: feed_site.publish(rss(FIRST, SECOND))},
    )

    # 1: baseline (200, unconditional); 2: 304; 3: the new version (200); 4: 304 again.
    assert feed_site.statuses == [200, 304, 200, 304]
    assert [inm for inm, _, _ in feed_site.requests] == [None, '"v1"', '"v1"', '"v2"']
    assert len(result.events) == 1
    event = result.events[0]
    assert isinstance(event, TriggerEvent)
    payload = event.payload
    assert payload["source_id"] == "ru-mid"
    assert payload["url"] == feed_site.url
    assert payload["etag"] == '"v2"'
    assert payload["content_hash"].startswith("items-v")
    assert set(payload) == {"source_id", "url", "etag", "last_modified", "content_hash"}
    json.dumps(payload)  # it travels to the asset event's extra as JSON
    assert result.delays == [30.0, 30.0, 30.0, 30.0]


def test_silent_while_the_server_answers_304(feed_site: FeedSite) -> None:
    result = drive(make_trigger(feed_site), polls=5)

    assert feed_site.statuses == [200, 304, 304, 304, 304]
    # Every poll after the first was conditional, and none of them fired.
    assert all(inm == '"v1"' for inm, _, _ in feed_site.requests[1:])
    assert result.events == []


def test_last_modified_alone_makes_the_poll_conditional(feed_site: FeedSite) -> None:
    stamp = "Fri, 20 Nov 2026 10:00:00 GMT"
    feed_site.publish(rss(FIRST), last_modified=stamp)
    feed_site.etag = None
    result = drive(make_trigger(feed_site), polls=3)

    assert feed_site.requests == [(None, None, 200), (None, stamp, 304), (None, stamp, 304)]
    assert result.events == []


def test_silent_when_the_server_ignores_validators_and_nothing_changed(feed_site: FeedSite) -> None:
    feed_site.honour_validators = False
    result = drive(make_trigger(feed_site), polls=4)

    assert feed_site.statuses == [200, 200, 200, 200]
    assert feed_site.requests[1][0] == '"v1"'  # asked conditionally, answered in full
    assert result.events == []


def test_a_feed_that_rewrites_its_build_date_on_every_request_is_not_a_change(feed_site: FeedSite) -> None:
    # A CMS that stamps lastBuildDate (and a new ETag) on every request: the items are what count.
    feed_site.honour_validators = False
    stamps = iter(range(10, 59))

    def rebuild() -> None:
        body = rss(FIRST).replace(b"<channel>", f"<channel><lastBuildDate>{next(stamps)}</lastBuildDate>".encode())
        feed_site.publish(body)

    rebuild()
    result = drive(make_trigger(feed_site), polls=4, between={1: rebuild, 2: rebuild, 3: rebuild})

    assert result.events == []
    assert len({inm for inm, _, _ in feed_site.requests[1:]}) == 3  # a new ETag every time


def test_survives_server_errors_and_backs_off(feed_site: FeedSite) -> None:
    def fail() -> None:
        feed_site.fail_with = 500

    def recover() -> None:
        feed_site.fail_with = None
        feed_site.publish(rss(FIRST, SECOND))

    result = drive(make_trigger(feed_site, interval=20.0), polls=6, between={1: fail, 4: recover})

    assert feed_site.statuses == [200, 500, 500, 500, 200, 304]
    # The interval after the first failure, then doubling; back to the interval once it answers.
    assert result.delays == [20.0, 20.0, 40.0, 80.0, 20.0, 20.0]
    assert len(result.events) == 1
    assert result.events[0].payload["etag"] == '"v2"'


def test_survives_a_host_that_refuses_connections(feed_site: FeedSite) -> None:
    trigger = FeedChangeTrigger(source_id="ru-mid", url="http://127.0.0.1:9/feed.xml", interval=15.0)
    result = drive(trigger, polls=3)

    assert result.events == []
    assert result.delays == [15.0, 30.0, 60.0]


def test_restart_resumes_from_the_asset_state_store(feed_site: FeedSite) -> None:
    store = MemoryStateStore()

    first = make_trigger(feed_site)
    first.asset_state_store = store  # type: ignore[assignment]
    assert drive(first, polls=2).events == []
    assert store.values[STATE_KEY]["etag"] == '"v1"'
    writes = store.writes

    # Restarted with nothing changed: the first poll is already conditional, and silent.
    second = make_trigger(feed_site)
    second.asset_state_store = store  # type: ignore[assignment]
    assert drive(second, polls=2).events == []
    assert feed_site.statuses[2:] == [304, 304]
    assert store.writes == writes  # nothing new to write

    # The feed changed while the triggerer was down: the first poll after the restart fires.
    feed_site.publish(rss(FIRST, SECOND))
    third = make_trigger(feed_site)
    third.asset_state_store = store  # type: ignore[assignment]
    result = drive(third, polls=1)
    assert len(result.events) == 1
    assert store.values[STATE_KEY]["etag"] == '"v2"'


def test_state_stored_for_another_url_is_ignored(feed_site: FeedSite) -> None:
    store = MemoryStateStore()
    store.values[STATE_KEY] = {"url": "http://127.0.0.1/old.xml", "etag": '"v1"', "content_hash": "x"}
    trigger = make_trigger(feed_site)
    trigger.asset_state_store = store  # type: ignore[assignment]

    assert drive(trigger, polls=1).events == []
    assert feed_site.requests == [(None, None, 200)]  # a baseline, not a conditional GET with stale validators
    assert store.values[STATE_KEY]["url"] == feed_site.url


def test_an_unusable_state_store_falls_back_to_memory(feed_site: FeedSite) -> None:
    trigger = make_trigger(feed_site)
    trigger.asset_state_store = MemoryStateStore(broken=True)  # type: ignore[assignment]
    result = drive(trigger, polls=3, between={1: lambda: feed_site.publish(rss(FIRST, SECOND))})

    assert feed_site.statuses == [200, 200, 304]
    assert len(result.events) == 1


def test_without_a_state_store_every_start_is_a_baseline(feed_site: FeedSite) -> None:
    assert drive(make_trigger(feed_site), polls=1).events == []
    feed_site.publish(rss(FIRST, SECOND))
    # The trade-off: a change made while no trigger ran is left to the cron schedule.
    assert drive(make_trigger(feed_site), polls=1).events == []


def test_serialize_round_trips_through_airflow_encoding(feed_site: FeedSite) -> None:
    trigger = FeedChangeTrigger(source_id="cn-mfa-en", url=feed_site.url, interval=60)
    classpath, kwargs = trigger.serialize()
    assert classpath == CLASSPATH == "readout_airflow.trigger.FeedChangeTrigger"
    assert kwargs == {"source_id": "cn-mfa-en", "url": feed_site.url, "interval": 60.0}

    # What the triggerer does with a stored trigger: decode the kwargs, import the class, instantiate.
    encoded = encode_trigger(trigger)
    decoded = {key: smart_decode_trigger_kwargs(value) for key, value in encoded["kwargs"].items()}
    rebuilt = import_string(encoded["classpath"])(**decoded)
    assert isinstance(rebuilt, FeedChangeTrigger)
    assert rebuilt.serialize() == (classpath, kwargs)
    # The identity Airflow uses to match a DAG's watcher with its running trigger is stable.
    assert BaseEventTrigger.hash(*rebuilt.serialize()) == BaseEventTrigger.hash(classpath, kwargs)


def test_can_watch_an_asset(feed_site: FeedSite) -> None:
    trigger = make_trigger(feed_site)
    asset = Asset("readout-watch-ru-mid", watchers=[AssetWatcher(name="readout_watch_ru_mid", trigger=trigger)])
    assert asset.watchers[0].trigger is trigger
