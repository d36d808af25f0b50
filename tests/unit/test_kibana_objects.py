"""The shipped Kibana saved objects (config/kibana/*.ndjson) are well formed and consistent with the index.

- every line parses, ids are unique, the nested JSON strings Kibana stores parse too;
- every reference resolves inside the files, and every reference name the objects rely on exists;
- every field an object uses exists in the Elasticsearch mapping of its data view's index (read through
  ``pipeline.index.mappings``) with a type that fits the use: aggregations, filters and sorts need exact
  values (keyword, numeric, date, boolean), never analysed text; time fields are dates; columns may be
  anything.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from pipeline.index.kibana import default_files, load_objects
from pipeline.index.kibana_fields import FieldUse, field_uses, fields_used, kql_fields
from pipeline.index.projection import project_document
from pipeline.index.turn_projection import project_turn
from pipeline.store.citations import CoverageEntry
from pipeline.store.schema import CitationRow
from tests.turnrows import TurnRow
from tests.unit.test_embedded_search import Doc

OBJECTS = load_objects(default_files())
BY_KEY = {(obj["type"], obj["id"]): obj for obj in OBJECTS}
DATA_VIEWS = {obj["id"]: obj for obj in OBJECTS if obj["type"] == "index-pattern"}

TEXT = {"text", "match_only_text", "annotated_text", "search_as_you_type"}
KEYWORD = {"keyword", "constant_keyword", "wildcard"}
NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
DATE = {"date", "date_nanos"}
EXACT = KEYWORD | NUMERIC | DATE | {"boolean", "ip"}  # aggregatable, sortable, exact-match filterable

#: The mapping types each use accepts.
FITS: dict[str, set[str]] = {
    "time": DATE,
    "column": EXACT | TEXT,
    "format": EXACT | TEXT,
    "query": EXACT | TEXT,
    "range": NUMERIC | DATE,
    "sort": EXACT,
    "filter": EXACT,
    "terms": EXACT,
    "value": EXACT,
    "metric": NUMERIC,
    "extreme": NUMERIC | DATE,
}

#: Which mapping each data view's title stands for (the alias it matches), by function name.
MAPPING_OF_TITLE = {
    "readout-documents": "document_mapping",
    "readout-runs": "runs_mapping",
    "readout-turns": "turns_mapping",
}


# --- the files ----------------------------------------------------------------------------------------


def test_there_are_shipped_files_and_every_line_parses() -> None:
    files = default_files()
    assert files, "no config/kibana/*.ndjson"
    for path in files:
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            obj = json.loads(line)  # raises with the position if a line is broken
            assert isinstance(obj, dict), f"{path.name}:{number}"
            assert {"type", "id", "attributes", "references"} <= set(obj), f"{path.name}:{number}"
            assert isinstance(obj["references"], list), f"{path.name}:{number}"


def test_ids_are_stable_and_unique() -> None:
    keys = [(obj["type"], obj["id"]) for obj in OBJECTS]
    assert len(keys) == len(set(keys))
    # Stable, readable ids (not generated UUIDs): an import replaces the same objects every time.
    assert all(re.fullmatch(r"readout-[a-z0-9-]+", obj["id"]) for obj in OBJECTS)
    assert {obj["type"] for obj in OBJECTS} <= {"index-pattern", "search", "lens", "dashboard"}


def _nested_json(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes Kibana stores as JSON strings, parsed."""
    attributes = obj["attributes"]
    strings = {
        name: attributes[name]
        for name in ("panelsJSON", "optionsJSON", "fieldFormatMap", "sourceFilters", "runtimeFieldMap", "fieldAttrs")
        if name in attributes
    }
    meta = attributes.get("kibanaSavedObjectMeta")
    if isinstance(meta, dict) and "searchSourceJSON" in meta:
        strings["searchSourceJSON"] = meta["searchSourceJSON"]
    return {name: json.loads(value) for name, value in strings.items()}


def test_nested_json_strings_parse() -> None:
    for obj in OBJECTS:
        for name, value in _nested_json(obj).items():
            assert value is not None, f"{obj['type']}/{obj['id']} {name}"


# --- references -----------------------------------------------------------------------------------------


def test_every_reference_resolves_inside_the_files() -> None:
    unresolved = [
        f"{obj['type']}/{obj['id']} → {ref['type']}/{ref['id']} ({ref['name']})"
        for obj in OBJECTS
        for ref in obj["references"]
        if (ref["type"], ref["id"]) not in BY_KEY
    ]
    assert unresolved == []


