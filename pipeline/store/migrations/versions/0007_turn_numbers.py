"""a document remembers the turn numbers it has given, so that no turn id is ever reused for other content

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both backends (SQLite adds a column with a constant default in place): a batch
    # copy of ``documents`` would rebuild its partial index from reflection, without its condition.
    op.add_column("documents", sa.Column("turns_next", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # SQLite drops a column that no index or key uses in place since 3.35.
    op.drop_column("documents", "turns_next")
