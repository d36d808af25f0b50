"""``import_saved_objects`` and ``kibana_status`` against a loopback Kibana stand-in (tests/kibanastub.py).

The stand-in answers with the shapes Kibana documents for "Import saved objects"
(https://www.elastic.co/docs/api/doc/kibana/operation/operation-importsavedobjectsdefault) and
"Get Kibana's current status" (https://www.elastic.co/docs/api/doc/kibana/operation/operation-get-status).
"""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

import httpx
import pytest

from pipeline.config import Settings
from pipeline.errors import ConfigError, SearchBackendError
from pipeline.index.kibana import KibanaImportError, default_files, import_saved_objects, kibana_status, load_objects
from tests.conftest import make_settings
from tests.kibanastub import kibana_stub

SHIPPED = load_objects(default_files())
SHIPPED_IDS = {(obj["type"], obj["id"]) for obj in SHIPPED}


def settings_for(url: str, tmp_path: Path, **overrides: object) -> Settings:
    return make_settings(tmp_path, kibana_url=url, **overrides)


def test_import_sends_every_shipped_object_in_one_multipart_upload(tmp_path: Path) -> None:
    with kibana_stub() as kibana:
        report = import_saved_objects(settings_for(kibana.url, tmp_path))
        (request,) = kibana.imports()
    assert request.method == "POST"
    assert request.query["overwrite"] == ["true"]
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert request.file_name is not None
    assert request.file_name.endswith(".ndjson")
    assert {(obj["type"], obj["id"]) for obj in request.objects} == SHIPPED_IDS
    assert report.sent == report.success_count == len(SHIPPED)
    assert {(obj.type, obj.id) for obj in report.imported} == SHIPPED_IDS
    assert report.overwritten == 0
    assert report.files == tuple(default_files())
    titles = {obj.id: obj.title for obj in report.imported}
    assert titles["readout-overview"] == "Overview"
    assert titles["readout-pipeline-health"] == "Pipeline health"


def test_a_second_import_overwrites_the_same_objects_and_changes_nothing_else(tmp_path: Path) -> None:
    with kibana_stub() as kibana:
        settings = settings_for(kibana.url, tmp_path)
        first = import_saved_objects(settings)
        stored_after_first = dict(kibana.stored)
        second = import_saved_objects(settings)
        first_request, second_request = kibana.imports()
    assert second.success_count == first.success_count == len(SHIPPED)
    assert {(o.type, o.id) for o in second.imported} == {(o.type, o.id) for o in first.imported}
    # Kibana flags each replaced object: all of them the second time, none the first.
    assert first.overwritten == 0
    assert second.overwritten == len(SHIPPED)
    assert kibana.stored == stored_after_first
    assert second_request.query["overwrite"] == ["true"]
    assert second_request.objects == first_request.objects


def test_the_kbn_xsrf_header_is_sent_because_kibana_refuses_calls_without_it(tmp_path: Path) -> None:
    with kibana_stub() as kibana:
        import_saved_objects(settings_for(kibana.url, tmp_path))
        (request,) = kibana.imports()
    assert request.headers.get("kbn-xsrf")


def test_the_stub_refuses_an_import_without_kbn_xsrf_like_kibana(tmp_path: Path) -> None:
    """Guards the test above: without the header the stand-in answers 400, as Kibana does."""
    with kibana_stub() as kibana:
        response = httpx.post(
            f"{kibana.url}/api/saved_objects/_import",
            files={"file": ("x.ndjson", b"{}\n", "application/ndjson")},
            trust_env=False,
        )
    assert response.status_code == 400
    assert response.json()["message"] == "Request must contain a kbn-xsrf header."


def test_an_api_key_is_sent_as_an_apikey_authorization_header(tmp_path: Path) -> None:
    with kibana_stub(api_key="c2VjcmV0LWlkOnNlY3JldC1rZXk=") as kibana:
        report = import_saved_objects(
            settings_for(kibana.url, tmp_path, kibana_api_key="c2VjcmV0LWlkOnNlY3JldC1rZXk=", kibana_username="ignored")
        )
        (request,) = kibana.imports()
    assert request.headers["authorization"] == "ApiKey c2VjcmV0LWlkOnNlY3JldC1rZXk="
    assert report.success_count == len(SHIPPED)


def test_a_user_and_password_are_sent_as_basic_auth(tmp_path: Path) -> None:
    with kibana_stub(basic=("readout_setup", "s3cret:pass")) as kibana:
        report = import_saved_objects(
            settings_for(kibana.url, tmp_path, kibana_username="readout_setup", kibana_password="s3cret:pass")
        )
        (request,) = kibana.imports()
    expected = base64.b64encode(b"readout_setup:s3cret:pass").decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert report.success_count == len(SHIPPED)


def test_wrong_credentials_are_a_clear_error(tmp_path: Path) -> None:
    with kibana_stub(api_key="right") as kibana, pytest.raises(SearchBackendError) as raised:
        import_saved_objects(settings_for(kibana.url, tmp_path, kibana_api_key="wrong"))
    message = str(raised.value)
    assert "HTTP 401" in message
    assert "READOUT_KIBANA_API_KEY" in message
    assert "wrong" not in message  # the secret never reaches logs


