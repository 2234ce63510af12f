"""Market regimes: volatility (low/normal/high) and trend (up/down/range) from past bars only.

Names are imported lazily so that light commands do not pay for pandas.
"""

from __future__ import annotations

from engine.lazy import lazy_exports

_HOME = {
    "RegimeSettings": "settings",
    "Regimes": "detect",
    "detect_regimes": "detect",
    "regime_frame": "detect",
    "regime_label": "detect",
    "regime_warmup": "settings",
    "metrics_by_regime": "breakdown",
    "entry_regimes": "breakdown",
    "version_metrics_by_regime": "performance",
}

__getattr__, __all__ = lazy_exports(__name__, _HOME)
