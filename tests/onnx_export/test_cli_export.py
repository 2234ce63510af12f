"""`aurum export-onnx VERSION --out DIR`: the file and its card, or the blockers and no file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest

from engine.cli.main import main
from engine.data import generate_bars
from engine.learner.predict import SignalModel
from engine.registry import NewVersion
from engine.services import Desk
from tests.conftest import spec
from tests.onnx_export.exported import DETAILS, SPEC, export, raw_windows


def _register(desk: Desk) -> tuple[int, Any]:
    bars = generate_bars(start="2026-03-02", n_bars=2_500, seed=5)
    fitted = export(bars, "logistic_regression", fit_rows=1_500)
    details = {**DETAILS, "feature_spec": SPEC.model_dump(mode="json")}
    new = NewVersion(lineage="XAUUSD-M5-scalper", symbol="XAUUSD", timeframe="M5",
                     algorithm="logistic_regression", features=fitted.onnx.features,
                     data_hash="ab" * 32, details=details)  # fmt: skip
    return desk.registry.register(fitted.model, new).id, fitted


def test_export_writes_the_file_and_a_card_that_names_it(
    desk: Desk, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    version_id, fitted = _register(desk)
    out = tmp_path / "mt5"
    code = main(["export-onnx", str(version_id), "--out", str(out), "--home", str(home), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    onnx_file = out / "XAUUSD-M5-scalper-v1.onnx"
    card = json.loads((out / "XAUUSD-M5-scalper-v1.card.json").read_text())
    data = onnx_file.read_bytes()
    assert printed["sha256"] == card["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert card["version"]["ref"] == "XAUUSD-M5-scalper:v1"
    assert card["input"]["shape"] == ["batch", 768, 7]
    assert [c["name"] for c in card["input"]["columns"]] == [
        "time", "open", "high", "low", "close", "tick_volume", "spread"
    ]  # fmt: skip
    assert card["outputs"]["probabilities"]["classes"] == fitted.model.classes_.tolist()
    assert card["data_origin"]["data_hash"] == "ab" * 32
    assert card["file"]["opsets"] == {"ai.onnx": 15, "ai.onnx.ml": 3}
    model, info = desk.registry.load_model(version_id)
    served = SignalModel(model, info)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    ends = np.arange(1_000, 2_500, 50)
    proba, _, _ = session.run(None, {"bars": raw_windows(fitted.bars, ends, 768)})
    np.testing.assert_allclose(proba, fitted.desk_proba(ends), rtol=0, atol=1e-5)
    assert served.window == 768


def test_a_version_with_no_faithful_graph_is_refused_with_its_blockers(
    desk: Desk, home: Path, tmp_path: Path, small_model: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    version_id = desk.registry.register(small_model, spec()).id
    out = tmp_path / "mt5"
    code = main(["export-onnx", str(version_id), "--out", str(out), "--home", str(home)])
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot be exported to ONNX" in err and "not trained by a learning session" in err
    assert not out.exists()