def test_reference_names_are_unique_per_object() -> None:
    for obj in OBJECTS:
        names = [ref["name"] for ref in obj["references"]]
        assert len(names) == len(set(names)), f"{obj['type']}/{obj['id']}"


def _ref_names(obj: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    return {ref["name"]: (ref["type"], ref["id"]) for ref in obj["references"]}


def test_every_reference_name_an_object_relies_on_exists() -> None:
    """Kibana swaps references back in by name: a missing name is a broken panel or a search without data."""
    for obj in OBJECTS:
        refs = _ref_names(obj)
        nested = _nested_json(obj)
        label = f"{obj['type']}/{obj['id']}"
        source = nested.get("searchSourceJSON") or {}
        if obj["type"] == "search":
            assert refs.get(str(source.get("indexRefName")), ("", ""))[0] == "index-pattern", label
        for pill in source.get("filter", []):
            assert pill["meta"]["indexRefName"] in refs, label
        if obj["type"] == "dashboard":
            for panel in nested["panelsJSON"]:
                ref = refs.get(f"{panel['panelIndex']}:{panel['panelRefName']}")
                assert ref is not None, f"{label} panel {panel['panelIndex']}"
                assert ref[0] == panel["type"], f"{label} panel {panel['panelIndex']}"
                assert panel["gridData"]["i"] == panel["panelIndex"]
        if obj["type"] == "lens":
            layers = obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
            for layer_id in layers:
                assert refs[f"indexpattern-datasource-layer-{layer_id}"][0] == "index-pattern", label


def test_lens_accessors_name_columns_of_their_layer() -> None:
    for obj in (o for o in OBJECTS if o["type"] == "lens"):
        state = obj["attributes"]["state"]
        layers = state["datasourceStates"]["formBased"]["layers"]
        vis = state["visualization"]
        for layer in vis.get("layers", [vis]):
            columns = layers[layer["layerId"]]["columns"]
            named = [layer.get("xAccessor"), layer.get("splitAccessor"), layer.get("metricAccessor")]
            named += layer.get("accessors", []) + layer.get("primaryGroups", []) + layer.get("metrics", [])
            named += [c["columnId"] for c in layer.get("columns", [])]
            for column_id in filter(None, named):
                assert column_id in columns, f"lens/{obj['id']}: {column_id}"
            for column in columns.values():
                order = column.get("params", {}).get("orderBy", {})
                if order.get("type") == "column":
                    assert order["columnId"] in columns, f"lens/{obj['id']}"


# --- what the issue asks for ----------------------------------------------------------------------------


def test_the_data_views_match_the_aliases_with_their_time_fields() -> None:
    views = {view_id: (v["attributes"]["title"], v["attributes"]["timeFieldName"]) for view_id, v in DATA_VIEWS.items()}
    assert views == {
        "readout-documents": ("readout-documents", "published_at"),
        "readout-runs": ("readout-runs", "started_at"),
        "readout-turns": ("readout-turns", "date"),
    }


def _search(title: str) -> tuple[dict[str, Any], dict[str, Any]]:
    (obj,) = [o for o in OBJECTS if o["type"] == "search" and o["attributes"]["title"] == title]
    return obj, json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])


@pytest.mark.parametrize(("title", "kind"), [("Latest briefings", "briefing"), ("Latest news", "news")])
def test_latest_searches_filter_on_kind_newest_first(title: str, kind: str) -> None:
    obj, source = _search(title)
    assert _ref_names(obj)[source["indexRefName"]] == ("index-pattern", "readout-documents")
    (pill,) = source["filter"]
    assert pill["query"] == {"match_phrase": {"kind": kind}}
    assert obj["attributes"]["sort"] == [["published_at", "desc"]]
    assert obj["attributes"]["columns"][0] == "title"


def test_latest_news_shows_the_story_of_each_copy() -> None:
    # Discover cannot collapse: the story (cluster_id) is a column, and the data view names it.
    obj, _ = _search("Latest news")
    assert obj["attributes"]["columns"][:2] == ["title", "cluster_id"]
    (view,) = [o for o in OBJECTS if o["type"] == "index-pattern" and o["id"] == "readout-documents"]
    assert json.loads(view["attributes"]["fieldAttrs"])["cluster_id"]["customLabel"].startswith("story")


def test_latest_briefings_columns() -> None:
    obj, _ = _search("Latest briefings")
    assert obj["attributes"]["columns"] == ["title", "source", "ministry", "published_at"]


