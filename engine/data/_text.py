"""A bar file as text: decoding, line splitting, separator detection and field splitting.

Accepted encodings: UTF-8 (with or without BOM), UTF-16 LE/BE with BOM (MT5 sometimes writes
UTF-16 LE) and BOM-less UTF-16 LE; anything else that is not UTF-8 is read as Latin-1 (the
header check then decides). Line ends may be CRLF, LF or CR. Blank lines are skipped but keep
their numbers, so every reported line number is the line a text editor shows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from engine.data._problems import ProblemLog
from engine.data.errors import DataError

_SEPARATORS = ("\t", ",", ";")
_SEP_NAMES = {"\t": "tabs", ",": "commas", ";": "semicolons"}
_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class TextTable:
    """The header and the non-blank body lines of a file, with their 1-based line numbers."""

    name: str
    header: list[str]
    sep: str
    lines: np.ndarray
    body: pd.Series

    @property
    def sep_name(self) -> str:
        return _SEP_NAMES.get(self.sep, repr(self.sep))


def read_header(path: Path) -> tuple[list[str], str]:
    """Header names and separator of a file, reading only its beginning."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc}", source=path.name) from None
    text = _decode(raw, path.name, partial=True)
    for line in _split_lines(text):
        if line.strip():
            sep = _detect_separator(line)
            return _split_header(line, sep), sep
    raise DataError("the file is empty", source=path.name)


def load_table(path: Path) -> TextTable:
    """Read the whole file; DataError if unreadable, empty or without data rows."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc}", source=path.name) from None
    lines = _split_lines(_decode(raw, path.name))
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise DataError("the file is empty", source=path.name)
    sep = _detect_separator(lines[first])
    body = pd.Series(lines[first + 1 :], dtype="str")
    numbers = np.arange(first + 2, first + 2 + len(body), dtype=np.int64)
    keep = (body.str.strip() != "").to_numpy(dtype=bool)
    if not keep.any():
        raise DataError("the file has a header but no data rows", source=path.name)
    return TextTable(
        name=path.name,
        header=_split_header(lines[first], sep),
        sep=sep,
        lines=numbers[keep],
        body=body[keep].reset_index(drop=True),
    )


def split_fields(table: TextTable, log: ProblemLog) -> tuple[pd.DataFrame, np.ndarray]:
    """Split body lines into string fields; lines with the wrong field count go to ``log``.

    Returns the fields of the well-formed lines (columns 0..n-1, whitespace and quotes stripped
    later by the caller) and their file line numbers.
    """
    ncols = len(table.header)
    counts = (table.body.str.count(re.escape(table.sep)) + 1).to_numpy(dtype=np.int64)
    bad = counts != ncols
    if bad.any():
        found = counts[bad]
        log.add(
            table.lines[bad],
            lambda k: f"expected {ncols} fields separated by {table.sep_name}, found {found[k]}",
        )
    good = table.body[~bad]
    if good.empty:
        return pd.DataFrame(columns=range(ncols), dtype="str"), table.lines[~bad]
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
    return fields, table.lines[~bad]


def clean(column: pd.Series) -> pd.Series:
    """Strip surrounding whitespace and quotes from string fields."""
    return column.str.strip().str.strip("\"'")


def _decode(raw: bytes, name: str, *, partial: bool = False) -> str:
    codec, skip = "utf-8", 0
    if raw.startswith(codecs.BOM_UTF8):
        skip = len(codecs.BOM_UTF8)
    elif raw.startswith(codecs.BOM_UTF16_LE):
        codec, skip = "utf-16-le", 2
    elif raw.startswith(codecs.BOM_UTF16_BE):
        codec, skip = "utf-16-be", 2
    elif len(raw) >= 4 and raw[1] == 0 and raw[3] == 0 and raw[0] != 0:
        codec = "utf-16-le"
    errors = "ignore" if partial else "strict"
    try:
        return raw[skip:].decode(codec, errors=errors)
    except UnicodeDecodeError:
        if codec != "utf-8":
            raise DataError(f"the file is not valid {codec.upper()} text", source=name) from None
        return raw[skip:].decode("latin-1")


def _split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _detect_separator(header: str) -> str:
    counts = [header.count(sep) for sep in _SEPARATORS]
    best = max(range(len(_SEPARATORS)), key=lambda i: counts[i])
    return _SEPARATORS[best] if counts[best] else ","


def _split_header(line: str, sep: str) -> list[str]:
    return [name.strip().strip("\"'").strip() for name in line.split(sep)]
