"""The training data's hash is reproducible: same bars → same hash; any change → another."""

from __future__ import annotations

import pandas as pd

from engine.data.synthetic import generate_bars
from engine.learner.dataset import data_hash


def test_same_bars_same_hash_and_any_change_another():
    bars = generate_bars(n_bars=500, seed=4)
    again = generate_bars(n_bars=500, seed=4)
    assert data_hash(bars) == data_hash(again) == data_hash(bars.copy())
    assert len(data_hash(bars)) == 64
    nudged = bars.copy()
    nudged.loc[250, "close"] += 0.01
    shifted = bars.copy()
    shifted["time"] = shifted["time"] + pd.Timedelta(minutes=5)
    hashes = {data_hash(bars), data_hash(nudged), data_hash(shifted), data_hash(bars.iloc[1:])}
    assert len(hashes) == 4
    reindexed = bars.set_axis(range(1000, 1500))
    assert data_hash(reindexed) == data_hash(bars)  # the frame's index is not data
