#!/usr/bin/env bash
# es-certs (one-shot, in the Elasticsearch image, as root): a private CA and the node's TLS certificate, made once
# with elasticsearch-certutil into the es-certs volume, as in Elastic's "Docker Compose with security" example.
# The CA certificate alone (never its key) is copied to the es-ca volume, which Kibana and Airflow mount.
set -euo pipefail

cd /usr/share/elasticsearch
certs=config/certs
public=/run/readout/ca

if [[ ! -f "${certs}/ca/ca.crt" ]]; then
    echo "Creating the CA"
    bin/elasticsearch-certutil ca --silent --pem --out "${certs}/ca.zip"
    unzip -o -q "${certs}/ca.zip" -d "${certs}"
    rm -f "${certs}/ca.zip"
fi

if [[ ! -f "${certs}/elasticsearch/elasticsearch.crt" ]]; then
    echo "Creating the certificate of the elasticsearch node"
    # The names clients use: the service name inside the stack, localhost from the host's published port.
    cat > "${certs}/instances.yml" <<'YAML'
instances:
  - name: elasticsearch
    dns:
      - elasticsearch
      - localhost
    ip:
      - 127.0.0.1
YAML
    bin/elasticsearch-certutil cert --silent --pem \
        --in "${certs}/instances.yml" --out "${certs}/certs.zip" \
        --ca-cert "${certs}/ca/ca.crt" --ca-key "${certs}/ca/ca.key"
    unzip -o -q "${certs}/certs.zip" -d "${certs}"
    rm -f "${certs}/certs.zip"
fi

# Group root (0) may read: Elasticsearch, Kibana and Airflow all run with GID 0 in their images.
chown -R root:root "${certs}"
find "${certs}" -type d -exec chmod 750 {} +
find "${certs}" -type f -exec chmod 640 {} +

mkdir -p "${public}"
cp "${certs}/ca/ca.crt" "${public}/ca.crt"
chown root:root "${public}" "${public}/ca.crt"
chmod 755 "${public}"
chmod 644 "${public}/ca.crt"
echo "Certificates ready"
