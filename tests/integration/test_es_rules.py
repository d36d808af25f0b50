"""The Elasticsearch stand-in refuses what Elasticsearch 9 refuses, and takes Readout's real requests.

Each rule of ``tests/esrules.py`` (and ``tests/eswrites.py``, ``tests/essearch.py``) is shown twice: a bad
request gets Elasticsearch's error (status, type, reason, ``root_cause``), sent over real HTTP; and what
Readout really sends (the templates of ``config/elasticsearch``, documents and turns from the pipeline's
projections, runs rows) is accepted.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from pipeline.index.elastic import ElasticIndex
from pipeline.index.es_bulk import RUN_FIELDS
from pipeline.index.mappings import load_templates
from pipeline.index.projection import project_document
from pipeline.index.turn_projection import project_turn
from tests.conftest import make_settings
from tests.esstub import EsStub, running_stub
from tests.turnrows import TurnRow
from tests.unit.test_mappings import LANGUAGES, FakeDocument

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
def stub() -> Iterator[EsStub]:
    with running_stub() as running:
        yield running


@pytest.fixture
def http(stub: EsStub) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stub.url, timeout=10) as client:
        yield client


@pytest.fixture
def index(stub: EsStub, tmp_path: Path) -> Iterator[ElasticIndex]:
    settings = make_settings(tmp_path / "data", elasticsearch_url=stub.url, elasticsearch_max_retries=0)
    with ElasticIndex.from_settings(settings) as es:
        yield es


def refused(response: httpx.Response, status: int, error_type: str, reason: str) -> dict[str, Any]:
    """The response is Elasticsearch's error envelope with this status, type and reason; returns ``error``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    error: dict[str, Any] = body["error"]
    assert (error["type"], error["reason"]) == (error_type, reason)
    assert error["root_cause"]
    assert all({"type", "reason"} <= set(cause) for cause in error["root_cause"])
    return error


def put_json(http: httpx.Client, path: str, body: Any) -> httpx.Response:
    return http.put(path, json=body)


def old_split_templates() -> dict[str, dict[str, Any]]:
    """The component templates as they were before issue 11: the analysis in readout-settings, the mapping
    that uses it in readout-document-mappings."""
    components = copy.deepcopy(load_templates().component_templates)
    analysis = components["readout-document-mappings"]["template"].pop("settings")["analysis"]
    components["readout-settings"]["template"]["settings"]["analysis"] = analysis
    return components


# --- component templates: each one must build on its own ------------------------------------------------------


def test_a_component_template_using_an_analyzer_it_does_not_define_is_refused(http: httpx.Client) -> None:
    # MetadataIndexTemplateService.addComponentTemplate validates the template alone; the analyzer lives in
    # another component template, so the mapping cannot be built (the mistake of elastic/kibana#128209).
    components = old_split_templates()
    assert put_json(http, "/_component_template/readout-settings", components["readout-settings"]).status_code == 200
    error = refused(
        put_json(http, "/_component_template/readout-document-mappings", components["readout-document-mappings"]),
        400,
        "mapper_parsing_exception",
        "Failed to parse mapping: analyzer [readout_en] has not been configured in mappings",
    )
    assert error["caused_by"] == {
        "type": "illegal_argument_exception",
        "reason": "analyzer [readout_en] has not been configured in mappings",
    }
    assert error["root_cause"] == [
        {
            "type": "mapper_parsing_exception",
            "reason": "Failed to parse mapping: analyzer [readout_en] has not been configured in mappings",
        }
    ]


def test_built_in_analyzers_need_no_definition(http: httpx.Client) -> None:
    body = {"template": {"mappings": {"properties": {"t": {"type": "text", "analyzer": "english"}}}}}
    assert put_json(http, "/_component_template/plain", body).json() == {"acknowledged": True}


@pytest.mark.parametrize("name", sorted(load_templates().component_templates))
def test_each_shipped_component_template_is_accepted_alone(http: httpx.Client, name: str) -> None:
    # On an empty cluster, in any order: no component template may lean on another one.
    body = load_templates().component_templates[name]
    assert put_json(http, f"/_component_template/{name}", body).json() == {"acknowledged": True}


