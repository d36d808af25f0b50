#!/usr/bin/env bash
# make smoke: the Docker stack end to end, on a machine with Docker (Compose v2) and the internet.
#
#   1. brings the stack up and waits until every service is healthy (docker compose up -d --build --wait),
#      with READOUT_MAX_ITEMS_PER_SOURCE=5 so that the first run of a source ends in minutes (SMOKE_MAX_ITEMS
#      changes it; a later `make up` puts the setting from .env back);
#   2. unpauses and triggers one ingest DAG (readout_ingest_<source id>, SMOKE_SOURCE=cn-mfa-en by default) with
#      the Airflow CLI in the scheduler container;
#   3. waits (SMOKE_TIMEOUT seconds, 900 by default) until the alias <prefix>-documents counts documents, and
#      fails early if the DAG run fails;
#   4. checks that Kibana has the documents data view (id readout-documents, whatever the prefix) and that it
#      points at <prefix>-documents (Kibana's data views API);
#   5. prints the URLs.
# Every request to Elasticsearch and Kibana is made from inside the elasticsearch container (which has the CA and
# the elastic password), so nothing but Docker is needed on this machine.
set -euo pipefail

cd "$(dirname "$0")/.."
[[ -f .env ]] || { echo "smoke: no .env: run 'make .env' (or 'make up') first" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
. ./.env
set +a

compose=(docker compose)
source_id="${SMOKE_SOURCE:-cn-mfa-en}"
dag_id="readout_ingest_${source_id}"
timeout="${SMOKE_TIMEOUT:-900}"
prefix="${READOUT_INDEX_PREFIX:-readout}"
# The saved objects keep their ids whatever the prefix (pipeline/index/kibana.py DOCUMENTS_DATA_VIEW: dashboards
# refer to them); `readout kibana-setup` moves only the data view's title (its index pattern) to <prefix>-documents.
data_view="readout-documents"
run_id="smoke__$(date -u +%Y%m%dT%H%M%SZ)"

say() { printf '\n== %s\n' "$*"; }
fail() { printf '\nsmoke: FAILED: %s\n' "$*" >&2; exit 1; }

in_airflow() { "${compose[@]}" exec -T airflow-scheduler "$@"; }
# curl inside the elasticsearch container; the request's arguments follow.
in_es() {
    "${compose[@]}" exec -T elasticsearch bash -c \
        'curl --silent --show-error --cacert config/certs/ca/ca.crt -u "elastic:${ELASTIC_PASSWORD}" "$@"' curl "$@"
}

say "1/5 starting the stack (docker compose up -d --build --wait)"
export READOUT_MAX_ITEMS_PER_SOURCE="${SMOKE_MAX_ITEMS:-5}"
"${compose[@]}" up -d --build --wait || {
    "${compose[@]}" ps -a
    fail "the stack did not become healthy (see: docker compose logs SERVICE)"
}

say "2/5 triggering ${dag_id} (run ${run_id})"
deadline=$((SECONDS + 300))
until in_airflow airflow dags unpause "${dag_id}" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then
        in_airflow airflow dags list-import-errors || true
        fail "DAG ${dag_id} did not appear within 300 s (is '${source_id}' in config/sources.yaml?)"
    fi
    sleep 5
done
in_airflow airflow dags trigger "${dag_id}" --run-id "${run_id}" >/dev/null
echo "triggered"

say "3/5 waiting for documents in ${prefix}-documents (at most ${timeout} s)"
deadline=$((SECONDS + timeout))
count=0
while :; do
    answer=$(in_es "https://localhost:9200/${prefix}-documents/_count" 2>/dev/null || true)
    count=$(printf '%s' "${answer}" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
    count=${count:-0}
    if ((count > 0)); then
        echo "${count} document(s) indexed"
        break
    fi
    if in_airflow airflow dags list-runs "${dag_id}" --state failed --output plain 2>/dev/null | grep -q -- "${run_id}"; then
        in_airflow airflow tasks states-for-dag-run "${dag_id}" "${run_id}" || true
        fail "DAG run ${run_id} failed (task logs: Airflow UI, or docker compose logs airflow-scheduler)"
    fi
    if ((SECONDS > deadline)); then
        in_airflow airflow tasks states-for-dag-run "${dag_id}" "${run_id}" || true
        fail "no document in ${prefix}-documents after ${timeout} s (last answer: ${answer:-none})"
    fi
    sleep 10
done

say "4/5 checking the Kibana data view ${data_view} (index pattern ${prefix}-documents)"
answer=$("${compose[@]}" exec -T elasticsearch bash -c \
    'curl --silent -w "\n%{http_code}" -u "elastic:${ELASTIC_PASSWORD}" "http://kibana:5601/api/data_views/data_view/$1"' \
    curl "${data_view}" || true)
status=${answer##*$'\n'}
[[ "${status}" == 200 ]] || fail "Kibana answered HTTP ${status:-none} for the data view ${data_view}"
printf '%s' "${answer}" | grep -q "\"title\":\"${prefix}-documents\"" \
    || fail "the data view ${data_view} does not point at ${prefix}-documents (readout kibana-setup sets its title)"
echo "data view present"

say "5/5 the stack is up"
cat <<URLS
  Airflow        ${AIRFLOW_PUBLIC_URL:-http://localhost:8080}   (user ${AIRFLOW_ADMIN_USERNAME:-admin}, password AIRFLOW_ADMIN_PASSWORD in .env)
  Kibana         ${KIBANA_PUBLIC_URL:-http://localhost:5601}   (user elastic, password ELASTIC_PASSWORD in .env)
  Elasticsearch  https://localhost:${ES_PORT:-9200}   (TLS with the stack's own CA; see docs/deploy.md)

smoke: OK (${count} document(s) from ${source_id}; ${dag_id} is now unpaused and runs on its schedule)
URLS
