"""The discovery parsers over feedparser's own test corpus (2,119 odd, broken and hostile feeds).

The corpus is third-party data kept beside the project, never in it: its directory comes from
``READOUT_FEEDPARSER_FEEDS`` (default ``<repo>/../shared/data/feedparser-feeds``) and the tests skip
when it is absent.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC
from pathlib import Path

import pytest

from pipeline.config import Source
from pipeline.models import ParsedListing
from pipeline.sources import parse_feed, parse_listing, parse_sitemap

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("READOUT_FEEDPARSER_FEEDS") or REPO.parent / "shared" / "data" / "feedparser-feeds")
BASE_URL = "https://feeds.example.org/corpus/"


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip(
            f"feedparser feed corpus not found at {CORPUS}: set READOUT_FEEDPARSER_FEEDS to the directory "
            "holding feedparser's test feeds to run this test"
        )
    return sorted(path for path in CORPUS.rglob("*") if path.is_file())


def make_source(method: str) -> Source:
    return Source.model_validate(
        {
            "id": "robustness",
            "name": "feedparser corpus",
            "kind": "news",
            "publisher": "feedparser tests",
            "country": "US",
            "language": "en",
            "timezone": "America/New_York",
            "discovery": {"method": method, "urls": [BASE_URL + "index"]},
        }
    )


def check_invariants(result: object, name: str) -> None:
    assert isinstance(result, ParsedListing), name
    assert result.error is None or not result.error.startswith("internal error"), f"{name}: {result.error}"
    for item in result.items:
        assert item.url.startswith(("http://", "https://")), f"{name}: {item.url}"
        for value in (item.published_at, item.updated_at):
            assert value is None or value.tzinfo is UTC, f"{name}: {value!r}"
        assert item.title is None or (item.title == item.title.strip() and item.title), f"{name}: {item.title!r}"


def test_parse_feed_never_raises_on_the_feedparser_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    files = corpus_files()
    assert len(files) > 1000, f"expected the full corpus (2,119 files) under {CORPUS}, found {len(files)}"
    source = make_source("feed")
    errors: Counter[str] = Counter()
    items = warned = 0
    for path in files:
        relative = path.relative_to(CORPUS).as_posix()
        result = parse_feed(path.read_bytes(), url=BASE_URL + relative, source=source)
        check_invariants(result, relative)
        items += len(result.items)
        warned += bool(result.warnings)
        if result.error is not None:
            # Group by the message's kind, not its details (line numbers, exception text).
            errors[result.error.split(" (")[0].split(":")[0]] += 1
    with capsys.disabled():
        print(
            f"\nfeedparser corpus: {len(files)} files, {sum(errors.values())} with an error, "
            f"{warned} with warnings, {items} items; errors by kind: {dict(errors.most_common())}"
        )


@pytest.mark.parametrize("method", ["sitemap", "listing"])
def test_other_parsers_never_raise_on_the_feedparser_corpus(method: str) -> None:
    # The same hostile XML (entities, encodings, broken markup) must not upset the lxml-based parsers.
    files = corpus_files()
    source = make_source(method)
    for path in files:
        relative = path.relative_to(CORPUS).as_posix()
        body = path.read_bytes()
        if method == "sitemap":
            result = parse_sitemap(body, url=BASE_URL + relative, source=source)
        else:
            result = parse_listing(body, url=BASE_URL + relative, source=source)
        check_invariants(result, relative)
