"""Causal features from bars (TA-Lib and vectorised numpy), configured by `FeatureSpec`.

Names are imported lazily so that light commands do not pay for pandas/scipy.
"""

from __future__ import annotations

from engine.lazy import lazy_exports

_HOME = {
    "BarArrays": "_bars",
    "build_features": "build",
    "feature_plan": "build",
    "FeaturePlan": "build",
    "feature_names": "names",
    "GROUPS": "spec",
    "FeatureSpec": "spec",
    "higher_timeframe_for": "spec",
    "history_bars": "spec",
    "inapplicable_groups": "spec",
    "latest_features": "build",
    "signal_window": "history",
    "signal_history": "history",
    "SignalHistory": "history",
    "stored_spec": "spec",
    "FIXED_WINDOW": "spec",
    "MAX_HISTORY_BARS": "spec",
    "warmup_bars": "spec",
}

__getattr__, __all__ = lazy_exports(__name__, _HOME)
