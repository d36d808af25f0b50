"""Pages per second of a whole `readout run` next to bare trafilatura in a 2-process pool, on the same pages.

Serves ``--pages`` real news pages (the article-extraction benchmark's HTML, read in place and repeated
under distinct URLs) from ``--hosts`` loopback servers, each with an RSS feed listing its share, then:

* runs ``readout run --no-index`` on them in its own process (embedded defaults in a fresh data folder,
  ``READOUT_MIN_DELAY=0``, ``READOUT_ALLOW_PRIVATE_HOSTS=127.0.0.1``), measuring wall time, the CPU time
  of its whole process tree and the peak RSS of the largest process in it (``ru_maxrss`` of the tree's
  children is the max over them, not a sum);
* right after, times bare ``trafilatura.extract`` on the same page bodies in a 2-process pool (warmed up,
  so neither imports nor pool start-up are counted).

The ratio of the two rates is what matters: both ran on the same machine in the same minute. ``--memory``
adds a run at 500 pages so that the peak RSS at 500 and at ``--pages`` can be compared (flat is the aim).

``--stages`` adds each stage's CPU per page measured in one process on the distinct pages (bare trafilatura,
Readout's extraction, its enrichment): what the run's per-page CPU is made of, and its floor.

    python benchmarks/throughput.py [--pages 2000] [--hosts 20] [--memory] [--stages] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gzip
import json
import math
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import get_context
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "article-extraction-benchmark"
#: prctl(2) option: orphans of the measured run (the pool's fork server) are re-parented here and reaped,
#: so their CPU time is counted.
PR_SET_CHILD_SUBREAPER = 36


def load_pages(data: Path, count: int) -> list[bytes]:
    """``count`` page bodies: the benchmark's pages in name order, repeated."""
    files = sorted((data / "html").glob("*.html.gz"))
    bodies = [gzip.decompress(path.read_bytes()) for path in files]
    return [bodies[n % len(bodies)] for n in range(count)]


def _rss(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Page {n}</title><link>{link}</link><pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>"
        for n, link in enumerate(links)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
        f"<link>http://x/</link><description>d</description>{items}</channel></rss>"
    ).encode()


@contextmanager
def serve(pages: list[bytes], hosts: int) -> Iterator[list[str]]:
    """One server per host on 127.0.0.1; page n lives on host n % hosts. Yields each host's feed URL."""
    with ExitStack() as stack:
        feeds: list[str] = []
        for host in range(hosts):
            routes: dict[str, bytes] = {}
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes))
            server.daemon_threads = True
            origin = f"http://127.0.0.1:{server.server_address[1]}"
            mine = [n for n in range(len(pages)) if n % hosts == host]
            for n in mine:
                routes[f"/news/{n}.html"] = pages[n]
            routes["/feed.xml"] = _rss([f"{origin}/news/{n}.html" for n in mine])
            threading.Thread(target=server.serve_forever, daemon=True).start()
            stack.callback(server.server_close)
            stack.callback(server.shutdown)
            feeds.append(f"{origin}/feed.xml")
        yield feeds


def _handler(routes: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = routes.get(self.path)
            kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html; charset=utf-8"
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    return Handler


def sources_yaml(feeds: list[str]) -> str:
    entries = [
        {
            "id": f"host{n:02d}",
            "name": f"Host {n}",
            "kind": "news",
            "publisher": "Benchmark",
            "country": "GB",
            "language": "en",
            "timezone": "UTC",
            "discovery": {"method": "feed", "urls": [feed]},
        }
        for n, feed in enumerate(feeds)
    ]
    return json.dumps({"sources": entries})  # JSON is YAML


def measured(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``command`` in a fresh wrapper process that reaps the whole tree and reports its rusage."""
    wrapper = [sys.executable, __file__, "--measure-child", json.dumps(command)]
    result = subprocess.run(wrapper, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"the measured command failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    measured_line = result.stdout.strip().splitlines()[-1]
    return dict(json.loads(measured_line))


def measure_child(command: list[str]) -> None:
    """(In the wrapper) run ``command``, reap every descendant, print wall time and the tree's rusage."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, stderr = child.communicate()
    wall = time.perf_counter() - started
    while True:  # orphans of the run (a pool's fork server, its workers) are ours to reap now
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        print(stderr[-3000:], file=sys.stderr)
        raise SystemExit(child.returncode)
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "max_rss_mib": usage.ru_maxrss / 1024,
            }
        )
    )


def run_readout(pages: list[bytes], hosts: int, readout: str, workers: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="readout-throughput-") as tmp, serve(pages, hosts) as feeds:
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(sources_yaml(feeds), "utf-8")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("READOUT_")},
            "READOUT_SOURCES": str(sources),
            "READOUT_DATA_DIR": str(Path(tmp) / "data"),
            "READOUT_MIN_DELAY": "0",
            "READOUT_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
        }
        if workers is not None:
            env["READOUT_WORKERS"] = workers
        result = measured([readout, "run", "--no-index"], env)
        with sqlite3.connect(Path(tmp) / "data" / "catalog.db") as db:
            result["documents"] = db.execute("select count(*) from documents").fetchone()[0]
            result["failures"] = db.execute("select count(*) from failures").fetchone()[0]
        result["pages"] = len(pages)
        result["pages_per_s"] = len(pages) / result["wall"]
        result["cpu_per_wall"] = result["cpu"] / result["wall"]
        return result


