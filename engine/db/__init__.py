"""Database access: engine/session factory, ORM tables and Alembic migrations."""

from engine.db.connection import Database, open_database
from engine.db.migrate import HEAD_REVISION, current_revision, upgrade_to_head

__all__ = ["HEAD_REVISION", "Database", "current_revision", "open_database", "upgrade_to_head"]
