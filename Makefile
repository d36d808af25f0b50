# Readout — the two commands: `make run` (one ingest cycle) and `make test` (the whole suite).
# Everything installs into .venv from uv.lock; uv itself is bootstrapped with pip when missing.

PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
# Use the platform certificate store (uv >= 0.9 reads UV_SYSTEM_CERTS, older releases UV_NATIVE_TLS), so
# that machines behind a TLS-inspecting proxy with a locally trusted CA can install too.
export UV_SYSTEM_CERTS := 1
export UV_NATIVE_TLS := 1
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .tools/bin/uv
endif
VENV_STAMP := .venv/.synced-$(shell cat uv.lock pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: help install run demo test lint format typecheck bench bench-extraction bench-cycle bench-search bench-outbox bench-airflow bench-tagging eval-tagging eval-turns eval-quotes eval-coverage eval-dedup bench-query-parity bench-throughput bench-recheck clean \
	up down logs smoke urls airflow

help:  ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

# --compile-bytecode: the dependencies' bytecode is written once here, so that no command compiles them from
# source again where Python may not write its caches (PYTHONDONTWRITEBYTECODE, read-only installs): that
# costs about 2 CPU-seconds per process, in every run, every worker pool and every test that starts one.
$(VENV_STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --compile-bytecode
	rm -f .venv/.synced-*
	touch $@

install: $(VENV_STAMP)  ## Install Readout and its locked dependencies into .venv
	-@.venv/bin/python -m compileall -q pipeline plugins dags

run: install  ## Run one full ingest cycle of the configured sources (embedded defaults: SQLite, ./data)
	.venv/bin/readout run

demo: install  ## Run the same cycle over the bundled fixture sites on loopback (no internet needed)
	.venv/bin/readout demo

# One worker per core (pytest-xdist). --dist loadscope keeps each module on one worker, so that a module's
# fixtures (a labelled set scored once, a corpus indexed on both backends) are built once, not once per worker.
test: install  ## Run the whole test suite (on every core)
	.venv/bin/pytest -n auto --dist loadscope

lint: install  ## ruff (lint and format check) and mypy
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

format: install  ## Format and autofix with ruff
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

typecheck: install
	.venv/bin/mypy

bench: bench-extraction bench-cycle bench-search bench-outbox bench-airflow bench-tagging eval-tagging eval-turns eval-quotes eval-dedup  ## Run the benchmarks (need ../shared/data for extraction)

bench-extraction: install  ## Extraction quality and speed on the article-extraction benchmark
	.venv/bin/python benchmarks/extraction.py

bench-cycle: install  ## A no-change incremental cycle over all fixture sources
	.venv/bin/python benchmarks/cycle.py

bench-search: install  ## Embedded index speed on 100,000 generated documents, and bulk-action building
	.venv/bin/python benchmarks/search.py --docs 100000

eval-dedup: install  ## Near-duplicates: pair P/R (tune and holdout), cost vs extraction, lookup time at 2,000 vs 20,000 documents
	.venv/bin/python benchmarks/dedup_eval.py --sweep

bench-query-parity: install  ## Hits per query on each search backend over the fixture corpus (must find the same documents)
	.venv/bin/python benchmarks/query_parity.py

bench-outbox: install  ## The index step end to end: catalog outbox → embedded index → acknowledgements
	.venv/bin/python benchmarks/outbox.py --docs 100000

bench-airflow: install  ## Event trigger vs 15-minute cron latency, and a no-change DAG run next to `readout run`
	.venv/bin/python benchmarks/airflow_runs.py

bench-tagging: install  ## Tagging speed, and its share of extraction time (needs ../shared/data)
	.venv/bin/python benchmarks/tagging_speed.py

bench-throughput: install  ## Pages/s of `readout run` vs bare trafilatura (2 processes) on 2,000 real pages, peak RSS at 500/2,000, CPU per stage
	.venv/bin/python benchmarks/throughput.py --pages 2000 --memory --stages

bench-recheck: install  ## A no-change re-check cycle over 2,000 and 20,000 due briefing pages: requests, full downloads (0), wall time
	.venv/bin/python benchmarks/recheck_cost.py

eval-tagging: install  ## Tagging quality: P/R/F1 per topic and country on the labelled set
	.venv/bin/python benchmarks/tagging_eval.py --countries

eval-turns: install  ## Briefing turns: boundary P/R/F1, speaker/outlet accuracy per ministry (tune and holdout), cost vs extraction
	.venv/bin/python benchmarks/turns_eval.py

eval-coverage: install  ## Coverage: links from news quotes to exchanges (P/R) and verdict accuracy per class (tune and holdout)
	.venv/bin/python benchmarks/coverage_eval.py

eval-quotes: install  ## News quotes: quote P/R and speaker accuracy per language (tune and holdout), cost vs extraction
	.venv/bin/python benchmarks/quotes_eval.py

clean:  ## Remove the virtualenv, caches and the local data folder
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache data

# --- The Docker stack (docs/deploy.md): Airflow, PostgreSQL, Elasticsearch, Kibana ---------------------------

COMPOSE ?= docker compose

.env:
	sh docker/make-env.sh .env.example .env

up: .env  ## Start the Docker stack and wait until every service is healthy (creates .env with random secrets)
	$(COMPOSE) up -d --build --wait
	@$(MAKE) --no-print-directory urls

down:  ## Stop the Docker stack (the data volumes are kept; `docker compose down -v` deletes them)
	$(COMPOSE) --profile celery down

logs:  ## Follow the Docker stack's logs (SERVICE=airflow-scheduler for one service)
	$(COMPOSE) --profile celery logs --follow --tail=100 $(SERVICE)

smoke: .env  ## The stack end to end with Docker: one ingest DAG run, documents in Elasticsearch, Kibana data view
	bash docker/smoke.sh

urls:
	@set -a; . ./.env; set +a; \
	echo "Airflow        $${AIRFLOW_PUBLIC_URL:-http://localhost:8080}  (user $${AIRFLOW_ADMIN_USERNAME:-admin}, password AIRFLOW_ADMIN_PASSWORD in .env)"; \
	echo "Kibana         $${KIBANA_PUBLIC_URL:-http://localhost:5601}  (user elastic, password ELASTIC_PASSWORD in .env)"; \
	echo "Elasticsearch  https://localhost:$${ES_PORT:-9200}  (TLS, the stack's own CA: see docs/deploy.md)"

# Airflow on this machine without Docker (scripts/airflow-standalone.sh): SQLite metadata in .airflow/, the
# repository's DAGs and plugins, the pipeline's embedded defaults in ./data; exported settings win.
airflow: install  ## Airflow standalone without Docker (UI on http://localhost:8080; prints where the password is)
	bash scripts/airflow-standalone.sh
