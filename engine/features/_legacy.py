"""Round-one feature definitions (TA-Lib over the whole history given), kept only to serve and
replay versions trained with them (`FeatureSpec.fixed_window` is False for those).

Their recursive indicators weigh every bar since the start of the series, so a bar's value moves
with the length of the history: a signal then depends on how many bars the caller sends. New
versions use the fixed windows of `engine.features._window` instead; retraining moves a lineage
onto them. The groups not listed here (returns, range, time, session, regime) never depended on
the history and are shared.
"""

from __future__ import annotations

import numpy as np
import talib

from engine.features._bars import BarArrays
from engine.features._window import ratio
from engine.features.spec import FeatureSpec

Columns = dict[str, np.ndarray]
POINT = 0.01


def legacy_atr(bars: BarArrays, period: int) -> np.ndarray:
    """TA-Lib's Wilder ATR over the whole series given."""
    return np.asarray(talib.ATR(bars.high, bars.low, bars.close, timeperiod=period))


def trend(bars: BarArrays, spec: FeatureSpec) -> Columns:
    emas = {p: talib.EMA(bars.close, timeperiod=p) for p in spec.ema_periods}
    out = {f"close_ema_{p}": bars.close / ema - 1.0 for p, ema in emas.items()}
    if len(emas) > 1:
        fast, slow = min(emas), max(emas)
        out[f"ema_{fast}_{slow}"] = emas[fast] / emas[slow] - 1.0
    out[f"adx_{spec.adx_period}"] = talib.ADX(
        bars.high, bars.low, bars.close, timeperiod=spec.adx_period
    )
    return out


def momentum(bars: BarArrays, spec: FeatureSpec) -> Columns:
    c = bars.close
    macd, signal, hist = talib.MACD(c, spec.macd_fast, spec.macd_slow, spec.macd_signal)
    k, d = talib.STOCH(
        bars.high, bars.low, c,
        fastk_period=spec.stoch_k, slowk_period=spec.stoch_d, slowk_matype=talib.MA_Type.SMA,
        slowd_period=spec.stoch_d, slowd_matype=talib.MA_Type.SMA,
    )  # fmt: skip
    return {
        f"rsi_{spec.rsi_period}": talib.RSI(c, timeperiod=spec.rsi_period),
        "macd": macd / c,
        "macd_signal": signal / c,
        "macd_hist": hist / c,
        "stoch_k": k,
        "stoch_d": d,
    }


def volatility(bars: BarArrays, spec: FeatureSpec) -> Columns:
    p = spec.atr_period
    out = {
        f"atr_{p}": legacy_atr(bars, p),
        f"natr_{p}": talib.NATR(bars.high, bars.low, bars.close, timeperiod=p),
    }
    vols = {w: talib.STDDEV(bars.log_return, timeperiod=w, nbdev=1.0) for w in spec.vol_windows}
    out.update({f"vol_{w}": v for w, v in vols.items()})
    if len(vols) > 1:
        out["vol_ratio"] = ratio(vols[min(vols)], vols[max(vols)], 1.0)
    return out


def bands(bars: BarArrays, spec: FeatureSpec) -> Columns:
    upper, middle, lower = talib.BBANDS(
        bars.close, spec.bb_period, spec.bb_std, spec.bb_std, matype=talib.MA_Type.SMA
    )
    width = upper - lower
    return {"bb_pos": ratio(bars.close - lower, width, 0.5), "bb_width": width / middle}


def spread(bars: BarArrays, spec: FeatureSpec) -> Columns:
    points = bars.spread_points
    missing = np.isnan(points)
    if missing.any():  # the last known value however old, 0 before the first one
        last = np.where(missing, 0, np.arange(len(points)))
        np.maximum.accumulate(last, out=last)
        points = points[last]
        points[np.isnan(points)] = 0.0
    return {"spread_atr": ratio(points * POINT, legacy_atr(bars, spec.atr_period), 0.0)}


def higher_values(closes: np.ndarray, spec: FeatureSpec) -> tuple[np.ndarray, np.ndarray]:
    """RSI and close/EMA - 1 of the higher bars' closes, over the whole series."""
    ema = talib.EMA(closes, timeperiod=spec.htf_ema_period)
    return talib.RSI(closes, timeperiod=spec.rsi_period), closes / ema - 1.0


BUILDERS = {
    "trend": trend,
    "momentum": momentum,
    "volatility": volatility,
    "bands": bands,
    "spread": spread,
}