def test_failures_search_selects_failed_items_or_a_status_other_than_ok() -> None:
    obj, source = _search("Failures")
    assert _ref_names(obj)[source["indexRefName"]] == ("index-pattern", "readout-runs")
    assert source["query"] == {"query": 'failed > 0 or not status : "ok"', "language": "kuery"}
    assert obj["attributes"]["columns"] == ["source", "status", "failed", "error"]
    assert obj["attributes"]["sort"] == [["started_at", "desc"]]


def _dashboard_panels(title: str) -> list[tuple[str, str]]:
    (obj,) = [o for o in OBJECTS if o["type"] == "dashboard" and o["attributes"]["title"] == title]
    refs = _ref_names(obj)
    panels = json.loads(obj["attributes"]["panelsJSON"])
    return [refs[f"{p['panelIndex']}:{p['panelRefName']}"] for p in panels]


def _lens_fields(lens_id: str) -> set[str]:
    return {use.field for use in field_uses([BY_KEY[("lens", lens_id)]])}


def test_overview_dashboard_shows_volume_topics_countries_and_languages() -> None:
    panels = _dashboard_panels("Overview")
    lens_fields = [_lens_fields(panel_id) for kind, panel_id in panels if kind == "lens"]
    assert {"published_at", "source"} in lens_fields  # volume over time by source
    assert {"published_at", "kind"} in lens_fields  # ... and by kind
    assert {"topics"} in lens_fields
    assert {"countries"} in lens_fields
    assert {"language"} in lens_fields


def test_pipeline_health_dashboard_shows_runs_failures_and_last_status_per_source() -> None:
    panels = _dashboard_panels("Pipeline health")
    lens_fields = [_lens_fields(panel_id) for kind, panel_id in panels if kind == "lens"]
    assert {"started_at", "source"} in lens_fields  # runs per source over time
    assert {"started_at", "source", "failed"} in lens_fields  # failures per source over time
    assert any({"source", "status", "started_at"} <= fields for fields in lens_fields)  # last status
    assert ("search", "readout-failures") in panels


def test_exchanges_by_outlet_lists_exchanges_grouped_by_outlet() -> None:
    obj, source = _search("Exchanges by outlet")
    assert _ref_names(obj)[source["indexRefName"]] == ("index-pattern", "readout-turns")
    (pill,) = source["filter"]
    assert pill["query"] == {"match_phrase": {"kind": "exchange"}}
    assert obj["attributes"]["sort"] == [["outlet", "asc"], ["date", "desc"]]
    assert obj["attributes"]["columns"] == ["outlet", "date", "ministry", "spokesperson", "question", "answer"]


def test_divergent_quotes_lists_news_whose_worst_verdict_is_divergent() -> None:
    obj, source = _search("Divergent quotes")
    assert _ref_names(obj)[source["indexRefName"]] == ("index-pattern", "readout-documents")
    (pill,) = source["filter"]
    assert pill["query"] == {"match_phrase": {"worst_verdict": "divergent"}}
    assert pill["meta"]["key"] == "worst_verdict"
    assert pill["meta"]["params"] == {"query": "divergent"}
    assert obj["attributes"]["columns"][:5] == ["title", "source", "worst_verdict", "cited_turns", "cluster_id"]
    assert obj["attributes"]["sort"] == [["published_at", "desc"]]


def test_edited_or_removed_transcripts_lists_briefings_either_edited_or_removed() -> None:
    obj, source = _search("Edited or removed transcripts")
    assert _ref_names(obj)[source["indexRefName"]] == ("index-pattern", "readout-documents")
    assert source["query"] == {"query": "edited : true or removed : true", "language": "kuery"}
    (pill,) = source["filter"]
    assert pill["query"] == {"match_phrase": {"kind": "briefing"}}
    assert obj["attributes"]["columns"] == [
        *("title", "source", "edited_at", "removed_at", "removal_kind", "version_count")
    ]
    assert obj["attributes"]["sort"] == [["published_at", "desc"]]


def test_exchanges_missing_from_the_other_language_filter_on_the_flag() -> None:
    obj, source = _search("Exchanges missing from the other language")
    assert _ref_names(obj)[source["indexRefName"]] == ("index-pattern", "readout-turns")
    (pill,) = source["filter"]
    # A phrase filter on a boolean field takes the boolean itself (kbn-es-query: PhraseFilterValue is
    # string | number | boolean), as Discover's filter editor writes it.
    assert pill["query"] == {"match_phrase": {"missing_in_twin": True}}
    assert (pill["meta"]["key"], pill["meta"]["params"]) == ("missing_in_twin", {"query": True})
    assert obj["attributes"]["columns"] == ["date", "ministry", "outlet", "question", "answer"]
    assert obj["attributes"]["sort"] == [["date", "desc"]]


