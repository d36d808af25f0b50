"""documents keep their key phrases, the tagging explanation, the declared language and the rules version

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("declared_language", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("key_phrases", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("tag_explanation", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("tagged_with", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("tagged_with")
        batch.drop_column("tag_explanation")
        batch.drop_column("key_phrases")
        batch.drop_column("declared_language")
