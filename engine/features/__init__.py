"""Causal features from bars (TA-Lib and vectorised numpy), configured by `FeatureSpec`.

Names are imported lazily so that light commands do not pay for pandas/scipy.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "build_features": "build",
    "feature_names": "names",
    "GROUPS": "spec",
    "FeatureSpec": "spec",
    "higher_timeframe_for": "spec",
    "warmup_bars": "spec",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
