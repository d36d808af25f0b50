#!/usr/bin/env bash
# es-setup (one-shot, in the Elasticsearch image, once Elasticsearch is healthy). Idempotent:
#   1. sets the kibana_system password (Kibana connects with it, over TLS), retrying until Elasticsearch accepts it
#      (PASSWORD_ATTEMPTS tries, RETRY_DELAY seconds apart: 30 and 10 by default);
#   2. creates the roles of config/elasticsearch/roles/*.json (PUT /_security/role/<file name>), with the index
#      prefix substituted as pipeline/index/mappings.load_roles does;
#   3. creates the user <prefix>_pipeline with the writer role (its password is random and never stored: it
#      exists only to own API keys), and grants it an API key, written to the readout-secrets volume
#      (${KEY_FILE}), which the Airflow containers read at start (docker/airflow/entrypoint.sh).
# A key is kept while it still authenticates and the roles are unchanged; otherwise (or with
# ROTATE_WRITER_KEY=1) a new one is granted, and the previous one is invalidated.
set -euo pipefail

: "${ELASTIC_PASSWORD:?set ELASTIC_PASSWORD in .env}"
: "${KIBANA_SYSTEM_PASSWORD:?set KIBANA_SYSTEM_PASSWORD in .env}"

ES_URL="${ES_URL:-https://elasticsearch:9200}"
CA="${CA:-/usr/share/elasticsearch/config/certs/ca/ca.crt}"
ROLES_DIR="${ROLES_DIR:-/readout/roles}"
SECRETS_DIR="${SECRETS_DIR:-/run/readout/secrets}"
KEY_FILE="${SECRETS_DIR}/es-writer.api-key"
KEY_ID_FILE="${SECRETS_DIR}/es-writer.api-key-id"
ROLES_SUM_FILE="${SECRETS_DIR}/es-writer.roles.sha256"
PREFIX="${INDEX_PREFIX:-readout}"
ROLE_PREFIX="${PREFIX//-/_}"
WRITER_ROLE="${ROLE_PREFIX}_writer"
WRITER_USER="${ROLE_PREFIX}_pipeline"

json_string() {  # a JSON string literal for $1
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "${s}"
}

# request METHOD PATH [BODY]: prints the response body; fails (with the status and body) unless it is 2xx.
request() {
    local method=$1 path=$2 body=${3-} out status
    out=$(mktemp)
    local args=(--silent --show-error --cacert "${CA}" -u "elastic:${ELASTIC_PASSWORD}" -X "${method}"
        -H "Content-Type: application/json" -o "${out}" -w "%{http_code}")
    if [[ -n "${body}" ]]; then
        args+=(--data-binary "${body}")
    fi
    status=$(curl "${args[@]}" "${ES_URL}${path}") || status=000
    if [[ "${status}" != 2* ]]; then
        echo "es-setup: ${method} ${path} answered HTTP ${status}: $(cat "${out}")" >&2
        rm -f "${out}"
        return 1
    fi
    cat "${out}"
    rm -f "${out}"
}

echo "Waiting for Elasticsearch to accept the elastic user"
for attempt in $(seq 1 60); do
    if request GET /_security/_authenticate >/dev/null 2>&1; then
        break
    fi
    if [[ "${attempt}" == 60 ]]; then
        request GET /_security/_authenticate >/dev/null  # prints why
        exit 1
    fi
    sleep "${RETRY_DELAY:-5}"
done

# Elastic's own compose recipe retries this until Elasticsearch answers {}: right after the first start the
# security index may not take writes yet (503, or 401 while the elastic password settles). Bounded here, so that
# a wrong ELASTIC_PASSWORD still fails the job with the last answer instead of looping for ever.
echo "Setting the kibana_system password"
password_attempts="${PASSWORD_ATTEMPTS:-30}"
for attempt in $(seq 1 "${password_attempts}"); do
    if request POST /_security/user/kibana_system/_password \
        "{\"password\":$(json_string "${KIBANA_SYSTEM_PASSWORD}")}" >/dev/null; then
        break
    fi
    if [[ "${attempt}" == "${password_attempts}" ]]; then
        echo "es-setup: the kibana_system password was not accepted after ${password_attempts} attempts" >&2
        exit 1
    fi
    sleep "${RETRY_DELAY:-10}"
