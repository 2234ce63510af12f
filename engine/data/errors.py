"""Errors raised by the market-data functions.

`DataError` carries the rows that were refused so a trader can fix the file: its message names the
file and lists up to 20 problems as ``line N: reason`` (``file: reason`` for whole-file problems),
followed by ``... and K more`` when there are more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import AurumError

MAX_LISTED = 20
ECHO_CHARS = 80  # a value from the input is shown cut to this many characters
_REASON_CHARS = 400  # a problem's reason never grows past this, whatever it quotes


def quoted(value: object, limit: int = ECHO_CHARS) -> str:
    """``repr`` of a value from the input, cut to ``limit`` characters (with its full length)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


@dataclass(frozen=True)
class RowProblem:
    """One problem found in an input file; ``line`` is 1-based (header = 1), 0 = whole file."""

    line: int
    reason: str

    def __str__(self) -> str:
        where = "file" if self.line <= 0 else f"line {self.line}"
        reason = self.reason
        if len(reason) > _REASON_CHARS:
            reason = reason[:_REASON_CHARS] + "…"
        return f"{where}: {reason}"


class DataError(AurumError):
    """Market data was refused (bad file, bad parameter, inconsistent bars).

    ``problems`` holds the collected row problems (possibly capped); ``total_problems`` is how many
    were found in all, so the message can say how many were not listed.
    """

    def __init__(
        self,
        message: str,
        problems: Sequence[RowProblem] | None = None,
        *,
        source: str | None = None,
        total_problems: int | None = None,
    ) -> None:
        self.problems: list[RowProblem] = list(problems or [])
        self.source = source
        self.total_problems = max(total_problems or 0, len(self.problems))
        self.summary = message
        super().__init__(self._format())

    def _format(self) -> str:
        head = f"{self.source}: {self.summary}" if self.source else self.summary
        if not self.problems:
            return head
        shown = self.problems[:MAX_LISTED]
        lines = [head, *(f"  {p}" for p in shown)]
        rest = self.total_problems - len(shown)
        if rest > 0:
            lines.append(f"  ... and {rest} more")
        return "\n".join(lines)