def test_the_shipped_templates_set_up_the_cluster(stub: EsStub, index: ElasticIndex) -> None:
    index.ensure_ready()
    documents = stub.indices["readout-documents-v1"]
    assert documents.settings["index.analysis.analyzer.readout_ja.type"] == "cjk"
    assert documents.settings["index.number_of_shards"] == 1
    assert "index.refresh_interval" not in documents.settings
    assert documents.mappings["properties"]["text_ru"]["analyzer"] == "readout_ru"


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"analysis": {"analyzer": {"a": {"filter": ["lowercase"]}}}}, "analyzer [a] must specify either an analyzer "
         "type, or a tokenizer"),
        ({"analysis": {"analyzer": {"a": {"type": "klingon"}}}}, "Unknown analyzer type [klingon] for [a]"),
    ],
)  # fmt: skip
def test_broken_analyzer_definitions_are_refused(http: httpx.Client, settings: dict[str, Any], reason: str) -> None:
    refused(
        put_json(http, "/_component_template/broken", {"template": {"settings": settings}}),
        400,
        "illegal_argument_exception",
        reason,
    )


# --- mapping parameters and types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        ({"title": {"type": "text", "analyser": "standard"}},
         "unknown parameter [analyser] on mapper [title] of type [text]"),
        ({"url": {"type": "keyword", "ignore_abve": 2048}},
         "unknown parameter [ignore_abve] on mapper [url] of type [keyword]"),
        ({"published_at": {"type": "date", "analyzer": "standard"}},
         "unknown parameter [analyzer] on mapper [published_at] of type [date]"),
        ({"title": {"type": "text", "fields": {"keyword": {"type": "keyword", "analyzer": "standard"}}}},
         "unknown parameter [analyzer] on mapper [keyword] of type [keyword]"),
        ({"version": {"type": "int"}}, "No handler for type [int] declared on field [version]"),
        ({"archive": {"properties": {}, "index": False}},
         "Mapping definition for [archive] has unsupported parameters:  [index : False]"),
    ],
)  # fmt: skip
def test_unknown_mapping_parameters_and_types_are_refused(
    http: httpx.Client, properties: dict[str, Any], reason: str
) -> None:
    # FieldMapper.Builder.parse / ObjectMapper: MapperParsingException, wrapped as "Failed to parse mapping: ...".
    error = refused(
        put_json(http, "/_component_template/m", {"template": {"mappings": {"properties": properties}}}),
        400,
        "mapper_parsing_exception",
        f"Failed to parse mapping: {reason}",
    )
    assert error["caused_by"] == {"type": "mapper_parsing_exception", "reason": reason}
    assert error["root_cause"] == [{"type": "mapper_parsing_exception", "reason": reason}]


def test_unknown_root_mapping_parameters_are_refused(http: httpx.Client) -> None:
    refused(
        put_json(http, "/_component_template/m", {"template": {"mappings": {"dynamic": "strict", "strict": True}}}),
        400,
        "mapper_parsing_exception",
        "Failed to parse mapping: Root mapping definition has unsupported parameters:  [strict : True]",
    )


def test_unknown_template_fields_are_refused(http: httpx.Client) -> None:
    # The templates' ObjectParsers: "[line:column] [parser] unknown field [name]" (the stand-in's column is
    # approximate, so only the part after the location is compared).
    for path, body, reason in [
        ("/_component_template/m", {"template": {"mapping": {}}}, "[template] unknown field [mapping]"),
        (
            "/_index_template/t",
            {"index_patterns": ["t-*"], "compose_of": []},
            "[index_template] unknown field [compose_of]",
        ),
    ]:
        response = put_json(http, path, body)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["type"] == "x_content_parse_exception"
        assert error["reason"].startswith("[1:")
        assert error["reason"].partition("] ")[2] == reason


