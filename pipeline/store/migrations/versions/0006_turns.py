"""briefings are split into turns: one row per exchange or announcement

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pipeline.store.schema

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "turns",
        sa.Column("turn_id", sa.String(length=80), nullable=False),
        sa.Column("doc_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("ministry", sa.String(length=2), nullable=False),
        sa.Column("briefing_date", pipeline.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("spokesperson_id", sa.String(length=64), nullable=True),
        sa.Column("spokesperson", sa.Text(), nullable=True),
        sa.Column("outlet_id", sa.String(length=64), nullable=True),
        sa.Column("outlet", sa.Text(), nullable=True),
        sa.Column("journalist", sa.Text(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("utterances", sa.JSON(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("question_countries", sa.JSON(), nullable=False),
        sa.Column("answer_countries", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.doc_id"]),
        sa.PrimaryKeyConstraint("turn_id"),
    )
    op.create_index("ix_turns_doc_id", "turns", ["doc_id"])
    op.create_index("ix_turns_source_date", "turns", ["source_id", "briefing_date"])


def downgrade() -> None:
    op.drop_index("ix_turns_source_date", table_name="turns")
    op.drop_index("ix_turns_doc_id", table_name="turns")
    op.drop_table("turns")