def test_a_partial_failure_names_each_refused_object(tmp_path: Path) -> None:
    fail = {
        ("dashboard", "readout-overview"): "Document contains at least one immense term",
        ("lens", "readout-top-topics"): "Unable to validate the Lens state",
    }
    with kibana_stub(fail=fail) as kibana, pytest.raises(KibanaImportError) as raised:
        import_saved_objects(settings_for(kibana.url, tmp_path))
    error = raised.value
    assert isinstance(error, SearchBackendError)
    message = str(error)
    assert 'dashboard/readout-overview ("Overview"): unknown: Document contains at least one immense term' in message
    assert 'lens/readout-top-topics ("Top topics"): unknown: Unable to validate the Lens state' in message
    assert f"imported {len(SHIPPED) - 2} of {len(SHIPPED)}" in message
    assert {(f.type, f.id) for f in error.failures} == set(fail)


def test_missing_references_name_the_missing_objects(tmp_path: Path) -> None:
    """Importing the dashboards alone into an empty Kibana: their searches and visualizations are missing."""
    dashboards = [path for path in default_files() if "dashboard" in path.name]
    with kibana_stub() as kibana, pytest.raises(KibanaImportError) as raised:
        import_saved_objects(settings_for(kibana.url, tmp_path), dashboards)
    failures = {f.id: f for f in raised.value.failures}
    assert set(failures) == {"readout-overview", "readout-pipeline-health", "readout-briefings"}
    assert "search/readout-exchanges-by-outlet" in failures["readout-briefings"].message
    assert failures["readout-overview"].error_type == "missing_references"
    assert "lens/readout-top-topics" in failures["readout-overview"].message
    assert "search/readout-latest-briefings" in failures["readout-overview"].message


def test_files_given_separately_resolve_references_across_files(tmp_path: Path) -> None:
    with kibana_stub() as kibana:
        report = import_saved_objects(settings_for(kibana.url, tmp_path), list(reversed(default_files())))
    assert report.success_count == len(SHIPPED)


def test_a_server_error_is_a_search_backend_error(tmp_path: Path) -> None:
    with kibana_stub(import_status=500) as kibana, pytest.raises(SearchBackendError) as raised:
        import_saved_objects(settings_for(kibana.url, tmp_path))
    assert "HTTP 500" in str(raised.value)
    assert "Internal Server Error: An internal server error occurred." in str(raised.value)


def test_connection_refused_is_a_search_backend_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port any more: the connection is refused.
    with pytest.raises(SearchBackendError) as raised:
        import_saved_objects(settings_for(f"http://127.0.0.1:{port}", tmp_path))
    assert f"Kibana at http://127.0.0.1:{port} cannot be reached" in str(raised.value)
    assert "ConnectError" in str(raised.value)


def test_no_kibana_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="READOUT_KIBANA_URL"):
        import_saved_objects(make_settings(tmp_path))


def test_a_broken_ndjson_line_fails_before_anything_is_sent(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ndjson"
    broken.write_text('{"type":"index-pattern","id":"x","attributes":{}}\n{"type": "search",\n', "utf-8")
    with kibana_stub() as kibana:
        with pytest.raises(ConfigError) as raised:
            import_saved_objects(settings_for(kibana.url, tmp_path), [broken])
        assert kibana.imports() == []
    assert "broken.ndjson" in str(raised.value)
    assert "line 2" in str(raised.value)


def test_a_custom_index_prefix_moves_the_data_view_titles_but_not_the_ids(tmp_path: Path) -> None:
    with kibana_stub() as kibana:
        import_saved_objects(settings_for(kibana.url, tmp_path, index_prefix="staging"))
        (request,) = kibana.imports()
    views = {obj["id"]: obj["attributes"]["title"] for obj in request.objects if obj["type"] == "index-pattern"}
    assert views == {
        "readout-documents": "staging-documents",
        "readout-runs": "staging-runs",
        "readout-turns": "staging-turns",
    }
    # The shipped files are untouched.
    assert all(json.loads(line) for path in default_files() for line in path.read_text("utf-8").splitlines())
    shipped_views = {obj["id"]: obj["attributes"]["title"] for obj in SHIPPED if obj["type"] == "index-pattern"}
    assert shipped_views == {
        "readout-documents": "readout-documents",
        "readout-runs": "readout-runs",
        "readout-turns": "readout-turns",
    }


def test_status_reports_version_and_level(tmp_path: Path) -> None:
    with kibana_stub(version="9.1.3") as kibana:
        status = kibana_status(settings_for(kibana.url, tmp_path))
    assert status.version == "9.1.3"
    assert status.available
    assert status.summary == "All services and plugins are available"


def test_status_while_kibana_starts_is_a_level_not_an_error(tmp_path: Path) -> None:
    with kibana_stub(level="unavailable") as kibana:
        status = kibana_status(settings_for(kibana.url, tmp_path))
    assert status.level == "unavailable"
    assert not status.available


def test_an_unreadable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CA certificate"):
        import_saved_objects(
            settings_for("https://127.0.0.1:1", tmp_path, elasticsearch_ca_certs=tmp_path / "missing-ca.pem")
        )
