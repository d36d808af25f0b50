"""The scripts under docker/: syntax, the API-key hand-over of the Airflow entrypoint, and their agreement with
the compose file, the sources and the database init."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pipeline.config import load_sources
from pipeline.index.kibana import default_files, load_objects, with_index_prefix
from pipeline.tasks import ingest_dag_id
from tests.deploy.conftest import DOCKER_DIR, REPO, Stack, interpolate

SCRIPTS = sorted(DOCKER_DIR.rglob("*.sh"))
ENTRYPOINT = DOCKER_DIR / "airflow" / "entrypoint.sh"


@pytest.mark.parametrize("script", SCRIPTS, ids=[str(s.relative_to(DOCKER_DIR)) for s in SCRIPTS])
def test_scripts_parse_and_are_executable(script: Path) -> None:
    shebang = script.read_text().splitlines()[0]
    shell = "sh" if shebang == "#!/bin/sh" else "bash"
    assert shebang in ("#!/bin/sh", "#!/usr/bin/env bash")
    result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert script.stat().st_mode & stat.S_IXUSR


# --- docker/airflow/entrypoint.sh: the writer key reaches the pipeline ---------------------------------------


@pytest.fixture
def fake_readout(tmp_path: Path, shell_env: dict[str, str]) -> dict[str, str]:
    """An environment whose `readout` command prints the key it was given (the entrypoint execs it)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "readout"
    fake.write_text('#!/bin/sh\nprintf "key=%s\\n" "${READOUT_ELASTICSEARCH_API_KEY-<unset>}"\n')
    fake.chmod(0o755)
    return {**shell_env, "PATH": f"{bin_dir}{os.pathsep}{shell_env['PATH']}"}


def _run_entrypoint(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ENTRYPOINT), "readout", "index"], capture_output=True, text=True, env=env, timeout=30, check=False
    )


