"""Model features from bars: the settings schema, causal builders and warm-up lengths.

``build_features(bars, spec, timeframe=...)`` returns float64 columns named by
``feature_names(spec, timeframe)``; the value at bar t uses only bars up to and including t.
"""

from engine.features.build import build_features
from engine.features.names import feature_names
from engine.features.spec import GROUPS, FeatureSpec, higher_timeframe_for, warmup_bars

__all__ = [
    "GROUPS",
    "FeatureSpec",
    "build_features",
    "feature_names",
    "higher_timeframe_for",
    "warmup_bars",
]
