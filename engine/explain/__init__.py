"""Model explanations: SHAP / linear attributions of the latest signals, partial dependence and
out-of-sample permutation importance, cached per version as JSON next to the model file."""

from __future__ import annotations

from engine.lazy import lazy_exports

_HOME = {
    "Explanation": "explanations",
    "SignalExplanation": "explanations",
    "bars_needed": "explanations",
    "check_explainable": "explanations",
    "explanation": "explanations",
}

__getattr__, __all__ = lazy_exports(__name__, _HOME)
