"""provenance: every bar's origin (generated | imported | live), the origins each series holds,
and each version's data origin (generated | imported | live | mixed)

Bars stored before origins existed are taken as `imported`, except the series an `aurum demo`
session learnt on (learning_sessions.trigger = 'demo'): those are the demo's generated bars, the
whole series (bars imported into it afterwards cannot be told apart from the generated ones;
`aurum demo --remove` takes them out, and the real file can then be imported again). A version
gets the origin of the stored bars over its training window; without stored bars there, it is
`generated` when a demo session trained it, else `imported`.

Revision ID: 0008_provenance
Revises: 0007_bridge_alerts_shadow
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_provenance"
down_revision: str | Sequence[str] | None = "0007_bridge_alerts_shadow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEMO_SESSIONS = "SELECT id FROM learning_sessions WHERE trigger = 'demo'"


def upgrade() -> None:
    op.add_column(
        "bars",
        sa.Column("origin", sa.String(length=16), server_default="imported", nullable=False),
    )
    op.add_column(
        "model_versions",
        sa.Column("data_origin", sa.String(length=16), server_default="imported", nullable=False),
    )
    op.create_table(
        "bar_origins",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("timeframe", sa.String(length=8), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("symbol", "timeframe", "origin", name=op.f("pk_bar_origins")),
    )
    op.execute(
        "UPDATE bars SET origin = 'generated' WHERE EXISTS (SELECT 1 FROM learning_sessions d "
        "WHERE d.trigger = 'demo' AND d.symbol = bars.symbol AND d.timeframe = bars.timeframe)"
    )
    op.execute(
        "INSERT INTO bar_origins (symbol, timeframe, origin) "
        "SELECT DISTINCT symbol, timeframe, origin FROM bars"
    )
    _version_origins()


def _version_origins() -> None:
    """Each version: the origin of the bars over its training window, else `generated` for a
    demo session's version (the rest keep `imported`). Every series of an old desk holds one
    origin by now, so the series' origin is its window's whenever the window has bars: one
    index probe per version instead of reading each window's bars."""
    series = (
        "FROM {t} JOIN lineages l ON l.id = model_versions.lineage_id "
        "WHERE {t}.symbol = l.symbol AND {t}.timeframe = l.timeframe"
    )
    in_window = "AND bars.ts >= model_versions.train_start AND bars.ts <= model_versions.train_end"
    op.execute(
        "UPDATE model_versions SET data_origin = CASE "
        f"WHEN EXISTS (SELECT 1 {series.format(t='bars')} {in_window}) "
        f"THEN (SELECT MIN(bar_origins.origin) {series.format(t='bar_origins')}) "
        f"WHEN session_id IN ({DEMO_SESSIONS}) THEN 'generated' ELSE 'imported' END"
    )


def downgrade() -> None:
    op.drop_table("bar_origins")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_column("data_origin")
    with op.batch_alter_table("bars", schema=None) as batch_op:
        batch_op.drop_column("origin")
