#!/usr/bin/env bash
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d): creates the two
# databases of the stack, each with its own owner role: `airflow` (Airflow's metadata) and `readout` (the
# Readout catalog). The passwords come from the environment (.env); the SQL is in init-databases.sql.
set -euo pipefail

: "${AIRFLOW_DB_PASSWORD:?set AIRFLOW_DB_PASSWORD in .env}"
: "${CATALOG_DB_PASSWORD:?set CATALOG_DB_PASSWORD in .env}"

psql --set ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB:-postgres}" \
    --set airflow_password="${AIRFLOW_DB_PASSWORD}" \
    --set catalog_password="${CATALOG_DB_PASSWORD}" \
    --file /readout-initdb/init-databases.sql
