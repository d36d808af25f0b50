"""docker-compose.yml: valid Compose, healthy start-up order, and settings that the pipeline really reads."""

from __future__ import annotations

import copy
import graphlib
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.deploy.conftest import COMPOSE_FILE, REPO, Stack, interpolate, interpolations, settings_variables

SchemaErrors = Callable[[dict[str, Any]], list[str]]

ONE_SHOT_CONDITION = "service_completed_successfully"
HEALTHY_CONDITION = "service_healthy"


# --- the Compose Specification -----------------------------------------------------------------------------


def test_compose_file_validates_against_the_compose_specification(
    compose_data: dict[str, Any], schema_errors: SchemaErrors
) -> None:
    assert schema_errors(compose_data) == []


def test_check_jsonschema_cli_accepts_the_compose_file() -> None:
    """The same check from the command line: `check-jsonschema --builtin-schema vendor.compose-spec FILE`."""
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("mutation", "where"),
    [
        (lambda d: d["services"]["postgres"].update(helthcheck={"test": ["CMD", "true"]}), "services/postgres"),
        (lambda d: d["services"]["kibana"]["depends_on"]["es-setup"].update(condition="service_ready"), "kibana"),
        (lambda d: d["services"]["elasticsearch"].update(ports="9200:9200"), "services/elasticsearch/ports"),
        (lambda d: d.update(volume={"stray": None}), "(root)"),
    ],
    ids=["unknown-service-key", "unknown-condition", "ports-not-a-list", "unknown-top-level-key"],
)
def test_the_schema_check_rejects_invalid_compose(
    compose_data: dict[str, Any], schema_errors: SchemaErrors, mutation: Callable[[dict[str, Any]], None], where: str
) -> None:
    broken = copy.deepcopy(compose_data)
    mutation(broken)
    errors = schema_errors(broken)
    assert errors, "the validator accepted a broken file"
    assert any(where in error for error in errors), errors


# --- start-up order and health ------------------------------------------------------------------------------


def test_every_long_running_service_has_a_healthcheck(stack: Stack) -> None:
    missing = []
    for name in stack.long_running():
        check = stack.services[name].get("healthcheck") or {}
        test = check.get("test")
        if check.get("disable") or not test or test in (["NONE"], "NONE"):
            missing.append(name)
    assert missing == []


def test_one_shot_jobs_are_awaited_until_they_complete(stack: Stack) -> None:
    """``up --wait`` accepts an exited container only when something waits for it with
    service_completed_successfully; a job nobody waits for that way makes ``up --wait`` fail."""
    assert stack.one_shots(), "the stack has setup jobs; none found"
    for job in stack.one_shots():
        dependents = {
            name: spec[job].get("condition") for name in stack.services if job in (spec := stack.depends_on(name))
        }
        assert dependents, f"{job}: no service depends on it"
        assert set(dependents.values()) == {ONE_SHOT_CONDITION}, f"{job}: {dependents}"
        # Whenever the job runs, a long-running service that waits for it runs too.
        adopters = [
            name for name in dependents if not stack.is_one_shot(name) and stack.profiles(name) <= stack.profiles(job)
        ]
        assert adopters, f"{job}: no long-running service in its profiles waits for it"


def test_long_running_dependencies_are_awaited_until_healthy(stack: Stack) -> None:
    for name in stack.services:
        for dependency, spec in stack.depends_on(name).items():
            if not stack.is_one_shot(dependency):
                assert spec.get("condition") == HEALTHY_CONDITION, f"{name} -> {dependency}: {spec}"


def test_depends_on_names_real_services_and_has_no_cycle(stack: Stack) -> None:
    graph = {name: set(stack.depends_on(name)) for name in stack.services}
    unknown = {name: sorted(deps - set(stack.services)) for name, deps in graph.items() if deps - set(stack.services)}
    assert unknown == {}
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
    assert order.index("elasticsearch") < order.index("es-setup") < order.index("kibana")
    assert order.index("airflow-init") < order.index("airflow-scheduler")


def test_cycle_detection_would_catch_a_cycle(stack: Stack) -> None:
    stack.services["postgres"]["depends_on"] = {"airflow-scheduler": {"condition": HEALTHY_CONDITION}}
    graph = {name: set(stack.depends_on(name)) for name in stack.services}
    with pytest.raises(graphlib.CycleError):
        list(graphlib.TopologicalSorter(graph).static_order())


