"""Stable JSON for `--json` output and reports: ISO times, non-finite numbers as strings."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Dataclasses → dicts, datetimes → ISO 8601 UTC, inf → "inf"/"-inf", nan → null."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return to_jsonable(value.item())
    return value
