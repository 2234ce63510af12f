"""tags and a description per version; named aliases besides `active`, with the same history

Revision ID: 0013_registry_tags_aliases
Revises: 0012_backtest_runs

The history of every pointer stays in `activation_events`: a new `alias` column says which
pointer moved (existing rows are `active`), and `to_version_id` may be empty for the removal of a
named alias.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_registry_tags_aliases"
down_revision: str | Sequence[str] | None = "0012_backtest_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("activation_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("alias", sa.String(length=32), nullable=False, server_default="active")
        )
        batch_op.alter_column("to_version_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "version_tags",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_version_tags_version_id_model_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "key", name=op.f("pk_version_tags")),
    )
    with op.batch_alter_table("version_tags", schema=None) as batch_op:
        batch_op.create_index("ix_version_tags_key_value", ["key", "value"])


def downgrade() -> None:
    op.drop_table("version_tags")
    # the older schema knows only `active`: named aliases and their history go
    op.execute("DELETE FROM aliases WHERE alias <> 'active'")
    op.execute("DELETE FROM activation_events WHERE alias <> 'active'")
    with op.batch_alter_table("activation_events", schema=None) as batch_op:
        batch_op.alter_column("to_version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("alias")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_column("description")
