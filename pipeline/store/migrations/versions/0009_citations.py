"""news documents' briefing quotes linked to the exchanges they report (citations), and turns looked up by
ministry and date

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing news documents get their citations when they are next stored (a re-fetch, `readout retag`).
    op.create_table(
        "citations",
        sa.Column("doc_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("quoted", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("speaker", sa.Text(), nullable=True),
        sa.Column("ministry", sa.String(length=2), nullable=False),
        sa.Column("spokesperson_id", sa.String(length=64), nullable=True),
        sa.Column("day_from", sa.Date(), nullable=False),
        sa.Column("day_to", sa.Date(), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("outlets", sa.JSON(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("turn_id", sa.String(length=80), nullable=True),
        sa.Column("briefing_doc_id", sa.String(length=64), nullable=True),
        sa.Column("briefing_day", sa.Date(), nullable=True),
        sa.Column("matched", sa.Text(), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("added", sa.JSON(), nullable=False),
        sa.Column("dropped", sa.JSON(), nullable=False),
        sa.Column("elsewhere", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.doc_id"]),
        sa.PrimaryKeyConstraint("doc_id", "number"),
    )
    op.create_index("ix_citations_turn_id", "citations", ["turn_id"])
    op.create_index("ix_citations_briefing_doc_id", "citations", ["briefing_doc_id"])
    op.create_index("ix_citations_ministry_days", "citations", ["ministry", "day_to", "day_from"])
    op.create_index("ix_turns_ministry_date", "turns", ["ministry", "briefing_date"])


def downgrade() -> None:
    op.drop_index("ix_turns_ministry_date", table_name="turns")
    op.drop_table("citations")
