"""What every kind of Readout task shares: run ids, DAG ids, pools, ``default_args``, the catalog, the sources."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from pipeline.config import Settings, Source, validate_source_entries
from pipeline.errors import ConfigError
from pipeline.ingest import Counts
from pipeline.store.catalog import Catalog

#: Namespace of the catalog run ids derived from Airflow's (dag_id, run_id): the same DAG run always
#: maps to the same catalog run, however often its tasks are retried.
_RUN_NAMESPACE = uuid.UUID("5f0c7a52-2f6e-4d55-9a51-6a0d2b1e7c3e")


def readout_run_id(dag_id: str, run_id: str) -> str:
    """The catalog run id of an Airflow DAG run."""
    return str(uuid.uuid5(_RUN_NAMESPACE, f"{dag_id}/{run_id}"))


def ingest_dag_id(source_id: str) -> str:
    """The id of a source's ingest DAG."""
    return f"readout_ingest_{source_id}"


def host_pool(url: str) -> str:
    """The Airflow pool of the host serving ``url``: one slot, shared by every DAG that reads the host."""
    host = (urlsplit(url).hostname or "unknown").lower()
    return "readout_host_" + re.sub(r"[^a-z0-9]+", "_", host).strip("_")


def source_pool(source: Source) -> str:
    """The pool of a source's tasks: its discovery host (where its items live too, for every source we know)."""
    return host_pool(source.discovery.urls[0])


def default_args(
    *, timeout: timedelta, retries: int = 2, retry_delay: timedelta = timedelta(minutes=2)
) -> dict[str, Any]:
    """The ``default_args`` every Readout DAG shares: owner, retries with exponential backoff, a timeout."""
    return {
        "owner": "readout",
        "retries": retries,
        "retry_delay": retry_delay,
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timeout,
    }


def pools_spec(sources: Iterable[Source]) -> dict[str, dict[str, object]]:
    """Pools for ``airflow pools import``: one slot per host, so that politeness holds across DAGs."""
    spec: dict[str, dict[str, object]] = {}
    for source in sources:
        name = source_pool(source)
        entry = spec.setdefault(
            name, {"slots": 1, "description": "Readout: one request stream per host", "include_deferred": False}
        )
        entry["description"] = f"Readout: one request stream to {urlsplit(source.discovery.urls[0]).hostname}"
    return spec


def open_catalog(settings: Settings) -> Catalog:
    """The catalog the settings name (every task opens its own and closes it before returning)."""
    return Catalog.for_settings(settings)


def brief_counts(counts: Counts) -> str:
    """Counts for a log line: the non-zero ones, or "nothing"."""
    return (
        ", ".join(f"{value} {key.replace('_', ' ')}" for key, value in counts.as_dict().items() if value) or "nothing"
    )


def load_source(settings: Settings, source_id: str) -> Source:
    """The source ``source_id`` as the sources file says now (tasks read it at run time, not parse time)."""
    sources, errors = validate_source_entries(settings.sources)
    for source in sources:
        if source.id == source_id:
            return source
    broken = entry_error(errors, source_id)
    if broken is not None:
        raise broken
    raise ConfigError(f"no source {source_id!r}", file=str(settings.sources))


def entry_error(errors: Iterable[ConfigError], source_id: str) -> ConfigError | None:
    """The error that kept the entry with id ``source_id`` out of the sources (entries are labelled "'id' (line N)"
    by :func:`pipeline.config.validate_source_entries`), or None."""
    return next((error for error in errors if (error.entry or "").startswith(f"'{source_id}'")), None)
