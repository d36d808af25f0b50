"""`readout run` end to end: the shipped sources file against the fixture sites, over real loopback HTTP.

The expected documents for every source are in ``tests/fixtures/expected/*.yaml`` (written with the
fixture pages): which items a normal run ingests, which only a backfill reaches, and for each page its
title, date, language, phrases its clean text must contain and boilerplate it must not. A source's
first run (no documents yet) walks its listing's pagination, so it ingests both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.archive import read_response
from pipeline.cli import app
from pipeline.config import Settings, Source, load_sources
from pipeline.devsite import SiteFarm
from pipeline.extract import extract
from pipeline.models import ArchiveRef
from pipeline.store.catalog import Catalog
from pipeline.store.schema import Document, RunSource
from pipeline.urls import canonical_url
from tests.conftest import FIXTURES

# Among the longest modules: started first, so that both workers of `make test` finish together.
pytestmark = pytest.mark.slow

EXPECTED: dict[str, dict[str, Any]] = {}
for _file in sorted((FIXTURES / "expected").glob("*.yaml")):
    if _file.name != "encodings.yaml":
        EXPECTED.update(yaml.safe_load(_file.read_text("utf-8")))

runner = CliRunner()


@dataclass
class World:
    """A data folder and the fixture sources file, with helpers to run the CLI against them."""

    farm: SiteFarm
    sources_file: Path
    data_dir: Path

    def env(self) -> dict[str, str]:
        return {
            "READOUT_SOURCES": str(self.sources_file),
            "READOUT_DATA_DIR": str(self.data_dir),
            "READOUT_ALLOW_PRIVATE_HOSTS": "127.0.0.1",
            "READOUT_MIN_DELAY": "0",
            "READOUT_BACKOFF_BASE": "0.01",
            "READOUT_REQUEST_DEADLINE": "10",
            "READOUT_MAX_CRAWL_DELAY": "0",
        }

    def cli(self, *args: str, **env: str) -> Any:
        """Run the CLI with this world's settings (plus ``env``), wide enough that tables never fold words."""
        result = runner.invoke(app, list(args), env=self.env() | {"COLUMNS": "250"} | env)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    def settings(self) -> Settings:
        return Settings(sources=self.sources_file, data_dir=self.data_dir)

    def catalog(self) -> Catalog:
        return Catalog.open(self.settings().effective_catalog_url)

    def sources(self) -> dict[str, Source]:
        return {source.id: source for source in load_sources(self.sources_file)}

    def real(self, url: str) -> str:
        """Loopback URL → the real URL it stands for."""
        for host, origin in self.farm.origins.items():
            if url.startswith(origin):
                scheme = "http" if host in ("en.people.cn", "encodings.test") else "https"
                return f"{scheme}://{host}{url[len(origin) :]}"
        return url

    def documents(self) -> dict[str, Document]:
        catalog = self.catalog()
        try:
            return {canonical_url(self.real(d.canonical_url)): d for d in catalog.documents()}
        finally:
            catalog.close()

    def last_run(self) -> list[RunSource]:
        catalog = self.catalog()
        try:
            with catalog.session() as session:
                from sqlalchemy import select

                from pipeline.store.schema import Run

                run_id = session.scalars(select(Run.run_id).order_by(Run.started_at.desc()).limit(1)).one()
            return catalog.run_results(run_id)
        finally:
            catalog.close()


def expected_urls(kind: str) -> set[str]:
    return {canonical_url(url) for entry in EXPECTED.values() for url in entry.get(kind, [])}


def first_run_urls(entry: dict[str, Any]) -> list[str]:
    """What a source's first run ingests: its first listing page or feed, and (having no documents yet)
    the older listing pages its pagination reaches."""
    return list(entry["incremental"]) + list(entry.get("backfill", []))


