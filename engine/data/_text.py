"""A bar file as text, streamed: decoding, line splitting, size limits and field splitting.

The file is never read whole: it is decoded block by block and handed on in batches of lines,
so memory follows the bars, not the bytes. Limits (stated in every refusal they cause):
files up to ``MAX_FILE_BYTES`` and lines up to ``MAX_LINE_CHARS`` characters; a longer line is
refused as soon as it is met, with its line number, before the rest of it is read.

Accepted encodings: UTF-8 (with or without BOM; a byte that is not UTF-8 is read as Latin-1),
UTF-16 LE/BE with BOM (MT5 sometimes writes UTF-16 LE) and BOM-less UTF-16 LE. Line ends may be
CRLF, LF or CR. Blank lines are skipped but keep their numbers, so every reported line number is
the line a text editor shows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from engine.data._problems import ProblemLog
from engine.data.errors import DataError, RowProblem, quoted

MAX_FILE_BYTES = 512 * 1024 * 1024  # about 9 million MT5 rows: 30 years of M1 bars
MAX_LINE_CHARS = 1_000  # a bar row has about 60
BATCH_LINES = 200_000  # lines parsed at once
_SEPARATORS = ("\t", ",", ";")
_SEP_NAMES = {"\t": "tabs", ",": "commas", ";": "semicolons"}
_BLOCK_CHARS = 1 << 20
_LATIN1 = "aurum-latin1"


def limits() -> str:
    """The size limits, as every refusal they cause states them."""
    return (
        f"the importer takes files up to {MAX_FILE_BYTES / 2**20:,.0f} MiB "
        f"with lines up to {MAX_LINE_CHARS:,} characters"
    )


def _as_latin1(err: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as Latin-1 characters."""
    if not isinstance(err, UnicodeDecodeError):  # pragma: no cover - registered for decoding
        raise err
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error(_LATIN1, _as_latin1)


class _LineReader:
    """Complete lines (without line ends) of a text stream, a block at a time, counted; an
    over-long line is refused as soon as more than ``MAX_LINE_CHARS`` of it are read."""

    def __init__(self, stream: IO[str], name: str) -> None:
        self.stream, self.name = stream, name
        self.read = 0  # lines handed out so far
        self._carry = ""
        self._done = False

    def block(self) -> list[str] | None:
        """The next complete lines, or None at the end of the file."""
        while not self._done:
            try:
                text = self.stream.read(_BLOCK_CHARS)
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"the file is not valid {exc.encoding.upper()} text", source=self.name
                ) from None
            if not text:
                self._done = True
                lines = [self._carry] if self._carry else []
            else:
                lines = (self._carry + text).split("\n")
                self._carry = lines.pop()
            self._check(lines)
            if lines:
                self.read += len(lines)
                return lines
        return None

    def _check(self, lines: list[str]) -> None:
        if max(map(len, lines), default=0) <= MAX_LINE_CHARS and len(self._carry) <= MAX_LINE_CHARS:
            return
        k = next((i for i, line in enumerate(lines) if len(line) > MAX_LINE_CHARS), len(lines))
        line = lines[k] if k < len(lines) else self._carry
        problem = RowProblem(
            self.read + k + 1,
            f"line is longer than {MAX_LINE_CHARS:,} characters (a bar row has about 60; "
            f"{limits()}); it starts {quoted(line[:40], 40)}",
        )
        raise DataError("refused, nothing was imported", [problem], source=self.name)


@dataclass
class TextTable:
    """An open bar file: its header and separator, then its body in batches of lines."""

    name: str
    header: list[str]
    sep: str
    _reader: _LineReader = field(repr=False)
    _number: int = field(repr=False)
    _pending: list[str] = field(repr=False)

    @property
    def sep_name(self) -> str:
        return _SEP_NAMES.get(self.sep, repr(self.sep))

    def batches(self) -> Iterator[tuple[np.ndarray, pd.Series]]:
        """(file line numbers, non-blank body lines) in batches of up to ``BATCH_LINES``;
        DataError at the first over-long line, or if there is no data row at all."""
        numbers: list[int] = []
        body: list[str] = []
        any_rows = False
        for number, line in self._lines():
            if not line.strip():
                continue
            numbers.append(number)
            body.append(line)
            if len(body) >= BATCH_LINES:
                any_rows = True
                yield np.asarray(numbers, dtype=np.int64), pd.Series(body, dtype="str")
                numbers, body = [], []
        if body:
            yield np.asarray(numbers, dtype=np.int64), pd.Series(body, dtype="str")
        elif not any_rows:
            raise DataError("the file has a header but no data rows", source=self.name)

    def close(self) -> None:
        self._reader.stream.close()

    def __enter__(self) -> TextTable:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _lines(self) -> Iterator[tuple[int, str]]:
        block: list[str] | None = self._pending
        self._pending = []
        while block is not None:
            for line in block:
                self._number += 1
                yield self._number, line
            block = self._reader.block()


