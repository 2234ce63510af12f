"""The proof on the real M5 file (skipped when absent): for 2,000 random windows and every
window around a daily break, a weekend and a DST switch, the ONNX file's probabilities equal the
desk's own to 1e-5 and the side is identical (but for split ties of histogram gradient boosting,
shown to come from the features' last bits: see `assert_same_signal`), for each algorithm (the
boost ones with the extra)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.data import read_bars
from engine.learner.candidates import available
from tests.conftest import SHARED_DATA
from tests.onnx_export.exported import SMALL, Exported, export
from tests.onnx_export.test_faithful import assert_same_signal

pytestmark = pytest.mark.realdata

REAL_M5 = SHARED_DATA / "XAUUSD_M5_2025-01-02_2025-10-27_mt5.tsv"
DST_SWITCHES = ("2025-03-30 01:00", "2025-10-26 01:00")  # EU clocks change at 01:00 UTC
N = 768


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    if not REAL_M5.exists():
        pytest.skip(f"real data not found at {REAL_M5} (a user's clone has no ../shared)")
    return read_bars(REAL_M5, timeframe="M5", tz="Europe/Athens").frame.reset_index(drop=True)


@pytest.fixture(scope="module")
def ends(real: pd.DataFrame) -> np.ndarray:
    """2,000 random windows, then those around each pause and each DST switch."""
    secs = real["time"].astype("int64").to_numpy() // 10**9
    opens = np.flatnonzero(np.diff(secs) > 300) + 1
    switches = [
        np.searchsorted(secs, pd.Timestamp(s, tz="UTC").value // 10**9) for s in DST_SWITCHES
    ]
    around = (np.append(opens, switches)[:, None] + np.array([-1, 0, 1, 12])[None, :]).ravel()
    random = np.random.default_rng(20).integers(N - 1, len(real), 2_000)
    return np.concatenate([random, np.unique(around[(around >= N - 1) & (around < len(real))])])


@pytest.fixture(scope="module")
def desk_rows() -> dict[str, np.ndarray]:
    return {}  # filled by the first algorithm: the features do not depend on the model


@pytest.mark.parametrize("algorithm", list(SMALL))
def test_the_onnx_signal_is_the_desks_on_the_real_file(
    algorithm: str, real: pd.DataFrame, ends: np.ndarray, desk_rows: dict[str, np.ndarray]
) -> None:
    if not available(algorithm):
        pytest.skip(f"{algorithm} needs the boost extra")
    exported: Exported = export(real, algorithm, fit_rows=20_000)
    assert len(ends) > 2_500
    if "rows" not in desk_rows:
        desk_rows["rows"] = exported.desk_rows(ends)
    assert_same_signal(exported, ends, desk_rows["rows"])
