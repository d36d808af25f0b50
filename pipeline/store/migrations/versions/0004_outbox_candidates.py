"""the search outbox finds its candidates through a partial index instead of scanning every document

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As pipeline.store.schema.UNSETTLED (a migration must not change when the models do).
UNSETTLED = "indexed_revision IS NULL OR indexed_revision < revision"


def upgrade() -> None:
    # NULL everywhere: the first index pass after the upgrade rewrites it from the acknowledgements.
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("indexed_revision", sa.Integer(), nullable=True))
    op.create_index(
        "ix_documents_unsettled",
        "documents",
        ["doc_id"],
        sqlite_where=sa.text(UNSETTLED),
        postgresql_where=sa.text(UNSETTLED),
    )
    op.create_table(
        "index_outbox_target",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("target", sa.String(length=160), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("index_outbox_target")
    op.drop_index("ix_documents_unsettled", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("indexed_revision")
