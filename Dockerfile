# syntax=docker/dockerfile:1
# The Airflow image of the Readout stack: the official Apache Airflow image with the `readout` package and its
# locked dependencies (uv.lock) added, and Readout's DAGs, plugins and configuration under /opt/readout.
#
#   docker compose build          (what `make up` does), or
#   docker build -t readout-airflow:local .
#
# Airflow itself is never reinstalled: its version comes from the base image, and the install below pins
# apache-airflow to that version so that pip can neither upgrade nor downgrade it. The base image's tag must
# match the apache-airflow version in uv.lock (tests/deploy checks it).

ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

# --- 1. the locked requirements, without Airflow ---------------------------------------------------------
# `--no-default-groups` leaves out both default groups, `dev` (pytest, ruff...) and `airflow` (apache-airflow,
# which the base image already has); `--no-emit-project` leaves out Readout itself, installed in step 3.
FROM python:3.11-slim-bookworm AS requirements
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PYTHON_DOWNLOADS=never
WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN uv export --locked --no-default-groups --no-emit-project --no-hashes --format requirements-txt \
        --output-file /requirements.txt

# --- 2. the Airflow image ----------------------------------------------------------------------------------
FROM ${AIRFLOW_IMAGE}

ENV READOUT_HOME=/opt/readout

# As the airflow user (the image's convention: packages go to ~/.local, never as root), with apache-airflow pinned
# to the image's own version (${AIRFLOW_VERSION} is set by the base image). --no-deps: the exported file is the
# complete, locked closure of Readout's dependencies, so nothing outside it is resolved or touched.
USER airflow
RUN --mount=type=bind,from=requirements,source=/requirements.txt,target=/tmp/readout-requirements.txt \
    pip install --no-cache-dir --no-deps "apache-airflow==${AIRFLOW_VERSION}" -r /tmp/readout-requirements.txt

# --- 3. Readout itself -------------------------------------------------------------------------------------
# Installed in editable mode from /opt/readout: the package finds config/ (index templates, roles, Kibana
# objects) next to pipeline/, as in a checkout. `pip check` fails the build if the locked versions do not fit
# the providers that ship in the base image. The package's bytecode is compiled here (pip does it for the
# dependencies): a task process must not compile it from source each time it starts.
COPY --chown=airflow:0 pyproject.toml README.md ${READOUT_HOME}/
COPY --chown=airflow:0 pipeline/ ${READOUT_HOME}/pipeline/
RUN pip install --no-cache-dir --no-deps --editable ${READOUT_HOME} \
    && python -m compileall -q ${READOUT_HOME}/pipeline \
    && pip check \
    && readout --version

COPY --chown=airflow:0 config/ ${READOUT_HOME}/config/
COPY --chown=airflow:0 dags/ ${READOUT_HOME}/dags/
COPY --chown=airflow:0 plugins/ ${READOUT_HOME}/plugins/
COPY --chown=airflow:0 --chmod=0755 docker/airflow/ ${READOUT_HOME}/docker/airflow/

# Where the raw WARC archive and caches live (a named volume in the compose file; created here so that the
# volume starts owned by the airflow user). Group 0 may write too, and setgid keeps new files in group 0: the
# stack runs as ${AIRFLOW_UID}:0, which need not be the image's airflow user (50000).
RUN mkdir -p /opt/airflow/readout-data \
    && chmod 2775 /opt/airflow/readout-data

ENV AIRFLOW__CORE__DAGS_FOLDER=${READOUT_HOME}/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=${READOUT_HOME}/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    READOUT_SOURCES=${READOUT_HOME}/config/sources.yaml \
    READOUT_TOPICS=${READOUT_HOME}/config/topics.yaml \
    READOUT_COUNTRIES=${READOUT_HOME}/config/countries.yaml \
    READOUT_SPEAKERS=${READOUT_HOME}/config/speakers.yaml \
    READOUT_DATA_DIR=/opt/airflow/readout-data

# The image's own entrypoint, behind a wrapper that exports READOUT_ELASTICSEARCH_API_KEY from the key file the
# stack's es-setup job writes (see docker/airflow/entrypoint.sh and docs/deploy.md).
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/opt/readout/docker/airflow/entrypoint.sh"]
CMD []
