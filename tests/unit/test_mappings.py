"""The templates in config/elasticsearch/ against the projection, and the strict-mapping checker."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeline.index.coverage_projection import VERDICTS
from pipeline.index.mappings import (
    CONFIG_DIR,
    MAX_TERM_BYTES,
    compose,
    document_mapping,
    flatten_fields,
    load_roles,
    load_templates,
    mapping_analyzers,
    matching_template,
    runs_mapping,
    validate_against_mapping,
)
from pipeline.index.projection import ANALYZED_LANGUAGES, project_document
from pipeline.store.schema import CitationRow

#: Analyzers Elasticsearch ships (those a mapping may name without defining them).
BUILT_IN_ANALYZERS = {
    "standard",
    "simple",
    "whitespace",
    "keyword",
    "english",
    "russian",
    "french",
    "spanish",
    "german",
    "arabic",
    "cjk",
}


@dataclass
class FakeDocument:
    """Every field of ``Projectable`` filled, so the projection emits every field it can."""

    language: str | None
    doc_id: str = "a" * 64
    url: str = "https://www.fmprc.gov.cn/eng/xw/fyrbt/202104/t20210426_9170796.html?from=rss"
    canonical_url: str = "https://www.fmprc.gov.cn/eng/xw/fyrbt/202104/t20210426_9170796.html"
    source_id: str = "cn-mfa-en"
    source_kind: str = "briefing"
    publisher: str = "Ministry of Foreign Affairs of the People's Republic of China"
    source_country: str = "CN"
    title: str | None = "Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference on April 26, 2021"
    text: str = "We oppose the willful use of unilateral sanctions. 我们反对滥用单边制裁。"
    published_at: datetime | None = datetime(2021, 4, 26, 7, 30, tzinfo=UTC)
    fetched_at: datetime = datetime(2021, 4, 26, 9, 0, 0, 123456, tzinfo=UTC)
    first_seen_at: datetime = datetime(2021, 4, 26, 9, 0, tzinfo=UTC)
    content_hash: str = "b" * 64
    version: int = 3
    revision: int = 7
    removed_at: datetime | None = datetime(2022, 1, 1, tzinfo=UTC)
    removal_evidence: dict[str, Any] | None = field(
        default_factory=lambda: {"kind": "redirect-to-index", "status": 302, "url": "https://www.fmprc.gov.cn/eng/"}
    )
    edited_at: datetime | None = datetime(2021, 4, 27, 9, 0, tzinfo=UTC)
    twin_doc_id: str | None = "d" * 64
    twin_unmatched: list[Any] = field(default_factory=lambda: ["a" * 64 + ":4", "a" * 64 + ":9"])
    authors: list[Any] = field(default_factory=lambda: ["Wang Wenbin"])
    topics: list[Any] = field(default_factory=lambda: ["sanctions", "trade"])
    countries: list[Any] = field(default_factory=lambda: ["US", "CN"])
    key_phrases: list[Any] = field(default_factory=lambda: ["unilateral sanctions", "单边制裁"])
    tagged_with: str | None = "1-0123456789ab"
    duplicate_of: str | None = "c" * 64
    cluster_id: str | None = "c" * 64
    date_source: str | None = "page"
    extractor_version: str = "trafilatura-2.0.0+readout-0.1.0"
    warc_file: str | None = "2021/04/26/readout-0001.warc.gz"
    warc_offset: int | None = 123_456_789_012
    run_id: str | None = "3f0b1c7e-9a51-5d55-8f0c-6a0d2b1e7c3e"


LANGUAGES = [*ANALYZED_LANGUAGES, "hi", None]
#: A news document's briefing quotes: two of one turn, one no briefing says.
CITATIONS = [
    CitationRow(number=0, turn_id="b" * 64 + ":3", verdict="verbatim"),
    CitationRow(number=1, turn_id="b" * 64 + ":3", verdict="paraphrase"),
    CitationRow(number=2, turn_id=None, verdict="unmatched"),
]


@pytest.fixture(scope="module")
def properties() -> dict[str, Any]:
    return document_mapping()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_projected_field_fits_the_mapping(language: str | None, properties: dict[str, Any]) -> None:
    for citations in ([], CITATIONS):
        projected = project_document(FakeDocument(language=language), citations)
        assert validate_against_mapping(projected, properties) == []


def test_a_naive_and_a_sparse_document_fit_too(properties: dict[str, Any]) -> None:
    sparse = FakeDocument(
        language=None,
        title=None,
        published_at=None,
        removed_at=None,
        removal_evidence=None,
        edited_at=None,
        twin_doc_id=None,
        twin_unmatched=[],
        duplicate_of=None,
        date_source=None,
        warc_file=None,
        warc_offset=None,
        run_id=None,
        authors=[],
        topics=[],
        countries=[],
        key_phrases=[],
        tagged_with=None,
        fetched_at=datetime(2021, 4, 26, 9, 0),  # naive (SQLite hands these back): UTC for Elasticsearch
    )
    assert validate_against_mapping(project_document(sparse), properties) == []


def test_mapping_has_exactly_the_projected_fields(properties: dict[str, Any]) -> None:
    produced: set[str] = set()
    for language in LANGUAGES:
        produced |= set(project_document(FakeDocument(language=language), CITATIONS))
    assert produced == set(properties), "mapping fields the projection never fills, or the reverse"
    assert set(properties["archive"]["properties"]) == {"file", "offset"}


def test_a_document_carries_its_citations(properties: dict[str, Any]) -> None:
    """Each cited turn once, in text order; the count of quotes; the worst verdict. None without citations."""
    cited = project_document(FakeDocument(language="en"), CITATIONS)
    assert cited["citation_count"] == 3
    assert cited["cited_turns"] == ["b" * 64 + ":3"]
    assert cited["worst_verdict"] == "unmatched"
    plain = project_document(FakeDocument(language="en"))
    assert not {"citation_count", "cited_turns", "worst_verdict"} & set(plain)
    types = flatten_fields(properties)
    assert (types["citation_count"], types["cited_turns"], types["worst_verdict"]) == ("integer", "keyword", "keyword")


def test_the_index_orders_verdicts_as_the_aligner_does() -> None:
    """The projection keeps its own order (importing the aligner would slow searches): the same as the
    aligner's severities."""
    from pipeline.enrich.coverage import VERDICT_SEVERITY

    assert list(VERDICTS) == sorted(VERDICT_SEVERITY, key=VERDICT_SEVERITY.__getitem__)