def test_a_misspelled_index_setting_is_refused(http: httpx.Client) -> None:
    # IndexScopedSettings validates a template's settings when it is stored, flat or nested, with the index. prefix.
    for settings in ({"index": {"number_of_shard": 1}}, {"number_of_shard": 1}):
        response = put_json(http, "/_component_template/s", {"template": {"settings": settings}})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["type"] == "illegal_argument_exception"
        assert error["reason"].startswith("unknown setting [index.number_of_shard] please check")
    good = {"template": {"settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}}}}
    assert put_json(http, "/_component_template/s", good).status_code == 200


# --- index templates ------------------------------------------------------------------------------------------


def test_an_index_template_of_missing_components_is_refused(http: httpx.Client) -> None:
    templates = load_templates()
    refused(
        put_json(http, "/_index_template/readout-documents", templates.index_templates["readout-documents"]),
        400,
        "invalid_index_template_exception",
        "index_template [readout-documents] invalid, cause [index template [readout-documents] specifies component "
        "templates [readout-settings, readout-document-mappings] that do not exist]",
    )


def test_an_index_template_whose_composition_does_not_build_is_refused(http: httpx.Client) -> None:
    put_json(http, "/_component_template/base", {"template": {"settings": {"index": {"number_of_shards": 1}}}})
    body = {
        "index_patterns": ["t-*"],
        "composed_of": ["base"],
        "template": {"mappings": {"properties": {"t": {"type": "text", "analyzer": "mine"}}}},
    }
    error = refused(
        put_json(http, "/_index_template/t", body),
        400,
        "illegal_argument_exception",
        "composable template [t] template after composition with component templates [base] is invalid",
    )
    assert error["caused_by"]["type"] == "mapper_parsing_exception"
    assert error["caused_by"]["reason"] == (
        "Failed to parse mapping: analyzer [mine] has not been configured in mappings"
    )


def test_a_component_change_that_breaks_an_index_template_is_refused(http: httpx.Client) -> None:
    # MetadataIndexTemplateService re-validates every index template that uses the updated component.
    analysis = {"analysis": {"analyzer": {"mine": {"type": "english"}}}}
    put_json(http, "/_component_template/analysis", {"template": {"settings": analysis}})
    body = {
        "index_patterns": ["t-*"],
        "composed_of": ["analysis"],
        "template": {"mappings": {"properties": {"t": {"type": "text", "analyzer": "mine"}}}},
    }
    assert put_json(http, "/_index_template/t", body).status_code == 200
    error = refused(
        put_json(http, "/_component_template/analysis", {"template": {"settings": {}}}),
        400,
        "illegal_argument_exception",
        "updating component template [analysis] results in invalid composable template [t] after templates are merged",
    )
    assert "analyzer [mine] has not been configured" in error["caused_by"]["reason"]


# --- documents against the strict mapping -------------------------------------------------------------------


def bulk_one(http: httpx.Client, source: Any, doc_id: str = "d1", index: str = "readout-documents") -> dict[str, Any]:
    """Index one document with a bulk request; the item's result."""
    body = json.dumps({"index": {"_index": index, "_id": doc_id}}) + "\n" + json.dumps(source) + "\n"
    response = http.post("/_bulk", content=body.encode(), headers=NDJSON)
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    result: dict[str, Any] = item["index"]
    return result


def a_document(**changes: Any) -> dict[str, Any]:
    document = project_document(FakeDocument(language="en"))
    document.update(changes)
    return document


@pytest.mark.parametrize(
    ("changes", "error_type", "reason"),
    [
        ({"spokesperson": "Wang Wenbin"}, "strict_dynamic_mapping_exception",
         "mapping set to strict, dynamic introduction of [spokesperson] within [_doc] is not allowed"),
        ({"archive": {"file": "a.warc.gz", "length": 5}}, "strict_dynamic_mapping_exception",
         "mapping set to strict, dynamic introduction of [length] within [archive] is not allowed"),
        ({"title_hi": "शीर्षक"}, "strict_dynamic_mapping_exception",
         "mapping set to strict, dynamic introduction of [title_hi] within [_doc] is not allowed"),
        ({"published_at": "26/04/2021"}, "document_parsing_exception",
         "failed to parse field [published_at] of type [date] in document with id 'd1'. Preview of field's value: "
         "'26/04/2021'"),
        ({"removed": "no"}, "document_parsing_exception",
         "failed to parse field [removed] of type [boolean] in document with id 'd1'. Preview of field's value: 'no'"),
        ({"revision": "seven"}, "document_parsing_exception",
         "failed to parse field [revision] of type [integer] in document with id 'd1'. Preview of field's value: "
         "'seven'"),
        ({"revision": 2**31}, "document_parsing_exception",
         "failed to parse field [revision] of type [integer] in document with id 'd1'. Preview of field's value: "
         "'2147483648'"),
        ({"source": {"id": "cn"}}, "document_parsing_exception",
         "failed to parse field [source] of type [keyword] in document with id 'd1'. Preview of field's value: "
         "'{id=cn}'"),
        ({"archive": "a.warc.gz"}, "document_parsing_exception",
         "object mapping for [archive] tried to parse field [archive] as object, but found a concrete value"),
        ({"_id": "other"}, "document_parsing_exception",
         "Field [_id] is a metadata field and cannot be added inside a document. Use the index API request "
         "parameters."),
    ],
)  # fmt: skip
def test_documents_that_break_the_strict_mapping_are_refused_per_item(
    http: httpx.Client, index: ElasticIndex, changes: dict[str, Any], error_type: str, reason: str
) -> None:
    index.ensure_ready()
    item = bulk_one(http, a_document(**changes))
    assert item["status"] == 400
    assert item["error"]["type"] == error_type
    location, _, text = item["error"]["reason"].partition("] ")
    assert location.startswith("[1:")  # Elasticsearch prefixes the parser's [line:column]
    assert text == reason


def test_wrong_values_say_why_in_caused_by(http: httpx.Client, index: ElasticIndex) -> None:
    index.ensure_ready()
    date_error = bulk_one(http, a_document(published_at="yesterday"))["error"]
    assert date_error["caused_by"] == {
        "type": "illegal_argument_exception",
        "reason": "failed to parse date field [yesterday] with format [strict_date_optional_time||epoch_millis]",
    }
    number_error = bulk_one(http, a_document(version="three"))["error"]
    assert number_error["caused_by"] == {"type": "number_format_exception", "reason": 'For input string: "three"'}
    # Coerced from a string, NaN is a number, but not one a numeric field takes.
    nan_error = bulk_one(http, a_document(version="NaN"))["error"]
    assert nan_error["caused_by"] == {
        "type": "illegal_argument_exception",
        "reason": "[integer] supports only finite values, but got [NaN]",
    }


def test_an_immense_keyword_term_is_refused_but_ignore_above_keeps_long_values_out(
    http: httpx.Client, index: ElasticIndex
) -> None:
    index.ensure_ready()
    # url has ignore_above 2048: a longer value is kept in _source, not indexed, and not an error.
    assert bulk_one(http, a_document(url="https://example.org/?" + "x" * 40_000))["status"] == 201
    # content_hash has ignore_above 128, but a run id (keyword, no ignore_above) of 33,000 bytes is one term.
    item = bulk_one(http, a_document(run_id="字" * 11_000), doc_id="d2")
    assert item["status"] == 400
    assert item["error"]["type"] == "document_parsing_exception"
    assert "failed to parse field [run_id] of type [keyword] in document with id 'd2'" in item["error"]["reason"]
    assert item["error"]["caused_by"]["type"] == "illegal_argument_exception"
    assert item["error"]["caused_by"]["reason"].startswith(
        'Document contains at least one immense term in field="run_id" (whose UTF8 encoding is longer than the max '
        "length 32766), all of which were skipped. Please correct the analyzer to not produce such terms. The prefix "
        "of the first immense term is: '[-27, -83, -105, "
    )


def test_coercions_elasticsearch_makes_are_not_refused(http: httpx.Client, index: ElasticIndex) -> None:
    # The stand-in is no stricter than Elasticsearch: numeric strings into numbers, numbers into keywords,
    # "true" into booleans, epoch milliseconds into dates, a lone value where an array could be.
    index.ensure_ready()
    coerced = a_document(version="3", source=5, removed="true", published_at=1619422200000, topics="sanctions")
    assert bulk_one(http, coerced)["status"] == 201


@pytest.mark.parametrize("language", LANGUAGES)
def test_readouts_documents_are_accepted(stub: EsStub, index: ElasticIndex, language: str | None) -> None:
    index.ensure_ready()
    outcome = index.index_documents([FakeDocument(language=language)])
    assert outcome.rejected == []
    assert outcome.retry_later == []
    assert outcome.acked == [("a" * 64, 7)]
    assert stub.source("readout-documents", "a" * 64) == project_document(FakeDocument(language=language))


def test_readouts_runs_rows_are_accepted(index: ElasticIndex) -> None:
    index.ensure_ready()
    row: dict[str, Any] = dict.fromkeys(RUN_FIELDS, 1)
    row.update(
        run_id="r1",
        source="cn-mfa-en",
        mode="incremental",
        status="partial",
        started_at=datetime(2021, 4, 26, 9, 0, tzinfo=UTC),
        finished_at=datetime(2021, 4, 26, 9, 1, tzinfo=UTC),
        error="timeout on 1 page",
        seconds=61.5,
    )
    outcome = index.index_runs([row])
    assert outcome.rejected == []
    assert outcome.retry_later == []
    assert len(outcome.acked) == 1


# --- malformed bulk bodies: the whole request is refused --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error_type", "reason"),
    [
        (b'{"index":{"_index":"i","_id":"1"}}\n{"a":1}', "illegal_argument_exception",
         "The bulk request must be terminated by a newline [\\n]"),
        (b'{"upsert":{"_index":"i","_id":"1"}}\n{"a":1}\n', "illegal_argument_exception",
         "Malformed action/metadata line [1], expected one of [create, delete, index, update] but found [upsert]"),
        (b'{"index":{"_index":"i","_id":"1"}}\n{"a":1}\n{"index":{"_index":"i","_id":"2"}}\n',
         "illegal_argument_exception",
         "stand-in: action/metadata line [3] has no source line (Elasticsearch would drop it silently)"),
        (b'{"index":{"_index":"i","_id":"1"}\n{"a":1}\n', "x_content_parse_exception", None),
        (b'{"index":{"_index":"i","_id":"1"},"x":1}\n{"a":1}\n', "illegal_argument_exception",
         "Malformed action/metadata line [1], expected END_OBJECT but found [FIELD_NAME]"),
        (b'["index"]\n{"a":1}\n', "illegal_argument_exception",
         "Malformed action/metadata line [1], expected START_OBJECT but found [START_ARRAY]"),
        (b'{"index":"i"}\n{"a":1}\n', "illegal_argument_exception",
         "Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]"),
        (b'{"index":{"_index":"i","_version":1}}\n{"a":1}\n', "illegal_argument_exception",
         "Action/metadata line [1] contains an unknown parameter [_version]"),
        (b'{"index":{"_index":"i","_id":"1","version":3}}\n{"a":1}\n', "action_request_validation_exception",
         "Validation Failed: 1: internal versioning can not be used for optimistic concurrency control. "
         "Please use `if_seq_no` and `if_primary_term` instead;"),
        (b'{"index":{"_index":"i","_id":"1","version_type":"external"}}\n{"a":1}\n',
         "action_request_validation_exception",
         "Validation Failed: 1: illegal version value [-3] for version type [EXTERNAL];"),
        (b'{"create":{"_index":"i","_id":"1","version":3,"version_type":"external"}}\n{"a":1}\n',
         "action_request_validation_exception",
         "Validation Failed: 1: create operations only support internal versioning. use index instead;"),
        (b'{"index":{"_id":"1"}}\n{"a":1}\n', "action_request_validation_exception",
         "Validation Failed: 1: index is missing;"),
        (b"\n", "action_request_validation_exception", "Validation Failed: 1: no requests added;"),
    ],
)  # fmt: skip
def test_malformed_bulk_bodies_are_refused_whole(
    stub: EsStub, http: httpx.Client, body: bytes, error_type: str, reason: str | None
) -> None:
    response = http.post("/_bulk", content=body, headers=NDJSON)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == error_type
    assert error["root_cause"][0]["type"] == error_type
    if reason is not None:
        assert error["reason"] == reason
    else:
        assert error["reason"].startswith("[1:")  # the parser's position in the bad line
    assert stub.indices == {}


def test_a_source_line_that_is_not_json_fails_only_its_item(http: httpx.Client, index: ElasticIndex) -> None:
    # Sources are parsed on the shard (DocumentParser), so a broken one is that item's failure.
    index.ensure_ready()
    good = json.dumps(a_document())
    body = (
        '{"index":{"_index":"readout-documents","_id":"bad"}}\n{"title": oops}\n'
        f'{{"index":{{"_index":"readout-documents","_id":"good"}}}}\n{good}\n'
    )
    response = http.post("/_bulk", content=body.encode(), headers=NDJSON)
    assert response.status_code == 200
    bad, fine = (item["index"] for item in response.json()["items"])
    assert (bad["status"], bad["error"]["type"]) == (400, "document_parsing_exception")
    assert fine["status"] == 201


def test_readouts_bulk_bodies_parse(stub: EsStub, index: ElasticIndex) -> None:
    # What the official client sends for Readout (index actions with external versions, require_alias).
    index.ensure_ready()
    index.index_documents([FakeDocument(language="zh")])
    (request,) = stub.calls("PUT", "/_bulk")
    assert request.raw.endswith(b"\n")
    assert request.params["require_alias"] == "true"
    assert request.body[0] == {
        "index": {"_index": "readout-documents", "_id": "a" * 64, "version": 7, "version_type": "external"}
    }


# --- turns: the strict turn mapping, deletes, sorting ---------------------------------------------------------


def turn_bulk(http: httpx.Client, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    body = "".join(json.dumps(line) + "\n" for line in lines)
    response = http.put("/_bulk", content=body, headers=NDJSON)
    assert response.status_code == 200, response.text
    return [next(iter(item.values())) for item in response.json()["items"]]


def a_turn(**changes: Any) -> dict[str, Any]:
    document = SimpleNamespace(
        url="https://example.org/b1", revision=3, removed_at=None, language="en", twin_doc_id=None, twin_unmatched=[]
    )
    turn = TurnRow("b1", 1, "A question?", "An answer.", topics=["sanctions"], question_countries=["RU"])
    return {**project_turn(turn, document), **changes}  # type: ignore[arg-type]


def test_the_turn_mapping_is_strict(http: httpx.Client, index: ElasticIndex) -> None:
    index.ensure_ready()
    action = {"index": {"_index": "readout-turns", "_id": "b1:1", "version": 3, "version_type": "external"}}
    (accepted,) = turn_bulk(http, action, a_turn())
    assert accepted["status"] == 201
    (unknown,) = turn_bulk(http, action | {"index": {**action["index"], "version": 4}}, a_turn(speaker="Wang"))
    assert unknown["status"] == 400
    assert unknown["error"]["type"] == "strict_dynamic_mapping_exception"
    assert "[speaker]" in unknown["error"]["reason"]


def test_a_delete_answers_deleted_or_not_found_and_respects_external_versions(
    http: httpx.Client, index: ElasticIndex
) -> None:
    # DOC_PAGES["bulk"]: result "deleted" (200), "not_found" (404, no error); an older external version: 409.
    index.ensure_ready()
    turn_bulk(
        http, {"index": {"_index": "readout-turns", "_id": "b1:1", "version": 3, "version_type": "external"}}, a_turn()
    )
    stale, gone, missing = turn_bulk(
        http,
        {"delete": {"_index": "readout-turns", "_id": "b1:1", "version": 2, "version_type": "external"}},
        {"delete": {"_index": "readout-turns", "_id": "b1:1", "version": 4, "version_type": "external"}},
        {"delete": {"_index": "readout-turns", "_id": "b1:9", "version": 4, "version_type": "external"}},
    )
    assert (stale["status"], stale["error"]["type"]) == (409, "version_conflict_engine_exception")
    assert (gone["status"], gone["result"]) == (200, "deleted")
    assert (missing["status"], missing["result"]) == (404, "not_found")
    assert "error" not in missing


def test_sorting_on_text_or_unmapped_fields_and_a_short_search_after_are_refused(
    http: httpx.Client, index: ElasticIndex
) -> None:
    index.ensure_ready()
    search = "/readout-turns/_search"
    text = http.post(search, json={"query": {"match_all": {}}, "sort": [{"question": "asc"}]})
    assert text.status_code == 400
    assert text.json()["error"]["type"] == "illegal_argument_exception"
    assert text.json()["error"]["reason"].startswith("Fielddata is disabled on [question]")
    refused(
        http.post(search, json={"query": {"match_all": {}}, "sort": [{"speaker": "asc"}]}),
        400,
        "query_shard_exception",
        "No mapping found for [speaker] in order to sort on",
    )
    refused(
        http.post(search, json={"sort": [{"doc_id": "asc"}, {"position": "asc"}], "search_after": ["b1"]}),
        400,
        "illegal_argument_exception",
        "search_after has 1 value(s) but sort has 2.",
    )


def test_search_after_pages_in_sort_order(stub: EsStub, http: httpx.Client, index: ElasticIndex) -> None:
    index.ensure_ready()
    for number in (3, 1, 2):
        action = {"index": {"_index": "readout-turns", "_id": f"b1:{number}", "version": 1, "version_type": "external"}}
        turn_bulk(http, action, a_turn(turn_id=f"b1:{number}", number=number))
    http.post("/readout-turns/_refresh")
    body = {"query": {"terms": {"doc_id": ["b1"]}}, "sort": [{"turn_id": "asc"}], "size": 2}
    first = http.post("/readout-turns/_search", json=body).json()["hits"]["hits"]
    assert [(hit["_id"], hit["sort"]) for hit in first] == [("b1:1", ["b1:1"]), ("b1:2", ["b1:2"])]
    rest = http.post("/readout-turns/_search", json=body | {"search_after": ["b1:2"]}).json()["hits"]["hits"]
    assert [hit["_id"] for hit in rest] == ["b1:3"]
