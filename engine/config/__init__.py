"""Configuration: the validated schema of config/phase3_config.json, atomic saves and history."""

from engine.config.schema import SEED_KEYS, Phase3Config, describe_keys
from engine.config.store import ConfigChangeRecord, ConfigStore, parse_value

__all__ = [
    "SEED_KEYS",
    "ConfigChangeRecord",
    "ConfigStore",
    "Phase3Config",
    "describe_keys",
    "parse_value",
]
