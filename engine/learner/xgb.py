"""XGBoost with our labels: it wants classes 0..K-1, ours are -1 (short), 0 (hold), 1 (long).

Module-level so that skops can name the type (it is on the registry's allow-list); imported only
when an XGBoost candidate is built or loaded (the `boost` extra).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xgboost import XGBClassifier


class XGBLabelClassifier(XGBClassifier):  # type: ignore[misc]
    """An XGBClassifier that encodes any sorted labels to 0..K-1 and decodes its predictions."""

    @property
    def classes_(self) -> Any:
        if getattr(self, "encoding_", False) or not hasattr(self, "label_classes_"):
            return np.arange(self.n_classes_)  # what XGBoost itself expects while fitting
        return self.label_classes_

    def fit(self, X: Any, y: Any, **kwargs: Any) -> XGBLabelClassifier:
        labels, encoded = np.unique(np.asarray(y), return_inverse=True)
        self.encoding_ = True
        try:
            super().fit(X, encoded, **kwargs)
        finally:
            self.encoding_ = False
        self.label_classes_ = labels
        return self

    def predict(self, X: Any, **kwargs: Any) -> Any:
        return self.label_classes_[np.asarray(super().predict(X, **kwargs), dtype=int)]
