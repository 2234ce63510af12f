"""The model registry: immutable versions, an `active` pointer with history, safe model files."""

from engine.registry.registry import ModelRegistry, NewVersion
from engine.registry.types import (
    ActivationRecord,
    CleanupReport,
    Comparison,
    ComparisonRow,
    LineageInfo,
    VersionInfo,
)

__all__ = [
    "ActivationRecord",
    "CleanupReport",
    "Comparison",
    "ComparisonRow",
    "LineageInfo",
    "ModelRegistry",
    "NewVersion",
    "VersionInfo",
]
