"""discovery warnings are recorded per run and source, and a source remembers the run that last polled it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pipeline.store.schema

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_warnings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("occurred_at", pipeline.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_run_warnings_run_id", "run_warnings", ["run_id"])
    with op.batch_alter_table("run_sources") as batch:
        batch.add_column(sa.Column("warnings", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("last_run_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("last_run_id")
    with op.batch_alter_table("run_sources") as batch:
        batch.drop_column("warnings")
    op.drop_index("ix_run_warnings_run_id", table_name="run_warnings")
    op.drop_table("run_warnings")
