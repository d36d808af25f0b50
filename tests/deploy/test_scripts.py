"""The scripts under docker/: syntax, the API-key hand-over of the Airflow entrypoint, and their agreement with
the compose file, the sources and the database init."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.config import load_sources
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
