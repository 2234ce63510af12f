"""learning sessions record which process runs them (host:pid), so an interrupted one is found

Revision ID: 0005_session_runner
Revises: 0004_users
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_session_runner"
down_revision: str | Sequence[str] | None = "0004_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("learning_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("runner", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("learning_sessions", schema=None) as batch_op:
        batch_op.drop_column("runner")
