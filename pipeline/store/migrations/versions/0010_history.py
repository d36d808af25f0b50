"""transcript history: removal evidence, the re-check schedule, edits, other-language twins, and each
version's diff from the one before

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both backends (a batch copy of ``documents`` would rebuild its partial
    # index without its condition, as noted in 0007). Stored documents get a re-check planned on their next
    # fetch; their versions keep no diff (history computes it when asked).
    op.add_column("documents", sa.Column("removal_evidence", sa.JSON(), nullable=True))
    op.add_column("documents", sa.Column("recheck_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("documents", sa.Column("recheck_step", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("documents", sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("documents", sa.Column("twin_doc_id", sa.String(length=64), nullable=True))
    op.add_column("documents", sa.Column("twin_unmatched", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("documents", sa.Column("twin_delay_seconds", sa.Integer(), nullable=True))
    op.create_index("ix_documents_recheck_at", "documents", ["recheck_at"])
    op.create_index("ix_documents_twin_doc_id", "documents", ["twin_doc_id"])
    op.add_column("document_versions", sa.Column("diff", sa.JSON(), nullable=True))
    op.add_column("document_versions", sa.Column("cosmetic", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("document_versions", "cosmetic")
    op.drop_column("document_versions", "diff")
    op.drop_index("ix_documents_twin_doc_id", table_name="documents")
    op.drop_index("ix_documents_recheck_at", table_name="documents")
    for column in (
        "twin_delay_seconds",
        "twin_unmatched",
        "twin_doc_id",
        "edited_at",
        "recheck_step",
        "recheck_at",
        "removal_evidence",
    ):
        op.drop_column("documents", column)