@pytest.fixture(scope="module")
def first_run(farm: SiteFarm, tmp_path_factory: pytest.TempPathFactory) -> World:
    """One normal run over every shipped source; shared by the read-only tests below."""
    base = tmp_path_factory.mktemp("e2e")
    sources_file = base / "sources.yaml"
    sources_file.write_text(farm.rewrite((Path("config") / "sources.yaml").read_text("utf-8")), "utf-8")
    world = World(farm, sources_file, base / "data")
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    return world


def fresh_world(farm: SiteFarm, tmp_path: Path) -> World:
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(farm.rewrite((Path("config") / "sources.yaml").read_text("utf-8")), "utf-8")
    return World(farm, sources_file, tmp_path / "data")


def test_every_configured_source_has_expectations(first_run: World) -> None:
    assert set(first_run.sources()) == set(EXPECTED)


def test_a_first_run_ingests_exactly_the_expected_documents(first_run: World) -> None:
    documents = first_run.documents()
    assert set(documents) == expected_urls("incremental") | expected_urls("backfill")


@pytest.mark.parametrize("url", sorted({url for entry in EXPECTED.values() for url in first_run_urls(entry)}))
def test_each_document_has_the_expected_title_date_language_and_clean_text(first_run: World, url: str) -> None:
    source_id = next(sid for sid, entry in EXPECTED.items() if url in first_run_urls(entry))
    expected = EXPECTED[source_id]["documents"][url]
    source = first_run.sources()[source_id]
    document = first_run.documents()[canonical_url(url)]
    assert document.title == expected["title"]
    assert document.published_at is not None
    assert document.published_at.astimezone(ZoneInfo(source.timezone)).date().isoformat() == str(expected["date"])
    assert document.language == expected["language"]
    for phrase in expected.get("contains", []):
        assert phrase in document.text, f"{phrase!r} missing from the text of {url}"
    for phrase in expected.get("absent", []):
        assert phrase not in document.text, f"boilerplate {phrase!r} left in the text of {url}"
    assert "\ufffd" not in document.text, "undecodable bytes in the clean text"
    assert "\x00" not in document.text
    assert document.source_kind == source.kind


def test_the_run_summary_counts_every_source(first_run: World) -> None:
    results = {r.source_id: r for r in first_run.last_run()}
    assert set(results) == set(EXPECTED)
    for source_id, entry in EXPECTED.items():
        assert results[source_id].status == "ok", (source_id, results[source_id].error)
        assert results[source_id].new == len(first_run_urls(entry))
        assert results[source_id].failed == 0


def test_every_document_points_at_its_raw_record_and_re_extracts_the_same(first_run: World) -> None:
    sources = first_run.sources()
    root = first_run.settings().effective_archive_url
    for document in first_run.documents().values():
        assert document.warc_file
        assert document.warc_offset is not None
        assert document.warc_length
        record = read_response(root, ArchiveRef(document.warc_file, document.warc_offset, document.warc_length))
        assert canonical_url(record.url) == document.canonical_url
        again = extract(
            record.body,
            url=record.final_url,
            content_type=record.header("content-type"),
            source=sources[document.source_id],
            listing_date=None,
        )
        assert again.text == document.text


