"""sentence_vectors: briefing answers' sentences as the sentence model embeds them, read by later processes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty at first: each sentence is stored the first time a quote is matched by meaning against it.
    op.create_table(
        "sentence_vectors",
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("model", "digest"),
    )


def downgrade() -> None:
    op.drop_table("sentence_vectors")
