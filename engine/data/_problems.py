"""Collects row problems found by vectorised checks; formats only the ones that will be shown."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.data.errors import RowProblem

Reason = Callable[[int], str]
"""Given the position of a problem inside its chunk, return its human-readable reason."""


class ProblemLog:
    """Chunks of (file line numbers, lazy reason); nothing is formatted until `top` is called."""

    def __init__(self) -> None:
        self._chunks: list[tuple[np.ndarray, Reason]] = []

    def add(self, lines: np.ndarray, reason: Reason) -> None:
        """Record one problem per entry of ``lines`` (1-based file lines; 0 = whole file)."""
        lines = np.asarray(lines, dtype=np.int64)
        if lines.size:
            self._chunks.append((lines, reason))

    def add_file(self, reason: str) -> None:
        """Record a problem about the whole file (shown first)."""
        self.add(np.zeros(1, dtype=np.int64), lambda _k: reason)

    @property
    def total(self) -> int:
        return sum(len(lines) for lines, _ in self._chunks)

    def __bool__(self) -> bool:
        return bool(self._chunks)

    def top(self, limit: int) -> list[RowProblem]:
        """The first ``limit`` problems in file order (whole-file problems first)."""
        if not self._chunks or limit <= 0:
            return []
        lines = np.concatenate([c[0] for c in self._chunks])
        chunk = np.concatenate([np.full(len(c[0]), i) for i, c in enumerate(self._chunks)])
        pos = np.concatenate([np.arange(len(c[0])) for c in self._chunks])
        order = np.lexsort((pos, chunk, lines))[:limit]
        return [
            RowProblem(int(lines[i]), self._chunks[int(chunk[i])][1](int(pos[i]))) for i in order
        ]