def open_table(path: Path) -> TextTable:
    """Open a bar file and read up to its header; DataError if unreadable, too big or empty."""
    reader = _LineReader(_open_text(path), path.name)
    try:
        while (block := reader.block()) is not None:
            for k, line in enumerate(block):
                if line.strip():
                    sep = _detect_separator(line)
                    number = reader.read - len(block) + k + 1
                    header = _split_header(line, sep)
                    return TextTable(path.name, header, sep, reader, number, block[k + 1 :])
    except BaseException:
        reader.stream.close()
        raise
    reader.stream.close()
    raise DataError("the file is empty", source=path.name)


def read_header(path: Path) -> tuple[list[str], str]:
    """Header names and separator of a file, reading only its beginning."""
    with open_table(path) as table:
        return table.header, table.sep


def split_fields(
    lines: np.ndarray, body: pd.Series, table: TextTable, log: ProblemLog
) -> tuple[pd.DataFrame, np.ndarray]:
    """Split body lines into string fields; lines with the wrong field count go to ``log``.

    Returns the fields of the well-formed lines (columns 0..n-1, whitespace and quotes stripped
    later by the caller) and their file line numbers.
    """
    ncols = len(table.header)
    counts = (body.str.count(re.escape(table.sep)) + 1).to_numpy(dtype=np.int64)
    bad = counts != ncols
    if bad.any():
        found = counts[bad]
        log.add(
            lines[bad],
            lambda k: f"expected {ncols} fields separated by {table.sep_name}, found {found[k]}",
        )
    good = body[~bad]
    if good.empty:
        return pd.DataFrame(columns=range(ncols), dtype="str"), lines[~bad]
    fields = pd.read_csv(
        io.StringIO("\n".join(good.tolist())),
        sep=table.sep,
        header=None,
        names=list(range(ncols)),
        dtype="str",
        na_filter=False,
        quoting=csv.QUOTE_NONE,
        skip_blank_lines=False,
        engine="c",
    )
    if len(fields) != len(good):  # pragma: no cover - guarded by the field count check
        raise DataError("internal error: rows were lost while splitting fields", source=table.name)
    return fields, lines[~bad]


def clean(column: pd.Series) -> pd.Series:
    """Strip surrounding whitespace and quotes from string fields."""
    return column.str.strip().str.strip("\"'")


def _open_text(path: Path) -> IO[str]:
    """The file as decoded text with universal line ends; DataError if unreadable or too big."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DataError(
                f"the file is {size / 2**20:,.1f} MiB; {limits()}: split it (e.g. one file "
                "per year) and import each part",
                source=path.name,
            )
        raw = path.open("rb")
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc}", source=path.name) from None
    try:
        codec, errors = _codec(raw.peek(4)[:4] if hasattr(raw, "peek") else b"")
        return io.TextIOWrapper(raw, encoding=codec, errors=errors, newline=None)
    except BaseException:
        raw.close()
        raise


def _codec(head: bytes) -> tuple[str, str]:
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", "strict"  # the BOM says which byte order
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le", "strict"
    return "utf-8-sig", _LATIN1


def _detect_separator(header: str) -> str:
    counts = [header.count(sep) for sep in _SEPARATORS]
    best = max(range(len(_SEPARATORS)), key=lambda i: counts[i])
    return _SEPARATORS[best] if counts[best] else ","


def _split_header(line: str, sep: str) -> list[str]:
    return [name.strip().strip("\"'").strip() for name in line.split(sep)]
