"""learning sessions, per-version details linked to them, current metrics per version

Revision ID: 0002_learning_sessions
Revises: 0001_initial
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002_learning_sessions"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "current_metrics",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("metrics_json", sa.Text(), nullable=False),
        sa.Column("trades", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_current_metrics_version_id_model_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "source", name=op.f("pk_current_metrics")),
    )
    _backfill_current_metrics()
    op.create_table(
        "learning_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=True),
        sa.Column("window_end", sa.DateTime(), nullable=True),
        sa.Column("config_hash", sa.String(length=64), nullable=False),
        sa.Column("config_json", sa.Text(), nullable=False),
        sa.Column("config_diff_json", sa.Text(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("library_versions_json", sa.Text(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_sessions")),
    )
    with op.batch_alter_table("learning_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_sessions_status"), ["status"], unique=False)
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("details_json", sa.Text(), nullable=False, server_default="{}")
        )
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_model_versions_session_id"), ["session_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_model_versions_session_id_learning_sessions"),
            "learning_sessions",
            ["session_id"],
            ["id"],
        )


def _backfill_current_metrics() -> None:
    """The newest value of each metric per (version, source) from the history."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT version_id, source, name, value, trades FROM version_metrics ORDER BY id")
    ).all()
    current: dict[tuple[int, str], tuple[dict[str, float | None], int]] = {}
    for version_id, source, name, value, trades in rows:
        metrics, count = current.get((version_id, source), ({}, 0))
        metrics[name] = value
        current[(version_id, source)] = (metrics, max(count, trades))
    now = datetime.now(UTC).replace(tzinfo=None)
    for (version_id, source), (metrics, trades) in current.items():
        conn.execute(
            sa.text(
                "INSERT INTO current_metrics (version_id, source, metrics_json, trades, "
                "updated_at) VALUES (:v, :s, :m, :t, :u)"
            ),
            {"v": version_id, "s": source, "m": json.dumps(metrics), "t": trades, "u": now},
        )


def downgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_model_versions_session_id_learning_sessions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_model_versions_session_id"))
        batch_op.drop_column("session_id")
        batch_op.drop_column("details_json")
    with op.batch_alter_table("learning_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_sessions_status"))
    op.drop_table("learning_sessions")
    op.drop_table("current_metrics")
