"""the pause switch's history (trading_pauses): every pause and resume with who, when and why

Revision ID: 0011_trading_controls
Revises: 0009_metric_trials
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_trading_controls"
down_revision: str | Sequence[str] | None = "0009_metric_trials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trading_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=True),
        sa.Column("figure", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_pauses")),
    )


def downgrade() -> None:
    op.drop_table("trading_pauses")