def _bare(body: bytes) -> int:
    import trafilatura

    return len(trafilatura.extract(body.decode("utf-8", "replace")) or "")


def _warm() -> None:
    import trafilatura  # noqa: F401


def run_bare(pages: list[bytes], processes: int = 2) -> dict[str, Any]:
    """Bare ``trafilatura.extract`` on ``pages`` in a warmed-up pool of ``processes``."""
    with ProcessPoolExecutor(processes, mp_context=get_context("forkserver"), initializer=_warm) as pool:
        list(pool.map(_bare, pages[: processes * 4]))  # warm-up: every worker has imported and run once
        started = time.perf_counter()
        list(pool.map(_bare, pages, chunksize=4))
        wall = time.perf_counter() - started
    return {"pages": len(pages), "wall": wall, "pages_per_s": len(pages) / wall}


def stage_costs(pages: list[bytes], rounds: int = 2) -> dict[str, float]:
    """CPU milliseconds per page of each stage, in this process, on the distinct ``pages``: bare
    ``trafilatura.extract``, Readout's extraction (text, metadata, dates) and its enrichment. The best of
    ``rounds`` (the first warms caches). This is the floor: a run adds fetching, the archive and the catalog."""
    import trafilatura

    from pipeline.config import Settings
    from pipeline.enrich import load_enricher
    from pipeline.errors import ExtractionError
    from pipeline.extract import extract

    distinct = list(dict.fromkeys(pages))
    enricher = load_enricher(Settings())
    documents = []
    for n, body in enumerate(distinct):
        with contextlib.suppress(ExtractionError):
            documents.append(extract(body, url=f"http://127.0.0.1/news/{n}.html", content_type="text/html"))

    def bare() -> None:
        for body in distinct:
            trafilatura.extract(body.decode("utf-8", "replace"))

    def ours() -> None:
        for n, body in enumerate(distinct):
            with contextlib.suppress(ExtractionError):
                extract(body, url=f"http://127.0.0.1/news/{n}.html", content_type="text/html")

    def enrich() -> None:
        for document in documents:
            enricher.enrich(document.title, document.text, declared_language=document.language)

    costs: dict[str, float] = {}
    for name, stage in (("bare_trafilatura", bare), ("readout_extract", ours), ("readout_enrich", enrich)):
        best = math.inf
        for _ in range(rounds):
            started = time.process_time()
            stage()
            best = min(best, time.process_time() - started)
        costs[name] = best / len(distinct) * 1000
    return costs


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure-child":
        measure_child(json.loads(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("READOUT_EXTRACTION_BENCHMARK", DEFAULT_DATA)))
    parser.add_argument("--readout", default=str(Path(sys.executable).with_name("readout")), help="the command run")
    parser.add_argument("--workers", help="READOUT_WORKERS for the run (default: the run's own default)")
    parser.add_argument("--memory", action="store_true", help="also run at 500 pages and compare peak RSS")
    parser.add_argument("--stages", action="store_true", help="also time each stage in this process (ms per page)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    if not (args.data / "html").is_dir():
        print(f"skipped: data not found at {args.data}")
        return 0
    pages = load_pages(args.data, args.pages)
    result: dict[str, Any] = {"cpus": len(os.sched_getaffinity(0)), "load_1min": os.getloadavg()[0]}
    result["readout"] = run_readout(pages, args.hosts, args.readout, args.workers)
    result["bare_2proc"] = run_bare(pages)
    result["ratio"] = result["readout"]["pages_per_s"] / result["bare_2proc"]["pages_per_s"]
    if args.memory:
        result["readout_500"] = run_readout(pages[:500], args.hosts, args.readout, args.workers)
        result["rss_ratio_full_vs_500"] = result["readout"]["max_rss_mib"] / result["readout_500"]["max_rss_mib"]
    if args.stages:
        result["stage_cpu_ms_per_page"] = stage_costs(pages)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    run, bare = result["readout"], result["bare_2proc"]
    print(f"machine: {result['cpus']} CPUs, load average {result['load_1min']:.1f} at the start")
    print(f"pages: {args.pages} over {args.hosts} loopback hosts", end="")
    print(f"; stored {run['documents']}, failures {run['failures']}")
    print(f"readout run        {run['pages_per_s']:7.1f} pages/s   CPU/wall {run['cpu_per_wall']:.2f}", end="")
    print(f"   peak RSS {run['max_rss_mib']:.0f} MiB")
    print(f"bare trafilatura   {bare['pages_per_s']:7.1f} pages/s   (2-process pool, warmed up)")
    print(f"ratio readout/bare {result['ratio']:.2f}  (aim >= 0.85)")
    if args.memory:
        small = result["readout_500"]
        print(f"peak RSS: {small['max_rss_mib']:.0f} MiB at 500 pages, {run['max_rss_mib']:.0f} MiB at {args.pages}")
    if args.stages:
        per_page = run["cpu"] / run["pages"] * 1000
        print(f"CPU per page: readout run {per_page:.1f} ms (whole process tree); in one process:", end="")
        print("".join(f"  {name} {ms:.1f} ms" for name, ms in result["stage_cpu_ms_per_page"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
