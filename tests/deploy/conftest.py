"""Fixtures for the deployment files: docker-compose.yml, Dockerfile, .env.example and docker/.

Nothing here needs Docker: the files are read, validated against the Compose Specification's JSON schema (the
copy shipped in the check-jsonschema package, a dev dependency) and checked against the pipeline's settings.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from pipeline.config import Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERFILE = REPO / "Dockerfile"
DOCKER_DIR = REPO / "docker"

#: ``${NAME}``, ``${NAME:-default}``, ``${NAME:?message}``... (after ``$$`` escapes are removed).
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}")
#: ``NAME=value`` and ``# NAME=value`` lines of an env file.
ASSIGNMENT = re.compile(r"^(?P<comment>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


@dataclass(frozen=True)
class EnvLine:
    """One assignment of .env.example; ``commented`` ones document a default without setting it."""

    name: str
    value: str
    commented: bool


def settings_variables() -> dict[str, str]:
    """``READOUT_<FIELD>`` → field name, for every field of :class:`pipeline.config.Settings`."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return {f"{prefix}{name}".upper(): name for name in Settings.model_fields}


def interpolations(text: str) -> list[re.Match[str]]:
    """Every ``${...}`` interpolation of a compose file's text (``$$`` is a literal dollar, not one)."""
    return list(INTERPOLATION.finditer(text.replace("$$", "")))


def interpolate(text: str, values: dict[str, str]) -> str:
    """Compose's interpolation of ``text`` with ``values`` (``:-`` and ``-`` defaults; ``:?`` must be set)."""

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"] or "", match["arg"]
        value = values.get(name)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else arg
        if op in (":?", "?"):
            assert value, f"{name} must be set: {arg}"
        return value or ""

    return INTERPOLATION.sub(replace, text)


def parse_env_file(text: str) -> list[EnvLine]:
    """The assignments of an env file, commented or not, in order."""
    lines: list[EnvLine] = []
    for raw in text.splitlines():
        match = ASSIGNMENT.match(raw.strip())
        if match:
            lines.append(EnvLine(match["name"], match["value"], bool(match["comment"])))
    return lines


@dataclass(frozen=True)
class Stack:
    """The parsed compose file, with the questions the tests ask of it."""

    data: dict[str, Any]

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        services: dict[str, dict[str, Any]] = self.data["services"]
        return services

    def is_one_shot(self, name: str) -> bool:
        """A job that runs to completion: ``restart: "no"`` (every long-running service restarts)."""
        return str(self.services[name].get("restart", "no")) == "no"

    def long_running(self) -> list[str]:
        return [name for name in self.services if not self.is_one_shot(name)]

    def one_shots(self) -> list[str]:
        return [name for name in self.services if self.is_one_shot(name)]

    def depends_on(self, name: str) -> dict[str, dict[str, Any]]:
        """``depends_on`` in its long form; the short (list) form has no condition and is returned as such."""
        raw = self.services[name].get("depends_on", {})
        if isinstance(raw, list):
            return {dependency: {} for dependency in raw}
        dependencies: dict[str, dict[str, Any]] = raw
        return dependencies

    def profiles(self, name: str) -> set[str]:
        return set(self.services[name].get("profiles", []))

    def environment(self, name: str) -> dict[str, Any]:
        raw = self.services[name].get("environment", {})
        if isinstance(raw, list):
            return dict(entry.split("=", 1) if "=" in entry else (entry, None) for entry in raw)
        environment: dict[str, Any] = raw
        return environment


@pytest.fixture(scope="session")
def compose_text() -> str:
    return COMPOSE_FILE.read_text("utf-8")


@pytest.fixture(scope="session")
def compose_data(compose_text: str) -> dict[str, Any]:
    """The compose file as Compose reads it: YAML with anchors and ``<<`` merge keys resolved."""
    data = yaml.safe_load(compose_text)
    assert isinstance(data, dict)
    return data


@pytest.fixture
def stack(compose_data: dict[str, Any]) -> Stack:
    return Stack(copy.deepcopy(compose_data))


def scalars(node: Any) -> list[str]:
    """Every key and string value of a parsed YAML document (what Compose interpolates; comments are not)."""
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in [str(key), *scalars(value)]]
    if isinstance(node, list):
        return [text for item in node for text in scalars(item)]
    return [node] if isinstance(node, str) else []


@pytest.fixture(scope="session")
def compose_strings(compose_data: dict[str, Any]) -> str:
    """The compose file's keys and string values, one a line: the text Compose interpolates."""
    return "\n".join(scalars(compose_data))


@pytest.fixture(scope="session")
def compose_schema() -> dict[str, Any]:
    """The Compose Specification schema vendored by check-jsonschema (``--builtin-schema vendor.compose-spec``)."""
    resource = importlib.resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    schema: dict[str, Any] = json.loads(resource.read_text("utf-8"))
    return schema


@pytest.fixture(scope="session")
def compose_validator(compose_schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(compose_schema)
    return Draft202012Validator(compose_schema)


@pytest.fixture(scope="session")
def schema_errors(compose_validator: Draft202012Validator) -> Callable[[dict[str, Any]], list[str]]:
    """Readable schema errors of a compose document (empty when it is valid)."""

    def errors(document: dict[str, Any]) -> list[str]:
        found = sorted(compose_validator.iter_errors(document), key=lambda error: list(error.absolute_path))
        return [
            f"{'/'.join(str(part) for part in error.absolute_path) or '(root)'}: {error.message}" for error in found
        ]

    return errors


@pytest.fixture(scope="session")
def env_example() -> list[EnvLine]:
    return parse_env_file(ENV_EXAMPLE.read_text("utf-8"))


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """A minimal environment for running the docker/ scripts on this machine (PATH and a temporary HOME)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
