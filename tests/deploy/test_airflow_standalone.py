"""`make airflow` (scripts/airflow-standalone.sh) for real: Airflow standalone starts from a shell whose PATH lacks
the virtualenv, keeps the settings the user exported, and says where the UI and the admin password are."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.conftest import REPO

SCRIPT = REPO / "scripts" / "airflow-standalone.sh"
SOURCE_ID = "honoured-source"
#: The pool `readout airflow-pools` derives from the test source's host (pipeline.tasks.host_pool).
POOL = "readout_host_honoured_example_org"
SOURCES = f"""\
sources:
  - id: {SOURCE_ID}
    name: A source only the exported sources file has
    kind: news
    publisher: Readout tests
    country: GB
    language: en
    timezone: UTC
    schedule: '0 6 * * *'
    discovery:
      method: feed
      urls:
      - https://honoured.example.org/feed.xml
"""
#: The components `airflow standalone` starts (airflow/cli/commands/standalone_command.py).
COMPONENTS = ("scheduler", "dag-processor", "api-server", "triggerer")
#: How long the whole start-up may take on a loaded two-core machine before the test gives up.
DEADLINE = 420.0


@dataclass
class Standalone:
    process: subprocess.Popen[bytes]
    output: Path
    env: dict[str, str]
    base: str

    def log(self) -> str:
        return self.output.read_text("utf-8", errors="replace")

    def get(self, path: str, token: str | None = None, *, method: str = "GET", body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def wait_for(self, what: str, check: Any) -> Any:
        """Poll ``check()`` until it returns something truthy; fail when the script exits or the deadline passes."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            try:
                result = check()
            except OSError:  # not listening yet, or the connection dropped during start-up
                result = None
            if result:
                return result
            try:
                code = self.process.wait(timeout=1)  # the pause between polls, and a check that it still runs
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"the script exited ({code}) before {what}:\n{self.log()[-5000:]}")
        pytest.fail(f"no {what} within {DEADLINE:.0f} s:\n{self.log()[-5000:]}")

    def group(self) -> list[int]:
        """The processes of the script's process group (the script became `airflow standalone`)."""
        members = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # field 5 of /proc/PID/stat: the process group id
                members.append(int(stat.parent.name))
        return members

    def stop(self) -> None:
        """Stop the whole process group: standalone and every component it started."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                continue
            if not self.group():
                return


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode("utf-8", "replace").split("\0") if "=" in item)


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[Standalone]:
    sources = tmp_path / "exported-sources.yaml"
    sources.write_text(SOURCES, "utf-8")
    port = _free_port()
    venv_bin = str(REPO / ".venv" / "bin")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != Path(venv_bin))
    # A user's shell: none of the test session's Airflow or Readout settings, the virtualenv not on PATH.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "READOUT_", "VIRTUAL_ENV"))}
    env |= {
        "PATH": path,
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "READOUT_SOURCES": str(sources),
        "READOUT_DATA_DIR": str(tmp_path / "exported-data"),
    }
    output = tmp_path / "standalone.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            ["bash", str(SCRIPT)], env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    running = Standalone(process, output, env, f"http://127.0.0.1:{port}")
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_make_airflow_starts_and_honours_the_exported_settings(standalone: Standalone) -> None:
    assert not any(Path(p, "airflow").exists() for p in standalone.env["PATH"].split(os.pathsep))

    def healthy() -> dict[str, Any] | None:
        status, body = standalone.get("/api/v2/monitor/health")
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        ok = status == 200 and all(body.get(part, {}).get("status") == "healthy" for part in parts)
        return body if ok else None

    standalone.wait_for("a healthy api-server, scheduler, triggerer and dag-processor", healthy)

    # Every component runs with the settings the user exported, not the Makefile's defaults.
    components: dict[str, dict[str, str]] = {}
    for pid in standalone.group():
        try:
            argv, environ = _cmdline(pid), _environ(pid)
        except OSError:  # a short-lived process that ended meanwhile
            continue
        # `python .../.venv/bin/airflow scheduler` (the venv's airflow, found on the PATH the script set), or the
        # title the api-server gives itself: `airflow api_server -- host:0.0.0.0 port:...`.
        words = [Path(word).name.replace("_", "-") for word in " ".join(argv).split()]
        if "airflow" in words[:-1] and (name := words[words.index("airflow") + 1]) in COMPONENTS:
            components.setdefault(name, environ)
    assert set(components) == set(COMPONENTS), "\n".join(" ".join(_cmdline(p)) for p in standalone.group())
    # The api-server retitles itself over its environment block (setproctitle), so /proc shows it empty: that
    # it reads the exported AIRFLOW_HOME and port shows below (it answers there and takes the password from it).
    for name, environ in components.items():
        if name == "api-server" and not environ:
            continue
        for key in ("AIRFLOW_HOME", "READOUT_SOURCES", "READOUT_DATA_DIR", "AIRFLOW__API__PORT"):
            assert environ.get(key) == standalone.env[key], (name, key)
        # Not exported: a few executor slots per core rather than Airflow's 32 idle worker processes.
        assert environ.get("AIRFLOW__CORE__PARALLELISM") == str(2 * len(os.sched_getaffinity(0))), name

    # The banner says where the UI and the admin password are, and the password is there and works.
    home = Path(standalone.env["AIRFLOW_HOME"])
    passwords = home / "simple_auth_manager_passwords.json.generated"
    log = standalone.log()
    assert f"http://localhost:{standalone.env['AIRFLOW__API__PORT']}" in log
    assert f"its password is in {passwords}" in log
    assert (home / "airflow.db").exists()
    password = json.loads(passwords.read_text("utf-8"))["admin"]
    request = urllib.request.Request(
        standalone.base + "/auth/token",
        data=json.dumps({"username": "admin", "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.load(response)["access_token"]

    # The exported sources file is the one Readout read: its host's pool was imported, its DAG parsed.
    status, pool = standalone.get(f"/api/v2/pools/{POOL}", token)
    assert (status, pool["slots"]) == (200, 1)
    dag_id = f"readout_ingest_{SOURCE_ID}"
    dag = standalone.wait_for(f"the DAG {dag_id}", lambda: standalone.get(f"/api/v2/dags/{dag_id}", token)[1])
    assert dag["dag_id"] == dag_id

    # A task runs: it reaches the execution API on the exported port (not the default 8080), and writes the
    # catalog into the exported data folder. The health DAG needs no network.
    standalone.wait_for("the DAG readout_health", lambda: standalone.get("/api/v2/dags/readout_health", token)[1])
    assert standalone.get("/api/v2/dags/readout_health", token, method="PATCH", body={"is_paused": False})[0] == 200
    status, run = standalone.get(
        "/api/v2/dags/readout_health/dagRuns", token, method="POST", body={"logical_date": None}
    )
    assert status == 200, run
    path = f"/api/v2/dags/readout_health/dagRuns/{urllib.parse.quote(run['dag_run_id'], safe='')}"

    def finished() -> str | None:
        state = standalone.get(path, token)[1]["state"]
        return state if state in ("success", "failed") else None

    assert standalone.wait_for("the end of the health DAG run", finished) == "success", standalone.log()[-5000:]
    assert (Path(standalone.env["READOUT_DATA_DIR"]) / "catalog.db").exists()
