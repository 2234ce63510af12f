"""What the Models page shows of one version, as pure functions: the order of the version
list, the parameters as a key/value table, and the features the model uses."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

VERSION_ORDER = "newest first"


def version_choices(board: Sequence[Any]) -> list[str]:
    """The versions' refs, newest registered first (registration time, then id)."""
    ordered = sorted(board, key=lambda v: (v.created_at, v.id), reverse=True)
    return [v.ref for v in ordered]


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(dotted key, scalar) pairs: dicts by key, lists by position, from `path` down."""
    if isinstance(value, Mapping) and value:
        for key, inner in value.items():
            yield from _leaves(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple) and value:
        for i, inner in enumerate(value, start=1):
            yield from _leaves(inner, f"{path}[{i}]")
    else:
        yield path, value


def _text(value: Any) -> str:
    if value is None:
        return "none (library default)"
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, default=str)  # an empty list or dict


def params_frame(params: Mapping[str, Any]) -> pd.DataFrame:
    """One row per parameter, nested ones (an ensemble's members) by dotted key and position:
    `members[1].params.C`. Values are text, so numbers, names and none share a column."""
    rows = [(key, _text(value)) for key, value in _leaves(dict(params), "")] if params else []
    return pd.DataFrame(rows, columns=["parameter", "value"])


@dataclass(frozen=True)
class FeatureUse:
    """The features a version's model uses (`used`), of the `candidates` it was offered."""

    used: list[str]
    candidates: list[str]
    selected: bool  # False: no selection was recorded, the model uses every candidate

    @property
    def left_out(self) -> list[str]:
        chosen = set(self.used)
        return [n for n in self.candidates if n not in chosen]

    @property
    def heading(self) -> str:
        if not self.selected:
            return f"Features ({len(self.used)}, every candidate: no selection recorded)"
        return f"Features ({len(self.used)} used, selected from {len(self.candidates)} candidates)"


def feature_use(v: Any) -> FeatureUse:
    """From the version: its input features are the candidates; the learning session records
    the ones its selection kept (`details["selected_features"]`)."""
    candidates = list(v.features)
    chosen = (v.details or {}).get("selected_features")
    if not chosen:
        return FeatureUse(candidates, candidates, selected=False)
    return FeatureUse([n for n in chosen], candidates, selected=True)
