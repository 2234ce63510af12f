"""A version's ONNX file and its model card, written side by side into a folder.

The card says what an expert advisor needs to feed the file and read its answer (input layout,
N, dtypes, output meaning), which version it is, what data it was trained on and the sha256 of
the .onnx bytes, so the file an EA embeds can be checked against the desk's record.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from engine.config.store import write_atomically
from engine.errors import AurumError, ConfigError
from engine.registry import VersionInfo

CARD_FORMAT = 1
INPUT_MEANING = {
    "time": "bar open time, UTC epoch seconds (MT5's rates[].time is the server clock: "
    "subtract the server's UTC offset)",
    "open": "open price",
    "high": "high price",
    "low": "low price",
    "close": "close price",
    "tick_volume": "tick volume (read by no feature today; send it anyway)",
    "spread": "spread in points (0.01 USD); NaN when unknown",
}


@dataclass(frozen=True)
class OnnxExport:
    """Where the export went and what identifies it."""

    ref: str
    onnx_path: str
    card_path: str
    sha256: str
    size: int
    window_bars: int


def file_stem(ref: str) -> str:
    """``XAUUSD-M5-scalper:v3`` -> ``XAUUSD-M5-scalper-v3`` (':' is not allowed in Windows
    file names, and MetaTrader 5 runs on Windows)."""
    return ref.replace(":", "-")


def require_onnx_extra() -> None:
    missing = [m for m in ("onnx", "onnxruntime", "skl2onnx", "onnxmltools") if not find_spec(m)]
    if missing:
        raise ConfigError(
            f"exporting to ONNX needs the `onnx` extra ({', '.join(missing)} missing): "
            "pip install -e '.[onnx]'"
        )


@dataclass(frozen=True)
class OnnxFile:
    """The file's name, bytes and card, for a download (nothing written)."""

    name: str
    data: bytes
    sha256: str
    card: dict[str, Any]


def onnx_file(model: Any, info: VersionInfo) -> OnnxFile:
    """The version's graph and card in memory (NotExportableError lists what blocks it)."""
    require_onnx_extra()
    from engine.onnx_export.build import build_onnx, check_loads

    built = build_onnx(model, info.details or {}, ref=info.ref)
    check_loads(built.data)
    return OnnxFile(
        f"{file_stem(info.ref)}.onnx", built.data, built.sha256, model_card(built, info)
    )


def export_version(model: Any, info: VersionInfo, out: Path) -> OnnxExport:
    """Build the version's graph (NotExportableError with every blocker when it has none) and
    write ``<ref>.onnx`` and ``<ref>.card.json`` into ``out``; each file is complete or
    absent."""
    require_onnx_extra()
    from engine.onnx_export.build import build_onnx, check_loads

    built = build_onnx(model, info.details or {}, ref=info.ref)
    check_loads(built.data)
    card = model_card(built, info)
    stem = file_stem(info.ref)
    onnx_path, card_path = out / f"{stem}.onnx", out / f"{stem}.card.json"
    card_tmp = write_atomically(card_path, json.dumps(card, indent=2) + "\n")
    try:
        _write_bytes(onnx_path, built.data)
    except BaseException:
        card_tmp.unlink(missing_ok=True)  # neither file, rather than a card without its file
        raise
    os.replace(card_tmp, card_path)
    return OnnxExport(
        info.ref, str(onnx_path), str(card_path), built.sha256, len(built.data), built.window_bars
    )


def model_card(built: Any, info: VersionInfo) -> dict[str, Any]:
    """What the file expects and returns, which version it is, where its data came from."""
    from engine.onnx_export.build import INPUT_COLUMNS, SIGNAL_COLUMNS
    from engine.onnx_export.graph import ML_OPSET, OPSET

    details = info.details or {}
    n = built.window_bars
    return {
        "card_format": CARD_FORMAT,
        "version": {
            "ref": info.ref,
            "id": info.id,
            "lineage": info.lineage,
            "algorithm": info.algorithm,
            "created_at": info.created_at.isoformat(),
        },
        "file": {
            "name": f"{file_stem(info.ref)}.onnx",
            "sha256": built.sha256,
            "bytes": len(built.data),
            "opsets": {"ai.onnx": OPSET, "ai.onnx.ml": ML_OPSET},
            "ir_version": 8,
        },
        "input": {
            "name": "bars",
            "dtype": "float64",
            "shape": ["batch", n, len(INPUT_COLUMNS)],
            "window_bars": n,
            "order": "oldest bar first, the signal's bar last",
            "timeframe": built.timeframe,
            "symbol": info.symbol,
            "columns": [{"name": c, "meaning": INPUT_MEANING[c]} for c in INPUT_COLUMNS],
        },
        "outputs": {
            "probabilities": {
                "dtype": "float64",
                "shape": ["batch", len(built.classes)],
                "classes": built.classes,
                "meaning": "class probabilities in this order: -1 short wins, "
                "0 neither, 1 long wins (only the classes the model knows)",
            },
            "signal": {
                "dtype": "float64",
                "shape": ["batch", len(SIGNAL_COLUMNS)],
                "columns": list(SIGNAL_COLUMNS),
                "min_confidence": built.min_confidence,
                "meaning": _SIGNAL_MEANING,
            },
            "features": {
                "dtype": "float64",
                "shape": ["batch", len(built.features)],
                "columns": built.features,
                "meaning": "the feature row the model read (to compare with the desk)",
            },
        },
        "barriers": details.get("labels") or None,
        "data_origin": {
            "symbol": info.symbol,
            "timeframe": info.timeframe,
            "train_start": _iso(info.train_start),
            "train_end": _iso(info.train_end),
            "data_hash": info.data_hash,
            "session_id": info.session_id,
        },
        "desk_artifact_sha256": info.artifact_sha256,
    }


_SIGNAL_MEANING = (
    "side 1 BUY, -1 SELL, 0 HOLD (BUY when p_long >= min_confidence and p_long > p_short, SELL "
    "mirrored); confidence = max(p_long, p_short); stop_distance and take_distance are price "
    "distances (NaN: no level). A BUY enters at close + entry_spread (the ask): SL = entry - "
    "stop_distance, TP = entry + take_distance; a SELL enters at close: SL = close + "
    "stop_distance, TP = close - take_distance. valid 0: the desk would refuse this window "
    "(bars out of order, bad prices, undefined features); then side is 0."
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _write_bytes(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename: the file is whole or not there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if hashlib.sha256(path.read_bytes()).hexdigest() != hashlib.sha256(data).hexdigest():
        raise AurumError(f"{path} does not hold what was written; export again")
