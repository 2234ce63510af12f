"""Walk-forward validation with purging and embargo, so look-ahead labels cannot leak."""

from engine.validation.walk_forward import SplitError, WalkForwardSplit, label_end_positions

__all__ = ["SplitError", "WalkForwardSplit", "label_end_positions"]