def test_the_history_fields_have_labels() -> None:
    labelled = {
        view: set(json.loads(DATA_VIEWS[view]["attributes"]["fieldAttrs"]))
        for view in ("readout-documents", "readout-turns")
    }
    assert {
        *("edited", "edited_at", "removed", "removed_at", "removal_kind", "version_count"),
        *("has_twin", "twin_doc_id", "unmatched_in_twin"),
    } <= labelled["readout-documents"]
    assert "missing_in_twin" in labelled["readout-turns"]


def test_covered_exchanges_are_ranked_by_their_news_reports() -> None:
    lens = BY_KEY[("lens", "readout-covered-exchanges")]["attributes"]
    assert lens["state"]["query"] == {"query": "coverage_count > 0", "language": "kuery"}
    columns = lens["state"]["datasourceStates"]["formBased"]["layers"]["main"]["columns"]
    assert columns["turn"]["params"]["orderBy"] == {"type": "column", "columnId": "reports"}
    assert (columns["reports"]["operationType"], columns["reports"]["sourceField"]) == ("max", "coverage_count")


def test_briefings_dashboard_shows_ministries_outlets_topics_and_countries() -> None:
    panels = _dashboard_panels("Briefings")
    lens_fields = [_lens_fields(panel_id) for kind, panel_id in panels if kind == "lens"]
    # Every panel counts exchanges only (kind : "exchange" in the lens query), or turns the news reports
    # (an announcement can be quoted too).
    assert all("kind" in fields or "coverage_count" in fields for fields in lens_fields)
    assert {"date", "ministry", "kind"} in lens_fields  # exchanges over time per ministry
    assert {"outlet", "kind"} in lens_fields  # top questioning outlets
    assert {"spokesperson", "topics", "kind"} in lens_fields  # topics per spokesperson
    assert {"question_countries", "answer_countries", "kind"} in lens_fields  # questions vs answers
    assert ("search", "readout-exchanges-by-outlet") in panels
    assert {"turn_id", "date", "ministry", "spokesperson", "coverage_count", "worst_verdict"} in lens_fields
    assert {"covered_by", "coverage_count"} in lens_fields  # outlets reporting exchanges
    views = {
        use.data_view for kind, panel_id in panels if kind == "lens" for use in field_uses([BY_KEY[(kind, panel_id)]])
    }
    assert views == {"readout-turns"}


# --- the field extraction itself (so the mapping check below cannot pass vacuously) -------------------


def test_kql_fields() -> None:
    assert kql_fields('failed > 0 or not status : "ok"') == [("failed", "range"), ("status", "query")]
    assert kql_fields('title : "a: b" and kind:briefing') == [("title", "query"), ("kind", "query")]
    assert kql_fields("seconds >= 1.5 and countries : (CN or US)") == [("seconds", "range"), ("countries", "query")]
    assert kql_fields("plain words") == []


def test_fields_used_finds_every_kind_of_use() -> None:
    used = fields_used(OBJECTS)
    assert set(used) == {"readout-documents", "readout-runs", "readout-turns"}
    assert {"published_at", "title", "source", "ministry", "kind", "topics", "countries", "language"} <= used[
        "readout-documents"
    ]
    assert {"started_at", "source", "status", "failed", "error"} <= used["readout-runs"]
    kinds = {use.use for use in field_uses(OBJECTS)}
    assert {"time", "column", "sort", "filter", "range", "query", "terms", "metric", "value"} <= kinds


def test_document_fields_used_are_fields_the_projection_produces() -> None:
    """Independent of the mappings: the documents data view only names fields project_document writes."""
    now = datetime(2021, 4, 26, 8, 0, tzinfo=UTC)
    document = SimpleNamespace(
        doc_id="d" * 64, url="https://example.org/a", canonical_url="https://example.org/a", source_id="mfa",
        source_kind="briefing", publisher="MFA", source_country="CN", language="en", title="T", text="Body",
        published_at=now, fetched_at=now, first_seen_at=now, content_hash="h", version=1, revision=1,
        removed_at=now, authors=["A"], topics=["sanctions"], countries=["US"], key_phrases=["p"], tagged_with="1",
        duplicate_of="x", cluster_id="x", date_source="meta",
        extractor_version="1", warc_file="a.warc.gz", warc_offset=0, run_id="r",
        removal_evidence={"kind": "gone", "status": 404}, edited_at=now, twin_doc_id="t" * 64,
        twin_unmatched=["d" * 64 + ":2"],
    )  # fmt: skip
    citations = [CitationRow(turn_id="b1:1", verdict="divergent")]
    produced = set(project_document(document, citations))
    used = {name.split(".")[0] for name in fields_used(OBJECTS)["readout-documents"]}
    assert used <= produced, used - produced


