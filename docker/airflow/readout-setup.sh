#!/usr/bin/env bash
# readout-setup (one-shot): Readout's side of Elasticsearch and Kibana. Idempotent.
#
# 1. `readout index`: migrates the catalog schema (PostgreSQL `readout` database), PUTs the component and index
#    templates of config/elasticsearch/, creates <prefix>-documents-v1 behind its alias when there is none yet,
#    and sends whatever the catalog holds that the index lacks (nothing on a new stack). It authenticates with the
#    writer API key, so a key or role problem shows here, before any DAG runs.
# 2. `readout kibana-setup`: imports the data views, saved searches and dashboards of config/kibana/.
set -euo pipefail

echo "== readout index (catalog schema, index templates, alias)"
readout index

echo "== readout kibana-setup (data views, searches, dashboards)"
readout kibana-setup