def test_entrypoint_exports_the_key_from_the_shared_file(tmp_path: Path, fake_readout: dict[str, str]) -> None:
    key_file = tmp_path / "es-writer.api-key"
    key_file.write_text("ZW5jb2RlZDprZXk=")
    env = {**fake_readout, "ELASTICSEARCH_API_KEY_FILE": str(key_file), "READOUT_ELASTICSEARCH_URL": "https://es:9200"}
    result = _run_entrypoint(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "key=ZW5jb2RlZDprZXk="


def test_entrypoint_keeps_a_key_set_in_the_environment(tmp_path: Path, fake_readout: dict[str, str]) -> None:
    key_file = tmp_path / "es-writer.api-key"
    key_file.write_text("from-file")
    env = {
        **fake_readout,
        "ELASTICSEARCH_API_KEY_FILE": str(key_file),
        "READOUT_ELASTICSEARCH_URL": "https://es:9200",
        "READOUT_ELASTICSEARCH_API_KEY": "from-env",
    }
    assert _run_entrypoint(env).stdout.strip() == "key=from-env"


def test_entrypoint_without_a_key_file_says_so_and_sets_nothing(tmp_path: Path, fake_readout: dict[str, str]) -> None:
    env = {
        **fake_readout,
        "ELASTICSEARCH_API_KEY_FILE": str(tmp_path / "missing"),
        "READOUT_ELASTICSEARCH_URL": "https://es:9200",
    }
    result = _run_entrypoint(env)
    assert result.returncode == 0
    assert result.stdout.strip() == "key=<unset>"
    assert "no Elasticsearch API key" in result.stderr


def test_entrypoint_leaves_the_key_alone_without_elasticsearch(tmp_path: Path, fake_readout: dict[str, str]) -> None:
    key_file = tmp_path / "es-writer.api-key"
    key_file.write_text("unused")
    result = _run_entrypoint({**fake_readout, "ELASTICSEARCH_API_KEY_FILE": str(key_file)})
    assert result.stdout.strip() == "key=<unset>"


def test_the_key_file_the_entrypoint_reads_is_the_one_es_setup_writes(stack: Stack) -> None:
    default = re.search(r'ELASTICSEARCH_API_KEY_FILE:-([^}"]+)', ENTRYPOINT.read_text())
    setup = (DOCKER_DIR / "elasticsearch" / "setup.sh").read_text()
    written = re.search(r'SECRETS_DIR="\$\{SECRETS_DIR:-([^}]+)\}"', setup)
    assert default
    assert written
    key_path = Path(default[1])
    assert key_path.name in setup
    assert 'KEY_FILE="${SECRETS_DIR}/' + key_path.name + '"' in setup
    assert str(key_path.parent) == written[1]
    # ...on the same volume, mounted there in es-setup and in every Airflow container.
    mounts = {
        name: {str(v).split(":")[1]: str(v).split(":")[0] for v in s.get("volumes", [])}
        for name, s in stack.services.items()
    }
    volume = mounts["es-setup"][written[1]]
    for name in ("airflow-scheduler", "airflow-worker", "readout-setup", "airflow-triggerer"):
        assert mounts[name].get(written[1]) == volume, name


# --- agreement with the rest of the repository --------------------------------------------------------------


def test_smoke_triggers_the_dag_of_an_enabled_shipped_source() -> None:
    smoke = (DOCKER_DIR / "smoke.sh").read_text()
    source = re.search(r'source_id="\$\{SMOKE_SOURCE:-([a-z0-9_-]+)\}"', smoke)
    assert source
    enabled = {s.id for s in load_sources(REPO / "config" / "sources.yaml") if s.enabled}
    assert source[1] in enabled
    assert 'dag_id="readout_ingest_${source_id}"' in smoke
    assert ingest_dag_id(source[1]) == f"readout_ingest_{source[1]}"


def test_database_init_creates_the_roles_and_databases_the_services_use(stack: Stack) -> None:
    sql = (DOCKER_DIR / "postgres" / "init-databases.sql").read_text()
    script = (DOCKER_DIR / "postgres" / "init-databases.sh").read_text()
    owners = dict(re.findall(r"CREATE DATABASE (\w+) OWNER (\w+)", sql))
    roles = set(re.findall(r"CREATE ROLE (\w+) LOGIN", sql))
    # Every psql variable the SQL uses is passed by the script, from an environment variable postgres gets.
    for variable in set(re.findall(r":'(\w+)'", sql)):
        passed = re.search(rf'--set {variable}="\$\{{(\w+)\}}"', script)
        assert passed, variable
        assert passed[1] in stack.environment("postgres"), passed[1]
    values = {"CATALOG_DB_PASSWORD": "a", "AIRFLOW_DB_PASSWORD": "b"}
    airflow = stack.environment("airflow-scheduler")
    for url in (airflow["READOUT_CATALOG_URL"], airflow["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]):
        parts = urlsplit(interpolate(url, values))
        database = parts.path.lstrip("/")
        assert parts.hostname == "postgres"
        assert owners.get(database) == parts.username, url
        assert parts.username in roles, url


def test_the_node_certificate_names_the_host_clients_use(stack: Stack) -> None:
    certs = (DOCKER_DIR / "elasticsearch" / "certs.sh").read_text()
    names = set(re.findall(r"^\s+- ([\w.-]+)$", certs, flags=re.M))
    for url in (stack.environment("airflow-scheduler")["READOUT_ELASTICSEARCH_URL"], "https://localhost:9200"):
        assert urlsplit(url).hostname in names
    kibana = stack.environment("kibana")["ELASTICSEARCH_HOSTS"]
    assert urlsplit(kibana).hostname in names


def test_es_setup_loads_the_shipped_role_files(stack: Stack) -> None:
    setup = (DOCKER_DIR / "elasticsearch" / "setup.sh").read_text()
    roles_dir = re.search(r'ROLES_DIR="\$\{ROLES_DIR:-([^}]+)\}"', setup)
    assert roles_dir
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in stack.services["es-setup"]["volumes"]}
    source = REPO / mounts[roles_dir[1]]
    assert {p.stem for p in source.glob("*.json")} >= {"readout_writer", "readout_analyst"}
    assert 'WRITER_ROLE="${ROLE_PREFIX}_writer"' in setup


# --- docker/smoke.sh: the data view it checks is the one readout kibana-setup imports --------------------------


def _shell_assignments(script: str) -> dict[str, str]:
    """Top-level ``name="value"`` and ``name="${VAR:-default}"`` assignments, defaults taken."""
    values: dict[str, str] = {}
    for name, value in re.findall(r'^([a-z_]+)="([^"]*)"$', script, flags=re.M):
        values[name] = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return values


@pytest.mark.parametrize("prefix", ["readout", "staging"])
def test_smoke_checks_the_data_view_kibana_setup_imports(prefix: str) -> None:
    # `readout kibana-setup` keeps the saved objects' ids and moves only the data views' titles to the prefix
    # (pipeline/index/kibana.py with_index_prefix); the smoke test must ask for an id that exists.
    smoke = (DOCKER_DIR / "smoke.sh").read_text()
    values = {**_shell_assignments(smoke), "prefix": prefix}
    lookup = re.search(r'/api/data_views/data_view/\$1"\' \\\n\s+curl "([^"]+)"', smoke)
    assert lookup, "smoke.sh no longer looks the data view up by id"
    requested = re.sub(r"\$\{(\w+)\}", lambda m: values[m[1]], lookup[1])
    imported = {
        obj["id"]: obj["attributes"]["title"]
        for obj in with_index_prefix(load_objects(default_files()), prefix)
        if obj["type"] == "index-pattern"
    }
    assert requested in imported, f"smoke.sh asks Kibana for data view {requested!r}; kibana-setup imports {imported}"
    # ...and checks that it points at the prefixed alias the documents were counted in.
    assert imported[requested] == f"{prefix}-documents"
    assert 'grep -q "\\"title\\":\\"${prefix}-documents\\""' in smoke
    assert '"https://localhost:9200/${prefix}-documents/_count"' in smoke


# --- docker/elasticsearch/setup.sh against a loopback Elasticsearch ------------------------------------------


class _FakeSecurityApi:
    """The security endpoints es-setup calls, over plain HTTP; the kibana_system password fails ``refusals`` times
    with 503 (the security index not ready yet, as right after a first start) and then answers ``{}``."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.requests: list[tuple[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                status, body = api.route(self.command, self.path)
                data = json.dumps(body, separators=(",", ":")).encode()  # compact, as Elasticsearch answers
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def do_PUT(self) -> None:
                self._answer()

            def do_DELETE(self) -> None:
                self._answer()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, method: str, path: str) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path))
        if path == "/_security/user/kibana_system/_password":
            if self.refusals > 0:
                self.refusals -= 1
                reason = "Cluster state has not been recovered yet, cannot write to the [null] index"
                error = {"type": "unavailable_shards_exception", "reason": reason}
                return 503, {"error": {"root_cause": [error], **error}, "status": 503}
            return 200, {}
        if path == "/_security/api_key/grant":
            return 200, {"id": "key-1", "name": "readout-writer", "api_key": "secret", "encoded": "a2V5LTE6c2VjcmV0"}
        return 200, {"created": True} if method == "PUT" else {"username": "elastic"}


@pytest.fixture
def security_api() -> Iterator[Callable[[int], _FakeSecurityApi]]:
    started: list[_FakeSecurityApi] = []

    def start(refusals: int) -> _FakeSecurityApi:
        api = _FakeSecurityApi(refusals)
        api.thread.start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.server.shutdown()
        api.server.server_close()


def _run_es_setup(api: _FakeSecurityApi, tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # chown root:root needs root; the container runs es-setup as root, this test need not.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "chown").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "chown").chmod(0o755)
    environment = {
        **env,
        "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}",
        "ELASTIC_PASSWORD": "elastic-pw",
        "KIBANA_SYSTEM_PASSWORD": 'kibana "pw"',
        "ES_URL": api.url,
        "CA": str(tmp_path / "ca.crt"),
        "ROLES_DIR": str(REPO / "config" / "elasticsearch" / "roles"),
        "SECRETS_DIR": str(tmp_path / "secrets"),
        "RETRY_DELAY": "0",
        "PASSWORD_ATTEMPTS": "4",
    }
    return subprocess.run(
        ["bash", str(DOCKER_DIR / "elasticsearch" / "setup.sh")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def test_es_setup_retries_the_kibana_system_password_until_it_is_accepted(
    security_api: Callable[[int], _FakeSecurityApi], tmp_path: Path, shell_env: dict[str, str]
) -> None:
    api = security_api(2)
    result = _run_es_setup(api, tmp_path, shell_env)
    assert result.returncode == 0, result.stderr
    attempts = [path for _, path in api.requests if path.endswith("kibana_system/_password")]
    assert len(attempts) == 3
    assert result.stderr.count("answered HTTP 503") == 2  # each refusal is shown, with Elasticsearch's answer
    # ...and the job went on to the roles and the writer key.
    assert ("PUT", "/_security/role/readout_writer") in api.requests
    assert (tmp_path / "secrets" / "es-writer.api-key").read_text() == "a2V5LTE6c2VjcmV0"


def test_es_setup_gives_up_on_the_password_after_a_bounded_number_of_tries(
    security_api: Callable[[int], _FakeSecurityApi], tmp_path: Path, shell_env: dict[str, str]
) -> None:
    api = security_api(100)
    result = _run_es_setup(api, tmp_path, shell_env)
    assert result.returncode == 1
    assert [path for _, path in api.requests].count("/_security/user/kibana_system/_password") == 4
    assert "the kibana_system password was not accepted after 4 attempts" in result.stderr
    assert not any(path.startswith("/_security/role/") for _, path in api.requests)
