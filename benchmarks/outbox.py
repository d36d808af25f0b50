"""The index step end to end: catalog outbox → embedded index → acknowledgements back in the catalog.

Fills a fresh SQLite catalog with ``--docs`` documents (texts from the fixture pages, varied), then times
``index_pending`` (everything pending), and a second, no-op pass (nothing pending: the O(N) outbox scan).

    python benchmarks/outbox.py [--docs 20000] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import Settings  # noqa: E402
from pipeline.index.service import index_pending  # noqa: E402
from pipeline.store.catalog import Catalog  # noqa: E402
from pipeline.store.schema import Document  # noqa: E402


def texts() -> list[str]:
    from pipeline.errors import ExtractionError
    from pipeline.extract import extract

    found: list[str] = []
    for page in sorted((REPO / "tests" / "fixtures" / "sites").rglob("*")):
        if page.is_file() and page.suffix in ("", ".html", ".htm", ".shtml") and not page.name.endswith(".headers"):
            try:
                found.append(extract(page.read_bytes(), url=f"https://example.org/{page.name}").text)
            except ExtractionError:
                continue
    return found


def fill(catalog: Catalog, docs: int, corpus: list[str], *, start: int = 0) -> int:
    """Store documents ``start`` … ``start + docs - 1`` (varied fixture texts) in one transaction; returns
    the bytes of text stored."""
    rng = random.Random(7 + start)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    total_bytes = 0
    with catalog.session() as session, session.begin():
        for n in range(start, start + docs):
            base = corpus[n % len(corpus)]
            text = "\n\n".join([*rng.sample(base.split("\n\n"), k=1), base])
            total_bytes += len(text.encode())
            url = f"https://example.org/doc/{n}"
            session.add(
                Document(
                    doc_id=hashlib.sha256(url.encode()).hexdigest(),
                    url=url,
                    canonical_url=url,
                    source_id="bench",
                    source_kind="news",
                    publisher="Bench",
                    source_country="GB",
                    language="en",
                    title=f"Document {n}",
                    text=text,
                    published_at=now - timedelta(hours=n),
                    fetched_at=now,
                    first_seen_at=now,
                    content_hash=hashlib.sha256(text.encode()).hexdigest(),
                    version=1,
                    revision=1,
                    authors=[],
                    topics=[],
                    countries=[],
                    topic_scores={},
                    extractor_version="bench",
                )
            )
    return total_bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpus = texts()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), elasticsearch_url=None)
        catalog = Catalog.open(settings.effective_catalog_url)
        total_bytes = fill(catalog, args.docs, corpus)
        started = time.perf_counter()
        report = index_pending(settings, catalog)
        full = time.perf_counter() - started
        started = time.perf_counter()
        again = index_pending(settings, catalog)
        noop = time.perf_counter() - started
        catalog.close()
    result = {
        "documents": args.docs,
        "mean_text_bytes": round(total_bytes / max(args.docs, 1)),
        "acknowledged": report.acked,
        "index_step_seconds": round(full, 2),
        "index_step_docs_per_second": round(report.acked / full),
        "pending_after": report.pending_after,
        "noop_pass_seconds": round(noop, 2),
        "noop_sent": again.sent,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("Index step end to end (SQLite catalog → embedded index → acknowledgements)")
        for key, value in result.items():
            print(f"  {key:<30} {value}")
    return 0 if report.acked == args.docs and again.sent == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
