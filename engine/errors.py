"""One exception hierarchy for the engine; the CLI and dashboard show these at the edge.

Every message is written for a trader: what went wrong, where (file, line, key) and what to do.
"""

from __future__ import annotations


class AurumError(Exception):
    """Base of every error the engine raises on purpose; shown to the user as-is."""


class ConfigError(AurumError):
    """A configuration key has a bad value or the config file cannot be read (handled: CLI/UI)."""


class SchemaError(AurumError):
    """The database schema is missing or stale; the message says to run `aurum init`."""


class DatabaseError(AurumError):
    """The database refused an operation (locked, unreachable, constraint)."""


class NotFoundError(AurumError):
    """A version, lineage or trade named by the user does not exist."""


class RegistryError(AurumError):
    """A registry rule was broken (e.g. nothing to roll back to, cleanup of a protected version)."""


class DemoModelRefusedError(RegistryError):
    """The active version was trained on generated bars and serving.allow_demo_models is off:
    it is not handed to the trading side (signals answer HOLD with this reason)."""


class ArtifactError(AurumError):
    """A model file is missing, tampered with, truncated or holds untrusted types; never loaded."""


class TradeError(AurumError):
    """A trade record failed validation (bad field, unknown model version)."""


class TicketConflictError(TradeError):
    """A ticket already logged comes again with other values (tickets are unique)."""


class PermissionDeniedError(AurumError):
    """The acting user's role does not allow the action (viewers read; operators act)."""


class AuthError(AurumError):
    """A login failed (wrong name or password, locked out) or a user command was refused."""


class UnsafePathError(AurumError):
    """A name that would reach the filesystem tries to escape the Aurum home folder."""


class AlertDeliveryError(AurumError):
    """An alert did not reach its webhook; it stays recorded with the error (handled: CLI)."""


class NotExportableError(AurumError):
    """A version with parts that have no faithful ONNX graph; ``blockers`` lists every one
    (handled: CLI, export)."""

    def __init__(self, ref: str, blockers: list[str]) -> None:
        self.blockers = blockers
        super().__init__(
            f"{ref} cannot be exported to ONNX without changing its signals: " + "; ".join(blockers)
        )
