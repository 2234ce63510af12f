"""services: leader lease, trigger checks, promotion decisions; trade prices optional (seed API)

Revision ID: 0003_services
Revises: 0002_learning_sessions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_services"
down_revision: str | Sequence[str] | None = "0002_learning_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("next_runs_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_leases")),
    )
    op.create_table(
        "trigger_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("fired", sa.String(length=128), nullable=False),
        sa.Column("results_json", sa.Text(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_checks")),
    )
    with op.batch_alter_table("trigger_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trigger_checks_checked_at"), ["checked_at"])
    op.create_table(
        "promotion_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("challenger_id", sa.Integer(), nullable=False),
        sa.Column("champion_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.Column("evidence_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenger_id"],
            ["model_versions.id"],
            name=op.f("fk_promotion_decisions_challenger_id_model_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["champion_id"],
            ["model_versions.id"],
            name=op.f("fk_promotion_decisions_champion_id_model_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_decisions")),
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.alter_column("open_price", existing_type=sa.Float(), nullable=True)
        batch_op.alter_column("close_price", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.alter_column("open_price", existing_type=sa.Float(), nullable=False)
        batch_op.alter_column("close_price", existing_type=sa.Float(), nullable=False)
    op.drop_table("promotion_decisions")
    with op.batch_alter_table("trigger_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_checks_checked_at"))
    op.drop_table("trigger_checks")
    op.drop_table("service_leases")
