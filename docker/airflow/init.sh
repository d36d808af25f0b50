#!/usr/bin/env bash
# airflow-init (one-shot): the Airflow metadata database, the admin user and Readout's pools.
# Runs through the image's entrypoint, which has already waited for the database. Idempotent.
set -euo pipefail

echo "== airflow db migrate"
airflow db migrate

admin="${AIRFLOW_ADMIN_USERNAME:-admin}"
: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in .env (make .env generates one)}"
echo "== admin user ${admin} (FAB auth manager)"
# An existing user is left as it is (change a password with `airflow users reset-password`). A failed create
# is an error unless the user is there (a second run of this job).
user_exists() {
    airflow users list --output json 2>/dev/null \
        | python -c 'import json, sys; sys.exit(0 if any(u.get("username") == sys.argv[1] for u in json.load(sys.stdin)) else 1)' "${admin}"
}
if ! user_exists; then
    airflow users create \
        --username "${admin}" \
        --password "${AIRFLOW_ADMIN_PASSWORD}" \
        --firstname Readout --lastname Admin \
        --email "${AIRFLOW_ADMIN_EMAIL:-admin@example.invalid}" \
        --role Admin \
        || user_exists
fi

echo "== pools: one slot per source host"
pools="$(mktemp -d)/readout-pools.json"
readout airflow-pools --output "${pools}"
airflow pools import "${pools}"
airflow pools list
