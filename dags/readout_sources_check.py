"""
### Readout sources check: broken entries of the sources file, as this file's Airflow import error

This file defines no DAG. `readout_ingest.py` builds an ingest DAG for each valid entry of the sources file
(`READOUT_SOURCES`) and skips the entries it refuses; this file raises one import error that names every
refused entry (the file, the entry and its line, the field, what is wrong), so that the problem shows in
the UI's import errors while the valid sources' DAGs keep running. Airflow marks every DAG of a file with an
import error stale, which is why the error is raised here, in a file of its own, and not in
`readout_ingest.py`.

A problem with the sources file as a whole (missing, not YAML, no `sources` list) is an import error of
every Readout DAG file: nothing can be ingested until it is fixed.
"""

# Airflow's safe mode parses only the files that mention both "airflow" and "dag"; the docstring above does.

from __future__ import annotations

from pipeline.config import Settings, validate_source_entries
from pipeline.errors import ConfigError

_settings = Settings()
_sources, _refused = validate_source_entries(_settings.sources)
if _refused:
    _count = f"{len(_refused)} entry" if len(_refused) == 1 else f"{len(_refused)} entries"
    raise ConfigError(
        f"{_count} of the sources file refused: no ingest DAG until fixed (the other sources run as usual)\n"
        + "\n".join(f"- {error}" for error in _refused)
    )
