"""news documents keep a MinHash signature and its LSH band keys, and a cluster id: near-duplicates fold together;
pending frontier items are re-keyed by the canonical URL that folds AMP, mobile and print views

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE and CREATE INDEX on both backends: a batch copy of ``documents`` would rebuild its
    # partial index from reflection, without its condition (as in 0007). Existing documents get their
    # signature and cluster when they are next stored (a re-fetch, `readout reextract`).
    op.add_column("documents", sa.Column("cluster_id", sa.String(length=64), nullable=True))
    op.create_index("ix_documents_cluster_id", "documents", ["cluster_id"])
    op.create_table(
        "document_signatures",
        sa.Column("doc_id", sa.String(length=64), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("shingles", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.doc_id"]),
        sa.PrimaryKeyConstraint("doc_id"),
    )
    op.create_table(
        "document_bands",
        sa.Column("doc_id", sa.String(length=64), nullable=False),
        sa.Column("band", sa.Integer(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.doc_id"]),
        sa.PrimaryKeyConstraint("doc_id", "band"),
    )
    op.create_index("ix_document_bands_key", "document_bands", ["key", "doc_id"])
    _rekey_frontier()


def _rekey_frontier() -> None:
    """Key the frontier's rows by the canonical URL as it is from now on (AMP, mobile and print views folded),
    so that storing such an item settles its row. Documents are not re-keyed: they keep their ids (the catalog
    finds one stored under a view's URL by its legacy id), since turn ids, search ids and acknowledgements name
    them. The frontier holds only unsettled items, so this reads few rows."""
    from pipeline.urls import canonical_url

    bind = op.get_bind()
    frontier = sa.table("frontier", sa.column("source_id"), sa.column("canonical_url"), sa.column("url"))
    rows = bind.execute(sa.select(frontier.c.source_id, frontier.c.canonical_url, frontier.c.url)).all()
    keys = {(source_id, key) for source_id, key, _ in rows}
    for source_id, key, url in rows:
        folded = canonical_url(url)
        if folded == key or canonical_url(url, variants=False) != key:
            continue
        where = sa.and_(frontier.c.source_id == source_id, frontier.c.canonical_url == key)
        if (source_id, folded) in keys:  # the page itself is pending too: one row is enough
            bind.execute(sa.delete(frontier).where(where))
        else:
            bind.execute(sa.update(frontier).where(where).values(canonical_url=folded))
            keys.add((source_id, folded))


def downgrade() -> None:
    # Frontier rows keep their folded keys: the item is fetched again under its own URL's key, nothing is lost.
    op.drop_index("ix_document_bands_key", table_name="document_bands")
    op.drop_table("document_bands")
    op.drop_table("document_signatures")
    op.drop_index("ix_documents_cluster_id", table_name="documents")
    # SQLite drops a column that no index or key uses in place since 3.35 (its index is dropped above).
    op.drop_column("documents", "cluster_id")
