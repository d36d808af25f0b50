"""A `readout run` killed with SIGKILL while it fetches a backlog loses no item, even when the feed then moves on.

The run is a real `readout` process against a loopback feed of many items. The item server checks, as
each item is asked for, that the item is already committed to the catalog (in the frontier, or stored):
an item fetched before that is exactly the item a crash would lose. The run is killed at that moment if
it comes, else while its tenth item request is held unanswered (pages before it still waiting to be
extracted and stored). The feed then lists other items only; the next run must store every item the
first feed listed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml

from tests.hostile import Hostile, Route, hostile_server, page, rss, send, status
from tests.integration.test_run_hostile import source
from tests.integration.test_run_recovery import article

FIRST_FEED = 40
#: The item request held unanswered while the run is killed.
KILL_AT = 10
READOUT = str(Path(sys.executable).with_name("readout"))


@pytest.fixture
def server() -> Iterator[Hostile]:
    with hostile_server({"/robots.txt": status(404)}) as running:
        yield running


def environment(tmp_path: Path, feed: str) -> dict[str, str]:
    entry = source("crashy", feed)
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [entry]}), "utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("READOUT_")}
    env |= {
        "READOUT_SOURCES": str(sources),
        "READOUT_DATA_DIR": str(tmp_path / "data"),
        "READOUT_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
        "READOUT_MIN_DELAY": "0",
        "READOUT_RETRIES": "0",
    }
    return env


def committed(catalog: Path, url: str) -> bool:
    """Whether ``url`` is in the catalog where a later run finds it: the frontier, or the documents."""
    if not catalog.exists():
        return False
    with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30) as db:
        try:
            found = db.execute(
                "select (select count(*) from frontier where url = ?) + (select count(*) from documents where url = ?)",
                (url, url),
            ).fetchone()[0]
        except sqlite3.OperationalError:  # the schema is not there yet
            return False
    return bool(found)


@pytest.mark.timeout(1200)  # two whole runs of a real process on a shared, loaded machine
def test_a_run_killed_while_fetching_a_backlog_loses_no_item_when_the_feed_moves_on(
    server: Hostile, tmp_path: Path
) -> None:
    first = [server.url(f"/a{n}.html", host="127.0.0.1") for n in range(FIRST_FEED)]
    later = [server.url(f"/b{n}.html", host="127.0.0.1") for n in range(3)]
    catalog = tmp_path / "data" / "catalog.db"
    fetched_early: list[str] = []
    requests = 0
    lock = threading.Lock()
    kill_now, killed = threading.Event(), threading.Event()

    def item(n: int) -> Route:
        body = article(f"Briefing number {n} of the first feed")

        def route(handler: BaseHTTPRequestHandler) -> None:
            nonlocal requests
            url = first[n]
            with lock:
                requests += 1
                held = requests == KILL_AT
            if not committed(catalog, url):
                fetched_early.append(url)
                held = True
            if held:
                kill_now.set()
                killed.wait(timeout=120)  # answered, if at all, by a dead process
                return
            send(handler, 200, body)

        return route

    for n in range(FIRST_FEED):
        server.routes[f"/a{n}.html"] = item(n)
    for n in range(len(later)):
        server.routes[f"/b{n}.html"] = page(article(f"Later {n}"))
    server.routes["/feed.xml"] = page(rss(*first), content_type="application/rss+xml")
    env = environment(tmp_path, server.url("/feed.xml", host="127.0.0.1"))

    run = subprocess.Popen([READOUT, "run", "--no-index"], env=env, cwd=tmp_path, stderr=subprocess.PIPE)
    try:
        assert kill_now.wait(timeout=600), "the run never fetched its items"
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
        killed.set()
        assert run.stderr is not None
        run.stderr.close()
    assert run.returncode == -signal.SIGKILL

    server.routes["/feed.xml"] = page(rss(*later), content_type="application/rss+xml")
    for n in range(FIRST_FEED):
        server.routes[f"/a{n}.html"] = page(article(f"Briefing number {n} of the first feed"))
    again = subprocess.run(
        [READOUT, "run", "--no-index"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    assert again.returncode == 0, again.stderr[-3000:]

    with sqlite3.connect(catalog) as db:
        stored = {row[0] for row in db.execute("select url from documents")}
    lost = [url for url in first if url not in stored]
    assert lost == [], f"{len(lost)} of {FIRST_FEED} items of the first feed were lost"
    assert set(later) <= stored
    assert fetched_early == [], "items were fetched before they were committed to the frontier"
