"""Dockerfile: the official Airflow 3.3 image, Readout's locked dependencies without Airflow, nothing reinstalled."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.conftest import DOCKERFILE, REPO


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def _instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    found = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
    return found


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return _instructions(DOCKERFILE.read_text("utf-8"))


def _global_args(instructions: list[Instruction]) -> dict[str, str]:
    """ARGs declared before the first FROM, with their defaults."""
    values = {}
    for instruction in instructions:
        if instruction.keyword == "FROM":
            break
        if instruction.keyword == "ARG" and "=" in instruction.arguments:
            name, _, value = instruction.arguments.partition("=")
            values[name] = value
    return values


def _stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    stages: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _locked_version(package: str) -> str:
    lock = tomllib.loads((REPO / "uv.lock").read_text("utf-8"))
    (version,) = [entry["version"] for entry in lock["package"] if entry["name"] == package]
    return str(version)


def test_the_final_image_is_the_official_airflow_3_3_image_of_the_locked_version(
    instructions: list[Instruction],
) -> None:
    final = _stages(instructions)[-1][0].arguments.split()[0]
    image = final
    for name, value in _global_args(instructions).items():
        image = image.replace(f"${{{name}}}", value)
    match = re.fullmatch(r"apache/airflow:(?P<version>\d+\.\d+\.\d+)-python(?P<python>3\.\d+)", image)
    assert match, image
    assert match["version"].startswith("3.3.")
    assert match["version"] == _locked_version("apache-airflow"), "the base image and uv.lock disagree"
    assert match["python"] == "3.11"


def test_the_requirements_are_exported_from_the_lock_without_airflow(instructions: list[Instruction]) -> None:
    (export,) = [i.arguments for i in instructions if i.keyword == "RUN" and "uv export" in i.arguments]
    args = shlex.split(export)
    assert "--locked" in args
    assert "--no-default-groups" in args or {"--no-dev", "--no-group"} <= set(args)
    assert "--no-emit-project" in args


def test_the_exported_requirements_leave_airflow_and_dev_tools_out(
    instructions: list[Instruction], tmp_path: Path
) -> None:
    """Runs the Dockerfile's own `uv export` command against this checkout's uv.lock (offline)."""
    uv = shutil.which("uv") or str(REPO / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.skip("uv is not installed (make install bootstraps it)")
    (export,) = [i.arguments for i in instructions if i.keyword == "RUN" and "uv export" in i.arguments]
    args = shlex.split(export)
    args = args[args.index("uv") + 1 :]
    args[args.index("--output-file") + 1] = str(tmp_path / "requirements.txt")
    env = {**os.environ, "UV_OFFLINE": "1", "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    subprocess.run([uv, *args], cwd=REPO, env=env, check=True, capture_output=True, timeout=120)
    pins = dict(
        line.split(";")[0].strip().split("==", 1)
        for line in (tmp_path / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert not [name for name in pins if name.startswith("apache-airflow")]
    assert not {"pytest", "ruff", "mypy", "check-jsonschema"} & set(pins)
    assert "readout" not in pins
    for package in ("elasticsearch", "trafilatura", "psycopg", "sqlalchemy"):
        assert pins.get(package) == _locked_version(package), package


def test_pip_never_replaces_airflow_and_runs_as_the_airflow_user(instructions: list[Instruction]) -> None:
    final = _stages(instructions)[-1]
    user = "root"
    installs = 0
    for instruction in final:
        if instruction.keyword == "USER":
            user = instruction.arguments
        if instruction.keyword == "RUN" and "pip install" in instruction.arguments:
            installs += 1
            assert user == "airflow", instruction.arguments
            command = instruction.arguments
            if "-r " in command:
                assert '"apache-airflow==${AIRFLOW_VERSION}"' in command
                assert "--no-deps" in command
    assert installs >= 2
    assert "pip check" in " ".join(i.arguments for i in final if i.keyword == "RUN")


def test_what_the_dockerfile_copies_exists_and_is_not_ignored(instructions: list[Instruction]) -> None:
    ignored = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith("!")
    ]
    sources = []
    for instruction in instructions:
        if instruction.keyword == "COPY" and "--from=" not in instruction.arguments:
            parts = [part for part in instruction.arguments.split() if not part.startswith("--")]
            sources += parts[:-1]
    assert {"pyproject.toml", "uv.lock", "README.md", "pipeline/", "config/", "dags/", "plugins/"} <= set(sources)
    for source in sources:
        path = source.rstrip("/")
        assert (REPO / path).exists(), source
        assert not any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/") for pattern in ignored), source


def test_the_entrypoint_is_the_readout_wrapper_around_dumb_init(instructions: list[Instruction]) -> None:
    (entrypoint,) = [i.arguments for i in instructions if i.keyword == "ENTRYPOINT"]
    assert entrypoint.startswith('["/usr/bin/dumb-init", "--", ')
    script = entrypoint.split('"')[-2]
    assert script == "/opt/readout/docker/airflow/entrypoint.sh"
    assert (REPO / "docker" / "airflow" / "entrypoint.sh").is_file()
    wrapper = (REPO / "docker" / "airflow" / "entrypoint.sh").read_text()
    assert 'exec /entrypoint "$@"' in wrapper


def test_the_image_points_airflow_and_readout_at_the_copied_files(instructions: list[Instruction]) -> None:
    env = " ".join(i.arguments for i in instructions if i.keyword == "ENV")
    assert "AIRFLOW__CORE__DAGS_FOLDER=${READOUT_HOME}/dags" in env
    assert "AIRFLOW__CORE__PLUGINS_FOLDER=${READOUT_HOME}/plugins" in env
    assert "READOUT_SOURCES=${READOUT_HOME}/config/sources.yaml" in env
    assert "READOUT_HOME=/opt/readout" in env


def test_the_data_folder_is_group_writable_for_any_airflow_uid(instructions: list[Instruction]) -> None:
    """The stack runs as ${AIRFLOW_UID}:0: the data folder (the volume's initial owner and mode) must let group 0
    write, with setgid so that what is created inside stays in group 0."""
    final = _stages(instructions)[-1]
    user = "root"
    made = []
    for instruction in final:
        if instruction.keyword == "USER":
            user = instruction.arguments
        if instruction.keyword == "RUN" and "/opt/airflow/readout-data" in instruction.arguments:
            made.append((user, shlex.split(instruction.arguments)))
    assert len(made) == 1, made
    user, words = made[0]
    assert user == "airflow"
    commands = _split_commands(words)
    assert ["mkdir", "-p", "/opt/airflow/readout-data"] in commands
    assert ["chmod", "2775", "/opt/airflow/readout-data"] in commands


def _split_commands(words: list[str]) -> list[list[str]]:
    commands: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            commands.append([])
        else:
            commands[-1].append(word)
    return commands
