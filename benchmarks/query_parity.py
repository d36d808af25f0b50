"""Do the two search backends find the same documents? A table of hit counts per query and backend.

Builds the fixture corpus the way a user gets it (``readout demo``: every fixture site served on
loopback, one full cycle, into a temporary data folder), adds the few documents of
``tests.parity.EXTRA_TEXTS`` (forms the fixture pages lack: ``U.S.`` with periods, a curly apostrophe,
``1 000``), indexes everything into a fresh embedded index, and runs each query of
``tests.parity.QUERIES`` (or ``--query``, repeatable) on it and through the Elasticsearch request body
that ``pipeline.index.es_search.build_search_body`` sends, evaluated by ``tests.esquery`` with the
documented semantics of its queries and analyzers (no Elasticsearch runs here). Then the same for
turns (``readout search --turns``): each document's paragraphs as exchanges, each query under each turn
filter (``tests.parity.TURN_FILTERS``), on the embedded turns table and through ``build_turn_search_body``.

    .venv/bin/python benchmarks/query_parity.py [--query TEXT ...]
    make bench-query-parity

Exits 1 when a query finds different documents on the two backends.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.index.projection import Projectable  # noqa: E402
from pipeline.store.catalog import Catalog  # noqa: E402
from tests.parity import QUERIES, compare, compare_turns, extra_documents, table  # noqa: E402


def fixture_documents(data_dir: Path) -> list[Projectable]:
    """The documents ``readout demo`` stores, read back from its catalog."""
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "readout"), "--data-dir", str(data_dir), "demo", "--show", "0"],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    catalog = Catalog.open(f"sqlite:///{data_dir / 'demo' / 'catalog.db'}")
    try:
        return list(catalog.documents())
    finally:
        catalog.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--query", action="append", help="a query to compare (default: the parity test's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        documents = [*fixture_documents(Path(folder) / "data"), *extra_documents()]
        rows = compare(documents, Path(folder), args.query or QUERIES)
        turn_rows = compare_turns(documents, Path(folder), args.query or QUERIES)
    print(f"{len(documents)} documents (the fixture corpus and {len(extra_documents())} extra)\n")
    print(table(rows))
    print("\nturns (the documents' paragraphs as exchanges; each query under each turn filter)\n")
    print(table(turn_rows))
    return 0 if all(row.embedded == row.elasticsearch for row in [*rows, *turn_rows]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