def test_turn_fields_used_are_fields_the_turn_projection_produces() -> None:
    """Independent of the mappings: the turns data view only names fields project_turn writes."""
    turn = TurnRow("b1", 1, "Q?", "A.", topics=["sanctions"], question_countries=["RU"], answer_countries=["US"])
    report = CoverageEntry(
        doc_id="n1", title="T", url="https://example.org/n1", source_id="gt", publisher="Global Times",
        published_at=None, cluster_id=None, duplicate_of=None, quoted="Q", matched="Q", similarity=1.0,
        verdict="verbatim", added=[], dropped=[],
    )  # fmt: skip
    produced = set(project_turn(turn, Doc("b1", "Transcript."), [report]))
    used = fields_used(OBJECTS)["readout-turns"]
    assert used <= produced, used - produced


# --- against the Elasticsearch mappings -----------------------------------------------------------------


@pytest.fixture(scope="module")
def mappings() -> ModuleType:
    # Skip only when the module is absent; an import error inside it must fail, not hide.
    if importlib.util.find_spec("pipeline.index.mappings") is None:
        pytest.skip("pipeline.index.mappings does not exist yet: cannot check Kibana fields against the mappings")
    return importlib.import_module("pipeline.index.mappings")


def _properties(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """Accept either the ``properties`` dict itself or a mapping that wraps it."""
    inner: Mapping[str, Any] = mapping.get("mappings", mapping)
    properties: Any = inner.get("properties")
    if isinstance(properties, dict) and "type" not in properties:
        return properties
    return inner


def flatten(properties: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Every field path with its type: objects' sub-properties (``archive.file``) and multi-fields
    (``title.keyword``) included; an object without a type is ``object``."""
    flat: dict[str, str] = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        flat[path] = spec.get("type", "object")
        if isinstance(spec.get("properties"), dict):
            flat.update(flatten(spec["properties"], f"{path}."))
        for sub, sub_spec in (spec.get("fields") or {}).items():
            flat[f"{path}.{sub}"] = sub_spec.get("type", "object")
    return flat


def _mapping_for(mappings: ModuleType, view_id: str) -> dict[str, str]:
    title = DATA_VIEWS[view_id]["attributes"]["title"]
    function_name = MAPPING_OF_TITLE.get(title)
    assert function_name is not None, f"data view {view_id} matches {title!r}, which has no mapping"
    function: Callable[[], Mapping[str, Any]] = getattr(mappings, function_name)
    return flatten(_properties(function()))


def _misfits(uses: list[FieldUse], types: dict[str, str]) -> list[str]:
    problems = []
    for use in uses:
        mapped = types.get(use.field)
        if mapped is None:
            problems.append(f"{use.where}: {use.field!r} ({use.use}) is not in the mapping")
        elif mapped not in FITS[use.use]:
            problems.append(f"{use.where}: {use.field!r} is {mapped}, which does not fit a {use.use} use")
    return problems


@pytest.mark.parametrize("view_id", sorted(DATA_VIEWS))
def test_each_data_view_matches_the_indices_of_an_index_template(mappings: ModuleType, view_id: str) -> None:
    """The data view's title is an alias; the versioned indices behind it get one of the shipped templates."""
    title = DATA_VIEWS[view_id]["attributes"]["title"]
    templates = mappings.load_templates()
    assert templates.matching(f"{title}-v1") == title


@pytest.mark.parametrize("view_id", sorted(DATA_VIEWS))
def test_every_field_used_exists_in_the_mapping_with_a_fitting_type(mappings: ModuleType, view_id: str) -> None:
    types = _mapping_for(mappings, view_id)
    uses = [use for use in field_uses(OBJECTS) if use.data_view == view_id]
    assert uses
    assert _misfits(uses, types) == []


def test_the_check_catches_an_analysed_text_field_used_as_a_bucket(mappings: ModuleType) -> None:
    """The mapping check has teeth: ``title`` (text) as a terms bucket or ``nope`` are both reported."""
    types = _mapping_for(mappings, "readout-documents")
    uses = [
        FieldUse("readout-documents", "title", "terms", "probe"),
        FieldUse("readout-documents", "title.keyword", "terms", "probe"),
        FieldUse("readout-documents", "nope", "column", "probe"),
    ]
    assert _misfits(uses, types) == [
        "probe: 'title' is text, which does not fit a terms use",
        "probe: 'nope' (column) is not in the mapping",
    ]