def test_services_without_a_profile_depend_only_on_services_without_one(stack: Stack) -> None:
    """A plain ``docker compose up`` must not need a service that only a profile starts."""
    for name in stack.services:
        if not stack.profiles(name):
            profiled = [dep for dep in stack.depends_on(name) if stack.profiles(dep)]
            assert profiled == [], name


def test_the_celery_profile_brings_redis_and_scalable_workers(stack: Stack) -> None:
    assert stack.profiles("redis") == {"celery"}
    assert stack.profiles("airflow-worker") == {"celery"}
    worker = stack.services["airflow-worker"]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert worker["command"] == "celery worker"
    assert "redis" in stack.depends_on("airflow-worker")
    environment = stack.environment("airflow-worker")
    assert urlsplit(environment["AIRFLOW__CELERY__BROKER_URL"]).hostname == "redis"
    assert environment["AIRFLOW__CORE__EXECUTOR"].startswith("${AIRFLOW_EXECUTOR:-")


def test_every_long_running_service_has_a_memory_limit(stack: Stack) -> None:
    assert [name for name in stack.long_running() if "mem_limit" not in stack.services[name]] == []


def _size(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kmg]?)b?", value.lower())
    assert match, value
    return int(match[1]) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match[2]]


def test_elasticsearch_heap_is_at_most_half_its_memory_limit(stack: Stack) -> None:
    """Elastic's rule: the heap gets at most half the memory, the rest is for the file-system cache."""
    elasticsearch = stack.services["elasticsearch"]
    heaps = {m["arg"] for m in interpolations(elasticsearch["environment"]["ES_JAVA_OPTS"]) if m["name"] == "ES_HEAP"}
    (limit,) = [m["arg"] for m in interpolations(elasticsearch["mem_limit"])]
    assert len(heaps) == 1
    assert _size(heaps.pop()) * 2 <= _size(limit)


# --- Airflow wiring -----------------------------------------------------------------------------------------


def _airflow_services(stack: Stack) -> list[str]:
    return [name for name in stack.services if "AIRFLOW__CORE__EXECUTOR" in stack.environment(name)]


def test_every_airflow_component_runs_with_the_same_core_settings(stack: Stack) -> None:
    names = _airflow_services(stack)
    assert {
        "airflow-init",
        "airflow-api-server",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    } <= set(names)
    shared = (
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW__CORE__AUTH_MANAGER",
    )
    for key in shared:
        values = {stack.environment(name).get(key) for name in names}
        assert len(values) == 1, (key, values)
        assert None not in values, key


