"""citations: how the passage was matched (by words, or by meaning with the sentence model)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 14:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("citations", sa.Column("matched_by", sa.String(16), nullable=True))
    # Every link stored before this revision was made by the word rules: there was no other way.
    op.execute("UPDATE citations SET matched_by = 'words' WHERE turn_id IS NOT NULL")


def downgrade() -> None:
    op.drop_column("citations", "matched_by")