def test_field_types(properties: dict[str, Any]) -> None:
    types = flatten_fields(properties)
    for name in (
        "source",
        "kind",
        "publisher",
        "ministry",
        "country",
        "language",
        "topics",
        "countries",
        "authors",
        "doc_id",
        "canonical_url",
        "url",
        "content_hash",
        "duplicate_of",
        "cluster_id",
        "date_source",
        "extractor_version",
        "title.keyword",
    ):
        assert types[name] == "keyword", name
    for name in ("published_at", "fetched_at", "first_seen_at", "removed_at"):
        assert types[name] == "date", name
    assert types["removed"] == "boolean"
    assert types["version"] == types["revision"] == "integer"
    assert types["archive"] == "object"
    assert types["archive.file"] == "keyword"
    assert types["archive.offset"] == "long"
    assert properties["archive"]["properties"]["file"]["index"] is False
    assert properties["archive"]["properties"]["offset"]["index"] is False


def test_text_fields_and_their_analyzers(properties: dict[str, Any]) -> None:
    templates = load_templates()
    analyzers = templates.composed("documents")["settings"]["analysis"]["analyzer"]
    assert properties["title"]["analyzer"] == properties["text"]["analyzer"] == "standard"
    for code, builtin in ANALYZED_LANGUAGES.items():
        for base in ("title", "text"):
            spec = properties[f"{base}_{code}"]
            assert spec["type"] == "text"
            assert analyzers[spec["analyzer"]]["type"] == builtin, f"{base}_{code}"
    assert analyzers["readout_zh"]["type"] == analyzers["readout_ja"]["type"] == "cjk"
    # Every analyzer named anywhere is defined in the settings or built in.
    assert mapping_analyzers(properties) <= set(analyzers) | BUILT_IN_ANALYZERS