def test_the_execution_api_url_points_at_the_api_server(stack: Stack) -> None:
    (api_server,) = [name for name in stack.services if stack.services[name].get("command") == "api-server"]
    url = urlsplit(stack.environment("airflow-scheduler")["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert url.hostname == api_server
    published = [str(port).rsplit(":", 1)[-1] for port in stack.services[api_server]["ports"]]
    assert str(url.port) in published
    assert url.path == "/execution/"
    assert f"localhost:{url.port}" in str(stack.services[api_server]["healthcheck"]["test"])


def test_init_jobs_run_scripts_that_exist(stack: Stack) -> None:
    """``bash <path>`` commands name a script shipped in the image (docker/airflow/) or bind-mounted from docker/."""
    checked = set()
    for name, service in stack.services.items():
        command = service.get("command")
        if not (isinstance(command, list) and command[:1] == ["bash"]):
            continue
        target = PurePosixPath(command[1])
        mounts = {
            PurePosixPath(volume.split(":")[1]): volume.split(":")[0]
            for volume in service.get("volumes", [])
            if volume.startswith("./")
        }
        if target in mounts:
            source = REPO / mounts[target]
        else:
            assert target.is_relative_to("/opt/readout/docker/airflow"), f"{name}: {target}"
            source = REPO / "docker" / "airflow" / target.name
        assert source.is_file(), f"{name}: {source} is missing"
        checked.add(name)
    assert checked == set(stack.one_shots())


# --- volumes -------------------------------------------------------------------------------------------------


def _volume_sources(service: dict[str, Any]) -> list[str]:
    sources = []
    for volume in service.get("volumes", []):
        sources.append(volume["source"] if isinstance(volume, dict) else volume.split(":")[0])
    return sources


def test_named_volumes_are_declared_and_used(stack: Stack) -> None:
    declared = set(stack.data.get("volumes") or {})
    used = set()
    for service in stack.services.values():
        used |= {source for source in _volume_sources(service) if not source.startswith((".", "/", "~"))}
    assert used - declared == set(), "named volumes used but not declared"
    assert declared - used == set(), "declared volumes nobody uses"
    assert {"postgres-data", "es-data", "readout-data", "readout-secrets"} <= declared


def test_bind_mounts_name_files_of_the_repository(stack: Stack) -> None:
    for name, service in stack.services.items():
        for source in _volume_sources(service):
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{name}: {source}"


def test_secrets_and_certificates_are_mounted_read_only_where_they_are_only_read(stack: Stack) -> None:
    writers = {"es-certs", "es-setup"}
    for name, service in stack.services.items():
        for volume in service.get("volumes", []):
            source, _, options = str(volume).partition(":")
            if source in {"readout-secrets", "es-ca"} and name not in writers:
                assert options.endswith(":ro"), f"{name}: {volume}"
    # Only Elasticsearch and its setup jobs see the CA's private key; everyone else gets the public certificate.
    with_private_key = {name for name, service in stack.services.items() if "es-certs" in _volume_sources(service)}
    assert with_private_key == {"es-certs", "elasticsearch", "es-setup"}


# --- variables ----------------------------------------------------------------------------------------------


def test_every_readout_variable_is_a_settings_field(stack: Stack, compose_strings: str) -> None:
    fields = settings_variables()
    used = {key for name in stack.services for key in stack.environment(name) if key.startswith("READOUT_")}
    used |= {m["name"] for m in interpolations(compose_strings) if m["name"].startswith("READOUT_")}
    used |= set(re.findall(r"\b(READOUT_[A-Z0-9_]+)\b", compose_strings))
    assert sorted(used - set(fields)) == []


def test_the_pipeline_containers_can_be_given_every_setting(stack: Stack) -> None:
    """Each Settings field reaches the pipeline: set by the stack, or passed through from .env."""
    fields = set(settings_variables())
    for name in ("airflow-scheduler", "airflow-worker", "readout-setup"):
        given = {key for key in stack.environment(name) if key.startswith("READOUT_")}
        assert sorted(fields - given) == [], name


def test_the_stack_points_the_pipeline_at_its_own_services(stack: Stack) -> None:
    environment = stack.environment("airflow-scheduler")
    assert urlsplit(environment["READOUT_ELASTICSEARCH_URL"]).hostname == "elasticsearch"
    assert environment["READOUT_ELASTICSEARCH_URL"].startswith("https://")
    catalog = urlsplit(interpolate(environment["READOUT_CATALOG_URL"], {"CATALOG_DB_PASSWORD": "s3cret"}))
    assert (catalog.scheme, catalog.username, catalog.password) == ("postgresql+psycopg", "readout", "s3cret")
    assert (catalog.hostname, catalog.port, catalog.path) == ("postgres", 5432, "/readout")
    ca = environment["READOUT_ELASTICSEARCH_CA_CERTS"]
    assert any(ca.startswith(str(volume).split(":")[1]) for volume in stack.services["airflow-scheduler"]["volumes"])
    assert urlsplit(stack.environment("readout-setup")["READOUT_KIBANA_URL"]).hostname == "kibana"


def test_secrets_are_never_written_into_the_compose_file(compose_text: str) -> None:
    secret_keys = re.compile(
        r"^\s*[A-Z_]*(PASSWORD|SECRET|FERNET_KEY|ENCRYPTIONKEY|API_KEY)[A-Z_]*:[ \t]*(?P<value>.*)$", re.M
    )
    found = list(secret_keys.finditer(compose_text))
    assert len(found) > 10
    for match in found:
        value = match["value"].strip()
        # Unset (passed through from .env when set there) or interpolated from .env, with no default value.
        assert value == "" or (value.startswith("${") and ":-" not in value), match.group(0)