done

echo "Creating the roles (prefix ${PREFIX})"
roles_sum=""
for file in "${ROLES_DIR}"/*.json; do
    name=$(basename "${file}" .json)
    name="${ROLE_PREFIX}${name#readout}"
    body=$(sed "s/\"readout-/\"${PREFIX}-/g" "${file}")
    request PUT "/_security/role/${name}" "${body}" >/dev/null
    roles_sum+="${name}:$(printf '%s' "${body}" | sha256sum | cut -d' ' -f1) "
    echo "  role ${name}"
done
roles_sum=$(printf '%s' "${roles_sum}" | sha256sum | cut -d' ' -f1)

echo "Creating the user ${WRITER_USER} (role ${WRITER_ROLE})"
writer_password=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
request PUT "/_security/user/${WRITER_USER}" \
    "{\"password\":\"${writer_password}\",\"roles\":[\"${WRITER_ROLE}\"],\"full_name\":\"Readout pipeline (owns the writer API keys)\"}" \
    >/dev/null

key_works() {
    [[ -s "${KEY_FILE}" ]] || return 1
    local status
    status=$(curl --silent --cacert "${CA}" -o /dev/null -w "%{http_code}" \
        -H "Authorization: ApiKey $(cat "${KEY_FILE}")" "${ES_URL}/_security/_authenticate") || return 1
    [[ "${status}" == 200 ]]
}

mkdir -p "${SECRETS_DIR}"
if [[ "${ROTATE_WRITER_KEY:-0}" != 1 ]] && key_works && [[ "$(cat "${ROLES_SUM_FILE}" 2>/dev/null)" == "${roles_sum}" ]]; then
    echo "The writer API key in ${KEY_FILE} still works; kept"
else
    echo "Granting a new writer API key"
    previous_id=$(cat "${KEY_ID_FILE}" 2>/dev/null || true)
    # An API key granted to a user without role_descriptors has exactly that user's roles (a snapshot taken now:
    # this is why a change of the roles rotates the key).
    answer=$(request POST /_security/api_key/grant \
        "{\"grant_type\":\"password\",\"username\":\"${WRITER_USER}\",\"password\":\"${writer_password}\",\"api_key\":{\"name\":\"${PREFIX}-writer-$(date -u +%Y%m%dT%H%M%SZ)\",\"metadata\":{\"managed_by\":\"readout\"}}}")
    encoded=$(printf '%s' "${answer}" | sed -n 's/.*"encoded":"\([^"]*\)".*/\1/p')
    key_id=$(printf '%s' "${answer}" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
    if [[ -z "${encoded}" || -z "${key_id}" ]]; then
        echo "es-setup: unexpected answer to the API key grant: ${answer}" >&2
        exit 1
    fi
    umask 027
    printf '%s' "${encoded}" > "${KEY_FILE}.tmp"
    printf '%s' "${key_id}" > "${KEY_ID_FILE}.tmp"
    printf '%s' "${roles_sum}" > "${ROLES_SUM_FILE}.tmp"
    chown root:root "${KEY_FILE}.tmp" "${KEY_ID_FILE}.tmp" "${ROLES_SUM_FILE}.tmp"
    chmod 640 "${KEY_FILE}.tmp" "${KEY_ID_FILE}.tmp" "${ROLES_SUM_FILE}.tmp"
    mv -f "${KEY_FILE}.tmp" "${KEY_FILE}"
    mv -f "${KEY_ID_FILE}.tmp" "${KEY_ID_FILE}"
    mv -f "${ROLES_SUM_FILE}.tmp" "${ROLES_SUM_FILE}"
    echo "Wrote ${KEY_FILE} (key id ${key_id})"
    if [[ -n "${previous_id}" && "${previous_id}" != "${key_id}" ]]; then
        request DELETE /_security/api_key "{\"ids\":[\"${previous_id}\"]}" >/dev/null \
            && echo "Invalidated the previous key ${previous_id}: restart the Airflow services to pick up the new one"
    fi
fi
chmod 750 "${SECRETS_DIR}"
echo "Elasticsearch setup done"
