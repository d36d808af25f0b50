#!/usr/bin/env bash
# Entrypoint of the Readout Airflow image: hands the Elasticsearch writer key to the pipeline, then runs the
# official Airflow entrypoint (/entrypoint: waits for the database, then runs `airflow <command>`).
#
# The stack's es-setup job creates an API key for the least-privilege `readout_writer` role and writes it to a
# shared volume (never to .env or the compose file). Each Airflow container reads it here, once, at start, and
# exports it as READOUT_ELASTICSEARCH_API_KEY; tasks inherit it from the scheduler or worker process.
# A READOUT_ELASTICSEARCH_API_KEY already set (e.g. from .env) wins over the file.
#
#   entrypoint.sh scheduler               -> /entrypoint scheduler (airflow scheduler)
#   entrypoint.sh bash script.sh          -> /entrypoint bash script.sh
#   entrypoint.sh readout search words    -> readout search words (no Airflow start-up checks)
set -euo pipefail

key_file="${ELASTICSEARCH_API_KEY_FILE:-/run/readout/secrets/es-writer.api-key}"

if [[ -z "${READOUT_ELASTICSEARCH_API_KEY:-}" && -n "${READOUT_ELASTICSEARCH_URL:-}" ]]; then
    if [[ -r "${key_file}" && -s "${key_file}" ]]; then
        READOUT_ELASTICSEARCH_API_KEY="$(<"${key_file}")"
        export READOUT_ELASTICSEARCH_API_KEY
    else
        echo "readout: no Elasticsearch API key in ${key_file}; indexing will fail until es-setup has run" >&2
    fi
fi

if [[ "${1:-}" == "readout" ]]; then
    exec "$@"
fi
exec /entrypoint "$@"
