"""`aurum models`, `aurum show` and `aurum --help` start fast: run in a fresh interpreter, they
import neither pandas, scikit-learn, SciPy, TA-Lib nor Plotly (a listing needs none of them;
importing them was most of a cold `aurum models`)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.features.spec import FIXED_WINDOW, FeatureSpec
from engine.services import Desk
from tests.conftest import spec

HEAVY = ("pandas", "sklearn", "scipy", "talib", "plotly")
ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from engine.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


@pytest.fixture
def listed(home: Path, small_model: Any) -> str:
    """A desk with one version whose details hold feature settings (`show` prints the history
    its signals need from them)."""
    details = {
        "feature_spec": FeatureSpec().model_dump(),
        "feature_window": FIXED_WINDOW,
        "timeframe": "M5",
    }
    with Desk.open(str(home)) as desk:
        desk.registry.register(
            small_model, dataclasses.replace(spec(sharpe=1.0, trades=120.0), details=details)
        )
    return str(home)


def _fresh(*args: str) -> tuple[int, str, set[str]]:
    """Run `aurum ARGS` in a new interpreter: exit code, output, top-level modules loaded."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return int(report["code"] or 0), done.stdout, set(report["loaded"])


@pytest.mark.parametrize(
    ("args", "shows"),
    [
        (("models",), "XAUUSD-M5-scalper:v1"),
        (("show", "XAUUSD-M5-scalper:v1"), "768 bars per signal (fixed window"),
        (("show", "1", "--json"), '"min_history_bars": 768'),
        (("--help",), "the leaderboard of model versions"),
    ],
)
def test_listing_commands_import_no_data_or_model_library(
    listed: str, args: tuple[str, ...], shows: str
):
    home = () if args == ("--help",) else ("--home", listed)
    code, out, loaded = _fresh(*args, *home)
    assert code == 0 and shows in out
    assert "engine" in loaded  # the probe saw the command's imports
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
