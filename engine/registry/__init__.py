"""The model registry: immutable versions, an `active` pointer with history, safe model files."""

from engine.registry.registry import ModelRegistry, NewVersion
from engine.registry.types import (
    ActivationRecord,
    CleanupReport,
    Comparison,
    ComparisonRow,
    LineageInfo,
    TrainedOn,
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
    "TrainedOn",
    "VersionInfo",
]