def _analyzers_defined_in(component: dict[str, Any]) -> set[str]:
    settings = component.get("template", {}).get("settings", {})
    analysis = settings.get("analysis", settings.get("index", {}).get("analysis", {}))
    return set(analysis.get("analyzer", {}))


@pytest.mark.parametrize("name", sorted(load_templates().component_templates))
def test_every_component_template_is_valid_on_its_own(name: str) -> None:
    # Elasticsearch validates a component template alone when it is stored (MetadataIndexTemplateService
    # .addComponentTemplate → validateTemplate(its own settings, its own mappings)): an analyzer defined in
    # another component is "not configured in mappings" and the PUT answers 400 (elastic/kibana#128209).
    component = load_templates().component_templates[name]
    properties = component.get("template", {}).get("mappings", {}).get("properties", {})
    undefined = mapping_analyzers(properties) - _analyzers_defined_in(component) - BUILT_IN_ANALYZERS
    assert not undefined, f"{name} names analyzers it does not define: {sorted(undefined)}"


def test_settings_leave_search_idle_on() -> None:
    # An explicit index.refresh_interval turns off search-idle shards (no background refresh of shards nobody
    # searches); the default 1 s applies anyway while a shard is searched. Readout refreshes explicitly where it
    # needs to read its own writes (reindex, before _count).
    for name, component in load_templates().component_templates.items():
        settings = component.get("template", {}).get("settings", {})
        assert "refresh_interval" not in settings.get("index", {}), name
        assert "index.refresh_interval" not in settings, name
        assert "refresh_interval" not in settings, name


def test_no_keyword_on_long_text(properties: dict[str, Any]) -> None:
    for name, spec in properties.items():
        if name == "text" or name.startswith("text_"):
            assert spec["type"] == "text"
            assert "fields" not in spec, f"{name} must not have sub-fields (a keyword would hit the term limit)"
    # Titles get a keyword for sorting in Kibana, capped well under the term limit even at 4 bytes a char.
    assert properties["title"]["fields"]["keyword"]["ignore_above"] * 4 <= MAX_TERM_BYTES
    for name in ("url", "canonical_url", "publisher", "authors", "extractor_version"):
        assert properties[name]["ignore_above"] * 4 <= MAX_TERM_BYTES, name
    assert properties["url"]["ignore_above"] >= 2048


def test_mapping_is_strict_everywhere() -> None:
    templates = load_templates()
    for family in ("documents", "runs"):
        assert templates.composed(family)["mappings"]["dynamic"] == "strict"


def test_runs_mapping_fields() -> None:
    from pipeline.index.es_bulk import RUN_FIELDS

    properties = runs_mapping()
    assert set(properties) == set(RUN_FIELDS)
    types = flatten_fields(properties)
    assert types["error"] == "text"
    assert types["started_at"] == types["finished_at"] == "date"
    assert types["seconds"] == "float"
    for name in (
        "discovered",
        "new",
        "updated",
        "unchanged",
        "not_modified",
        "fetched",
        "removed",
        "skipped",
        "failed",
    ):
        assert types[name] == "integer", name
    row = {
        "run_id": "r1",
        "source": "cn-mfa-en",
        "mode": "incremental",
        "status": "ok",
        "started_at": "2021-04-26T09:00:00+00:00",
        "finished_at": "2021-04-26T09:01:00+00:00",
        "discovered": 10,
        "new": 2,
        "updated": 1,
        "unchanged": 7,
        "not_modified": 0,
        "fetched": 3,
        "removed": 0,
        "skipped": 0,
        "failed": 0,
        "error": "ok",
        "seconds": 60.5,
    }
    assert validate_against_mapping(row, properties) == []


