"""citations: the reported clause a quoted fragment stands in

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Stored rows get none and are aligned as before (the quote on its own) until their document is linked
    # anew (a new version, re-extraction or re-tag), which cites a fragment through its clause.
    op.add_column("citations", sa.Column("context", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("citations", "context")
