"""learning sessions count their trials: every candidate, search trial and ensemble a session
evaluated, so the deflated Sharpe of a lineage counts all of them (summed per symbol/timeframe
without reading every session's result), backfilled from the stored results

Revision ID: 0009_metric_trials
Revises: 0008_provenance
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009_metric_trials"
down_revision: str | Sequence[str] | None = "0008_provenance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def recorded_trials(result: dict[str, Any], config: dict[str, Any]) -> int:
    """A stored session's trials: its single-model candidates plus every configured ensemble
    (each counted as a trial even when it was skipped), else every candidate it recorded."""
    candidates = result.get("candidates") or []
    singles = [c for c in candidates if not str(c.get("algorithm", "")).startswith("ensemble_")]
    ensembles = (config.get("learning") or {}).get("ensembles") or []
    return max(len(candidates), len(singles) + len(ensembles))


def upgrade() -> None:
    with op.batch_alter_table("learning_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trials", sa.Integer(), nullable=False, server_default="0"))
    sessions = sa.table(
        "learning_sessions",
        sa.column("id", sa.Integer()),
        sa.column("result_json", sa.Text()),
        sa.column("config_json", sa.Text()),
        sa.column("trials", sa.Integer()),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(sessions.c.id, sessions.c.result_json, sessions.c.config_json))
    for session_id, result_json, config_json in rows.all():
        trials = recorded_trials(json.loads(result_json or "{}"), json.loads(config_json or "{}"))
        if trials:
            conn.execute(sessions.update().where(sessions.c.id == session_id).values(trials=trials))


def downgrade() -> None:
    with op.batch_alter_table("learning_sessions", schema=None) as batch_op:
        batch_op.drop_column("trials")
