"""news documents keep a MinHash signature and its LSH band keys, and a cluster id: near-duplicates fold together

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


def downgrade() -> None:
    op.drop_index("ix_document_bands_key", table_name="document_bands")
    op.drop_table("document_bands")
    op.drop_table("document_signatures")
    op.drop_index("ix_documents_cluster_id", table_name="documents")
    # SQLite drops a column that no index or key uses in place since 3.35 (its index is dropped above).
    op.drop_column("documents", "cluster_id")
