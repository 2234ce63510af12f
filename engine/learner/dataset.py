"""From stored bars to a learning dataset: causal features, triple-barrier labels, usable rows."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from engine.backtest import CostModel
from engine.backtest.simulate import prepare_market
from engine.config.schema import Phase3Config
from engine.errors import AurumError
from engine.features import MAX_HISTORY_BARS, build_features, feature_names, warmup_bars
from engine.labels import labelled_mask, triple_barrier_labels
from engine.learner.evaluate import Dataset
from engine.validation import label_end_positions


class LearningError(AurumError):
    """A learning session cannot run (not enough data, bad settings); the registry is untouched."""


def cost_model(cfg: Phase3Config) -> CostModel:
    c = cfg.costs
    return CostModel(
        default_spread_points=c.default_spread_points,
        slippage_points=c.slippage_points,
        commission_per_lot=c.commission_per_lot,
        contract_size_oz=c.contract_size_oz,
        lot_size=c.lot_size,
    )


def build_dataset(bars: pd.DataFrame, cfg: Phase3Config, *, timeframe: str) -> Dataset:
    """Features at t use bars <= t; labels look ahead and carry their end bar for purging."""
    learn = cfg.learning
    warm = warmup_bars(cfg.features, timeframe)
    if warm + 1 > MAX_HISTORY_BARS:
        raise LearningError(
            f"the features need {warm + 1:,} {timeframe} bars of history for every signal, more "
            f"than a signal request may send ({MAX_HISTORY_BARS:,}); choose a shorter "
            "features.higher_timeframe (or 'none') or shorter periods for this timeframe"
        )
    needed = warm + learn.min_train_bars + learn.max_holding_bars
    if len(bars) < needed:
        raise LearningError(
            f"only {len(bars):,} {timeframe} bars stored; a session needs at least {needed:,} "
            f"({warm} warm-up + learning.min_train_bars {learn.min_train_bars} + horizon). "
            "Import more with `aurum import-bars` or lower learning.min_train_bars."
        )
    features = build_features(bars, cfg.features, timeframe=timeframe)
    labels = triple_barrier_labels(
        bars,
        take_profit=learn.take_profit,
        stop_loss=learn.stop_loss,
        horizon=learn.max_holding_bars,
        unit=learn.barrier_unit,
        default_spread_points=cfg.costs.default_spread_points,
    )
    values = features.to_numpy(dtype=float)
    usable = labelled_mask(labels) & np.isfinite(values).all(axis=1)
    usable[:warm] = False
    index = np.flatnonzero(usable)
    costs = cost_model(cfg)
    market = prepare_market(
        bars,
        take_profit=learn.take_profit,
        stop_loss=learn.stop_loss,
        horizon=learn.max_holding_bars,
        costs=costs,
        unit=learn.barrier_unit,
    )
    return Dataset(
        bars=bars,
        X=values[index],
        y=labels["label"].to_numpy()[index].astype(int),
        bar_index=index,
        label_end=label_end_positions(index, labels["end_index"].to_numpy()[index]),
        feature_names=feature_names(cfg.features, timeframe),
        market=market,
        costs=costs,
        initial_equity=cfg.account.initial_balance,
    )


def data_hash(bars: pd.DataFrame) -> str:
    """Reproducible sha256 of the bars' values (the same bars give the same hash)."""
    import hashlib

    hashed = pd.util.hash_pandas_object(bars.reset_index(drop=True), index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()


def window(bars: pd.DataFrame) -> tuple[datetime, datetime]:
    return bars["time"].iloc[0].to_pydatetime(), bars["time"].iloc[-1].to_pydatetime()
