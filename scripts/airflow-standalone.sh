#!/usr/bin/env bash
# Airflow standalone on this machine, without Docker (`make airflow`): SQLite metadata, the repository's DAGs and
# plugins, and the pipeline's embedded defaults (SQLite catalog and search index). Every setting below is a
# default only: a value already exported (AIRFLOW_HOME, READOUT_SOURCES, AIRFLOW__API__PORT, ...) is kept.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# `airflow standalone` starts the scheduler, dag-processor, api-server and triggerer by running `airflow` from
# PATH (airflow/cli/commands/standalone_command.py), so the virtualenv's bin must come first on it.
export PATH="$repo/.venv/bin:$PATH"

export AIRFLOW_HOME="${AIRFLOW_HOME:-$repo/.airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW__CORE__DAGS_FOLDER:-$repo/dags}"
export AIRFLOW__CORE__PLUGINS_FOLDER="${AIRFLOW__CORE__PLUGINS_FOLDER:-$repo/plugins}"
export AIRFLOW__CORE__LOAD_EXAMPLES="${AIRFLOW__CORE__LOAD_EXAMPLES:-False}"
export READOUT_SOURCES="${READOUT_SOURCES:-$repo/config/sources.yaml}"
export READOUT_TOPICS="${READOUT_TOPICS:-$repo/config/topics.yaml}"
export READOUT_DATA_DIR="${READOUT_DATA_DIR:-$repo/data}"
# LocalExecutor keeps a worker process per slot of [core] parallelism (32 by default: 4.5 GB of idle workers
# here after a few runs); a laptop's Airflow needs a few slots per core, not 32.
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-$(($(nproc) * 2))}"

# Tasks reach the execution API at [api] base_url + /execution/, and base_url unset means localhost:8080
# (airflow/executors/base_executor.py): on another port, tasks would fail to start (or reach another Airflow).
port="${AIRFLOW__API__PORT:-8080}"
export AIRFLOW__API__BASE_URL="${AIRFLOW__API__BASE_URL:-http://localhost:$port}"
url="$AIRFLOW__API__BASE_URL"
# Where Airflow 3's simple auth manager writes the generated admin password (simple_auth_manager.py:
# [core] simple_auth_manager_passwords_file, by default in AIRFLOW_HOME).
passwords="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated}"

mkdir -p "$AIRFLOW_HOME"
airflow db migrate
readout airflow-pools --output "$AIRFLOW_HOME/pools.json"
airflow pools import "$AIRFLOW_HOME/pools.json"

banner() {
    cat <<BANNER

  Airflow    $url   (user admin; its password is in $passwords)
  Sources    $READOUT_SOURCES
  Data       $READOUT_DATA_DIR
  Home       $AIRFLOW_HOME

BANNER
}
banner
# Said again once the API answers, below the components' start-up logs (bounded: 10 minutes at most).
(
    python - "$url/api/v2/monitor/health" <<'PY' && banner
import sys, time, urllib.request
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=5):
            sys.exit(0)
    except OSError:
        time.sleep(1)
sys.exit(1)
PY
) &

exec airflow standalone
