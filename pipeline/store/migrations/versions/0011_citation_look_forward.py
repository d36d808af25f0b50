"""citations: the last day a briefing after a quote's candidate days may be looked for

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Stored rows get none: they look forward again once their document is linked anew (a new version,
    # re-extraction or re-tag), as before this revision they did not look forward at all.
    op.add_column("citations", sa.Column("day_until", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("citations", "day_until")
