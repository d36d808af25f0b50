""".env.example: every setting of the pipeline and of the stack, and the generator of .env (docker/make-env.sh)."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from pipeline.config import Settings
from tests.deploy.conftest import DOCKER_DIR, ENV_EXAMPLE, EnvLine, interpolations, parse_env_file, settings_variables


def _by_name(lines: list[EnvLine]) -> dict[str, EnvLine]:
    names = [line.name for line in lines]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert duplicates == [], f"listed twice: {duplicates}"
    return {line.name: line for line in lines}


def test_every_readout_variable_is_a_settings_field(env_example: list[EnvLine]) -> None:
    fields = settings_variables()
    listed = {line.name for line in env_example if line.name.startswith("READOUT_")}
    assert sorted(listed - set(fields)) == []


def test_every_settings_field_is_listed(env_example: list[EnvLine]) -> None:
    listed = {line.name for line in env_example}
    assert sorted(set(settings_variables()) - listed) == []


def test_readout_settings_are_documented_with_their_defaults_not_set(env_example: list[EnvLine]) -> None:
    """Each READOUT_* line is commented out and shows the field's default (empty when the default is None or
    empty), so that copying the file to .env changes nothing in the pipeline."""
    fields = settings_variables()
    for line in env_example:
        if not line.name.startswith("READOUT_"):
            continue
        assert line.commented, f"{line.name} is set in .env.example; document it commented out"
        field = Settings.model_fields[fields[line.name]]
        default: Any = field.get_default(call_default_factory=True)
        if default in (None, [], ""):
            assert line.value == "", f"{line.name}: the default is unset, the file says {line.value!r}"
            continue
        if line.name in ("READOUT_TOPICS", "READOUT_COUNTRIES", "READOUT_SPEAKERS"):
            # The shipped rules, found beside the package whatever the working directory: in a checkout, the
            # repository's config/ (which the file's relative path names).
            assert ENV_EXAMPLE.parent / line.value == default, line.name
            continue
        if line.name in ("READOUT_SOURCES", "READOUT_DATA_DIR"):
            assert Path(line.value) == default, line.name
            continue
        value = TypeAdapter(field.annotation).validate_python(line.value)
        assert value == default, f"{line.name}: .env.example says {line.value!r}, the default is {default!r}"


def test_every_compose_variable_is_listed(compose_strings: str, env_example: list[EnvLine]) -> None:
    listed = {line.name for line in env_example}
    referenced = {match["name"] for match in interpolations(compose_strings)}
    assert sorted(referenced - listed) == []


def test_stack_defaults_agree_with_the_compose_file(compose_strings: str, env_example: list[EnvLine]) -> None:
    """``${VAR:-default}`` in the compose file and ``VAR=value`` in .env.example say the same."""
    listed = _by_name(env_example)
    disagreements = {}
    for match in interpolations(compose_strings):
        line = listed.get(match["name"])
        if match["op"] == ":-" and line is not None and not line.commented and line.value != match["arg"]:
            disagreements[match["name"]] = (match["arg"], line.value)
    assert disagreements == {}


def test_required_variables_are_secrets_the_generator_fills(compose_strings: str, env_example: list[EnvLine]) -> None:
    listed = _by_name(env_example)
    required = {match["name"] for match in interpolations(compose_strings) if match["op"] == ":?"}
    assert required, "the compose file requires its secrets with ${VAR:?message}"
    for name in sorted(required):
        assert name in listed, name
        assert not listed[name].commented, name
        assert listed[name].value == "", name


# --- docker/make-env.sh -------------------------------------------------------------------------------------


def _make_env(out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(DOCKER_DIR / "make-env.sh"), str(ENV_EXAMPLE), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_make_env_fills_every_secret_with_a_distinct_random_value(
    tmp_path: Path, shell_env: dict[str, str], env_example: list[EnvLine]
) -> None:
    first, second = tmp_path / "first.env", tmp_path / "second.env"
    assert _make_env(first, shell_env).returncode == 0
    assert _make_env(second, shell_env).returncode == 0
    empty = [line.name for line in env_example if not line.commented and line.value == ""]
    made = _by_name(parse_env_file(first.read_text()))
    again = _by_name(parse_env_file(second.read_text()))
    values = [made[name].value for name in empty]
    assert all(len(value) >= 32 for value in values), values
    assert len(set(values)) == len(values)
    assert all(made[name].value != again[name].value for name in empty)
    assert first.stat().st_mode & 0o077 == 0  # secrets: readable by the owner only
    # Everything else is copied as it is.
    for line in env_example:
        if line.name not in empty:
            assert (made[line.name].value, made[line.name].commented) == (line.value, line.commented)


def test_make_env_makes_a_valid_fernet_key(tmp_path: Path, shell_env: dict[str, str]) -> None:
    fernet = pytest.importorskip("cryptography.fernet")
    out = tmp_path / ".env"
    assert _make_env(out, shell_env).returncode == 0
    key = _by_name(parse_env_file(out.read_text()))["AIRFLOW_FERNET_KEY"].value
    assert len(base64.urlsafe_b64decode(key)) == 32
    token = fernet.Fernet(key.encode()).encrypt(b"connection password")
    assert fernet.Fernet(key.encode()).decrypt(token) == b"connection password"


def test_make_env_never_overwrites_an_existing_file(tmp_path: Path, shell_env: dict[str, str]) -> None:
    out = tmp_path / ".env"
    out.write_text("ELASTIC_PASSWORD=mine\n")
    result = _make_env(out, shell_env)
    assert result.returncode != 0
    assert "not overwritten" in result.stderr
    assert out.read_text() == "ELASTIC_PASSWORD=mine\n"