def test_templates_compose_and_prefix_substitution() -> None:
    templates = load_templates("news")
    assert set(templates.component_templates) == {
        "news-settings",
        "news-document-mappings",
        "news-run-mappings",
        "news-turn-mappings",
    }
    documents = templates.index_templates["news-documents"]
    assert documents["index_patterns"] == ["news-documents-v*"]
    assert documents["composed_of"] == ["news-settings", "news-document-mappings"]
    assert documents["priority"] > 0
    assert templates.matching("news-documents-v12") == "news-documents"
    assert templates.matching("news-documents") is None, "the alias name must not match: it is not an index"
    assert templates.matching("news-runs-v1") == "news-runs"
    # Analyzer names are index-local and must not be renamed.
    assert templates.composed("documents")["mappings"]["properties"]["text_en"]["analyzer"] == "readout_en"
    # The files themselves still say "readout".
    raw = json.loads((CONFIG_DIR / "index_templates" / "readout-documents.json").read_text())
    assert raw["index_patterns"] == ["readout-documents-v*"]
    # No template adds an alias: every new vN would join it, and the reindex swap would be meaningless.
    for body in templates.index_templates.values():
        assert "aliases" not in body.get("template", {})


def test_compose_order_later_wins() -> None:
    components = {
        "a": {"template": {"settings": {"index": {"number_of_shards": 1}}, "mappings": {"properties": {"x": {}}}}},
        "b": {"template": {"settings": {"index": {"number_of_shards": 2}}, "mappings": {"properties": {"y": {}}}}},
    }
    merged = compose({"composed_of": ["a", "b"], "template": {"mappings": {"dynamic": "strict"}}}, components)
    assert merged == {
        "settings": {"index": {"number_of_shards": 2}},
        "mappings": {"properties": {"x": {}, "y": {}}, "dynamic": "strict"},
    }
    assert (
        matching_template(
            "x-1",
            {"low": {"index_patterns": ["x-*"], "priority": 1}, "high": {"index_patterns": ["x-*"], "priority": 9}},
        )
        == "high"
    )


def test_roles() -> None:
    roles = load_roles()
    writer, analyst = roles["readout_writer"], roles["readout_analyst"]
    assert set(writer["cluster"]) == {"monitor", "manage_index_templates"}
    assert writer["indices"] == [
        {
            "names": ["readout-*"],
            "privileges": ["create_index", "index", "read", "view_index_metadata", "manage"],
            "allow_restricted_indices": False,
        },
        # Deleting documents only where the outbox deletes: turns a briefing no longer has.
        {"names": ["readout-turns", "readout-turns-v*"], "privileges": ["delete"], "allow_restricted_indices": False},
    ]
    assert analyst["cluster"] == []
    assert analyst["indices"][0]["names"] == ["readout-*"]
    assert set(analyst["indices"][0]["privileges"]) == {"read", "view_index_metadata"}
    assert load_roles("news")["news_writer"]["indices"][0]["names"] == ["news-*"]
    assert load_roles("news")["news_writer"]["indices"][1]["names"] == ["news-turns", "news-turns-v*"]


def test_load_templates_fails_clearly_on_a_missing_component(tmp_path: Path) -> None:
    (tmp_path / "component_templates").mkdir()
    (tmp_path / "index_templates").mkdir()
    (tmp_path / "index_templates" / "readout-documents.json").write_text(
        json.dumps({"index_patterns": ["readout-documents-v*"], "composed_of": ["readout-nope"]})
    )
    with pytest.raises(ValueError, match="readout-nope"):
        load_templates(directory=tmp_path)


# --- validate_against_mapping -----------------------------------------------------------------------------