def test_a_second_run_downloads_nothing_unchanged_and_adds_no_duplicate(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run").exit_code == 0
    before = world.documents()
    mark = len(farm.requests())
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    during = farm.requests()[mark:]
    assert [r for r in during if r.status == 200] == [], "a no-change cycle must make no full download"
    assert all(r.status == 304 for r in during)
    assert world.documents().keys() == before.keys()
    results = world.last_run()
    assert sum(r.new + r.updated + r.fetched for r in results) == 0
    assert sum(r.not_modified for r in results) == len(during)


def test_an_item_the_feed_marks_updated_is_refetched_and_versioned(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    assert world.cli("run", "--source", "uk-fcdo").exit_code == 0
    feed_path = "/government/organisations/foreign-commonwealth-development-office.atom"
    feed = (FIXTURES / "sites" / "www.gov.uk" / feed_path.lstrip("/")).read_text("utf-8")
    first_link = re.search(r'<link[^>]*href="https://www\.gov\.uk(/government/[^"]+)"', feed.split("<entry>", 1)[1])
    assert first_link is not None
    page_path = first_link.group(1)
    # Every entry now says it changed; only the first page really did.
    updated = re.sub(r"<updated>[^<]+</updated>", "<updated>2026-11-21T09:00:00Z</updated>", feed)
    page_file = FIXTURES / "sites" / "www.gov.uk" / page_path.lstrip("/")
    if page_file.is_dir():
        page_file = page_file / "index.html"
    page = page_file.read_text("utf-8")
    phrase = EXPECTED["uk-fcdo"]["documents"][f"https://www.gov.uk{page_path}"]["contains"][0]
    assert phrase in page
    changed = page.replace(phrase, f"{phrase} This statement was corrected on 21 November 2026.")
    farm.overrides[("www.gov.uk", feed_path)] = updated.encode()
    farm.overrides[("www.gov.uk", page_path)] = changed.encode()
    try:
        assert world.cli("run", "--source", "uk-fcdo").exit_code == 0
    finally:
        farm.overrides.clear()
    [result] = world.last_run()
    # The changed page is re-fetched and versioned; the other two answer the conditional GET with 304.
    assert (result.updated, result.new, result.fetched) == (1, 0, 2)
    assert result.not_modified == 2
    document = world.documents()[canonical_url(f"https://www.gov.uk{page_path}")]
    assert document.version == 2
    assert "corrected on 21 November 2026" in document.text
    catalog = world.catalog()
    try:
        assert [v.version for v in catalog.versions(document.doc_id)] == [1, 2]
    finally:
        catalog.close()


def test_backfill_reaches_older_pages_through_pagination(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    paginated = sorted(sid for sid, entry in EXPECTED.items() if entry.get("backfill"))
    assert paginated, "the fixtures must include paginated sources"
    args = ["backfill", "--since", "2019-01-01"]
    for source_id in paginated:
        args += ["--source", source_id]
    result = world.cli(*args)
    assert result.exit_code == 0, result.output
    documents = world.documents()
    for source_id in paginated:
        wanted = {canonical_url(u) for u in EXPECTED[source_id]["incremental"] + EXPECTED[source_id]["backfill"]}
        have = {url for url, d in documents.items() if d.source_id == source_id}
        assert wanted <= have, (source_id, wanted - have)


def test_backfill_keeps_to_since_and_until(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    day = "2021-04-26"
    result = world.cli("backfill", "--source", "cn-mfa-en", "--since", day, "--until", day)
    assert result.exit_code == 0, result.output
    wanted = {canonical_url(url) for url, doc in EXPECTED["cn-mfa-en"]["documents"].items() if str(doc["date"]) == day}
    assert len(wanted) == 1, "the fixtures hold one China MFA briefing on 26 April 2021"
    assert set(world.documents()) == wanted


def test_list_and_sources_commands(first_run: World) -> None:
    listed = first_run.cli("list", "--json", "--limit", "500")
    assert listed.exit_code == 0
    lines = [yaml.safe_load(line) for line in listed.stdout.splitlines() if line.strip()]
    assert len(lines) == len(expected_urls("incremental") | expected_urls("backfill"))
    assert {"doc_id", "url", "title", "published_at", "source", "language"} <= set(lines[0])
    sources = first_run.cli("sources", "--json")
    assert sources.exit_code == 0
    assert "cn-mfa-en" in sources.stdout
    shown = first_run.cli("show", lines[0]["doc_id"][:16])
    assert shown.exit_code == 0
    assert lines[0]["title"] in shown.stdout


def test_no_reachable_source_exits_non_zero_and_points_to_the_demo(tmp_path: Path) -> None:
    sources_file = tmp_path / "sources.yaml"
    text = (Path("config") / "sources.yaml").read_text("utf-8")
    sources_file.write_text(re.sub(r"https?://[^/\s\"']+", "http://127.0.0.1:9", text), "utf-8")
    world = World(SiteFarm(root=tmp_path), sources_file, tmp_path / "data")
    env = world.env() | {"READOUT_RETRIES": "0"}
    result = runner.invoke(app, ["run"], env=env)
    assert result.exit_code == 1
    assert "make demo" in result.output


ENCODINGS = yaml.safe_load((FIXTURES / "expected" / "encodings.yaml").read_text("utf-8"))


def test_legacy_and_lying_encodings_become_clean_utf8(farm: SiteFarm, tmp_path: Path) -> None:
    sources_file = tmp_path / "encodings.yaml"
    sources_file.write_text(farm.rewrite((FIXTURES / "encodings.yaml").read_text("utf-8")), "utf-8")
    world = World(farm, sources_file, tmp_path / "data")
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    documents = world.documents()
    [(_source_id, entry)] = ENCODINGS.items()
    assert set(documents) == {canonical_url(url) for url in entry["incremental"]}
    for url, expected in entry["documents"].items():
        document = documents[canonical_url(url)]
        assert document.title == expected["title"], url
        assert document.language == expected["language"], url
        for phrase in expected["contains"]:
            assert phrase in document.text, (url, phrase, document.encoding)
        assert "\ufffd" not in document.text, f"replacement characters in {url} ({document.encoding})"


def test_a_broken_source_entry_is_skipped_and_recorded_while_the_rest_runs(farm: SiteFarm, tmp_path: Path) -> None:
    world = fresh_world(farm, tmp_path)
    entries = yaml.safe_load(world.sources_file.read_text("utf-8"))["sources"]
    good = next(entry for entry in entries if entry["id"] == "uk-fcdo")
    broken = {**good, "id": "broken-entry", "country": "gb"}
    world.sources_file.write_text(yaml.safe_dump({"sources": [good, broken]}), "utf-8")
    result = world.cli("run")
    assert result.exit_code == 0, result.output
    assert "skipped a broken source entry" in result.output
    assert "'broken-entry'" in result.output
    assert {d.source_id for d in world.documents().values()} == {"uk-fcdo"}
    catalog = world.catalog()
    try:
        [failure] = catalog.failures()
    finally:
        catalog.close()
    assert (failure.stage, failure.source_id, failure.error_kind) == ("config", "broken-entry", "ConfigError")
    assert "country" in failure.message


def test_an_invalid_setting_is_named_by_its_variable(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check"], env={"READOUT_MIN_DELAY": "soon"})
    assert result.exit_code == 2
    assert "READOUT_MIN_DELAY" in result.output


def test_every_ingested_document_validates_against_the_strict_mapping(first_run: World) -> None:
    from pipeline.index.mappings import document_mapping, validate_against_mapping
    from pipeline.index.projection import project_document

    properties = document_mapping()
    documents = first_run.documents()
    assert documents
    for url, document in documents.items():
        assert validate_against_mapping(project_document(document), properties) == [], url


def test_the_demo_ends_on_the_seed_answer_as_a_document_and_as_an_exchange(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # from outside the checkout: its own sources file is found
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "demo", "--show", "1"])
    assert result.exit_code == 0, result.output
    # The documents that quote it, then the briefing's exchange itself, with who asked and who answered.
    assert 'readout search "unilateral sanctions"' in result.output
    # Two exchanges of the 26 April 2021 briefing say it: Sputnik's on Iran, the Global Times' on Russia.
    assert 'readout search --turns "unilateral sanctions": 2 exchange(s)' in result.output
    assert "2021-04-26  CN  cn-mfa-en" in result.output
    assert "Sputnik → Wang Wenbin" in result.output
    assert "Global Times → Wang Wenbin" in result.output
    # Then how the news reported the Global Times exchange (named by the short id `readout coverage` takes):
    # one story word for word, one not.
    assert re.search(r"readout coverage [0-9a-f]{12}:\d+ ", result.output)
    assert "2 document(s) in 2 story(ies) report it" in result.output
    assert "added: strongly" in result.output
    assert "dropped: willful; or the threat of sanctions" in result.output