def _doc(**changes: Any) -> dict[str, Any]:
    doc = project_document(FakeDocument(language="en"))
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"spokesperson": "Wang Wenbin"}, "spokesperson: unknown field"),
        ({"archive": {"file": "a.warc.gz", "offset": 1, "length": 5}}, "archive.length: unknown field"),
        ({"title_hi": "शीर्षक"}, "title_hi: unknown field"),
        ({"source": 5}, "source: expected a string"),
        ({"topics": ["sanctions", 3]}, "topics: expected a string"),
        ({"title": {"en": "x"}}, "title: expected a string"),
        ({"version": "3"}, "version: expected an integer"),
        ({"revision": True}, "revision: expected an integer"),
        ({"revision": 2**31}, "revision: 2147483648 is out of range for integer"),
        ({"removed": "false"}, "removed: expected true or false"),
        ({"published_at": "26/04/2021"}, "published_at: '26/04/2021' is not a date"),
        ({"published_at": "2021-02-30"}, "published_at: '2021-02-30' is not a date"),
        ({"published_at": "2021-04-26 07:30:00"}, "published_at: '2021-04-26 07:30:00' is not a date"),
        ({"fetched_at": datetime(2021, 4, 26, tzinfo=UTC)}, "fetched_at: expected a date string, got a Python"),
        ({"archive": "a.warc.gz"}, "archive: expected an object"),
        ({"archive": {"file": "a", "offset": 1.5}}, "archive.offset: expected an integer"),
        ({"countries": [["US"]]}, "countries: nested arrays"),
    ],
)
def test_validate_catches(changes: dict[str, Any], problem: str) -> None:
    problems = validate_against_mapping(_doc(**changes), document_mapping())
    assert len(problems) == 1, problems
    assert problems[0].startswith(problem), problems


@pytest.mark.parametrize(
    "value",
    [
        "2021-04-26",
        "2021-04-26T07:30",
        "2021-04-26T07:30:00Z",
        "2021-04-26T07:30:00.123456789+08:00",
        "2021-04-26T07:30:00-0500",
        1619422200000,
        None,
    ],
)
def test_validate_accepts_default_date_forms(value: Any) -> None:
    assert validate_against_mapping(_doc(published_at=value), document_mapping()) == []


def test_immense_keyword_terms() -> None:
    huge = "字" * 11_000  # 33,000 bytes in UTF-8: over the term limit, but only 11,000 characters
    properties: dict[str, Any] = {
        "capped": {"type": "keyword", "ignore_above": 256},
        "uncapped": {"type": "keyword"},
        "stored_only": {"type": "keyword", "index": False, "doc_values": False},
        "titled": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
        "big_cap": {"type": "keyword", "ignore_above": 20_000},
    }
    assert validate_against_mapping({"capped": huge, "stored_only": huge}, properties) == []
    problems = validate_against_mapping({"uncapped": huge, "titled": huge, "big_cap": huge}, properties)
    assert [problem.split(":")[0] for problem in problems] == ["uncapped", "titled.raw", "big_cap"]
    assert "33000-byte" in problems[0]
    # A long text field is fine: text is split into terms.
    assert validate_against_mapping({"titled": "word " * 20_000}, {"titled": {"type": "text"}}) == []


def test_a_long_url_is_kept_out_of_the_index_not_refused(properties: dict[str, Any]) -> None:
    long_url = "https://example.org/?" + "q=" + "x" * 40_000
    document = replace(FakeDocument(language="en"), url=long_url, canonical_url=long_url)
    assert validate_against_mapping(project_document(document), properties) == []


def test_cluster_id_is_a_field_elasticsearch_can_collapse_on(properties: dict[str, Any]) -> None:
    # collapse needs a single-valued keyword with doc values (CollapseBuilder.build); a value over ignore_above
    # would be left out of the doc values, and its document folded with every other such document.
    assert properties["cluster_id"] == {"type": "keyword"}


def test_every_document_has_a_cluster_of_its_own_at_least() -> None:
    assert project_document(FakeDocument("en", cluster_id=None))["cluster_id"] == "a" * 64
    assert project_document(FakeDocument("en", cluster_id="f" * 64))["cluster_id"] == "f" * 64
