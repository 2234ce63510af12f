"""The demo desk: synthetic bars, really fitted models with cost-aware out-of-sample trades.

A stand-in for the full learner (which replaces the training part): every number it records is
computed from real fits on generated bars, never typed in. Generated data is labelled as such.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from engine.config.schema import Phase3Config

DEMO_ALGORITHMS = ("logistic_regression", "random_forest", "hist_gradient_boosting")
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class SimulatedTrade:
    ticket: str
    side: str
    open_time: datetime
    close_time: datetime
    open_price: float
    close_price: float
    profit: float
    commission: float
    confidence: float


def make_features(bars: pd.DataFrame) -> pd.DataFrame:
    """Causal features (bar t uses bars <= t): lagged returns, volatility, range, spread, hour."""
    close = bars["close"]
    logret = np.log(close).diff()
    feats = pd.DataFrame(index=bars.index)
    for lag in (1, 3, 6, 12):
        feats[f"ret_{lag}"] = np.log(close).diff(lag)
    feats["vol_12"] = logret.rolling(12).std()
    feats["vol_48"] = logret.rolling(48).std()
    feats["range_rel"] = (bars["high"] - bars["low"]) / close
    feats["zscore_48"] = (close - close.rolling(48).mean()) / close.rolling(48).std()
    feats["spread"] = bars["spread_points"].astype(float)
    hour = bars["time"].dt.hour
    feats["hour_sin"] = np.sin(2 * np.pi * hour / 24)
    feats["hour_cos"] = np.cos(2 * np.pi * hour / 24)
    return feats


def make_labels(bars: pd.DataFrame, horizon: int) -> pd.Series:
    """1 when the close `horizon` bars ahead is higher than the next open (look-ahead label)."""
    entry = bars["open"].shift(-1)
    exit_ = bars["close"].shift(-horizon)
    return (exit_ > entry).astype(float).where(exit_.notna())


def build_estimator(algorithm: str, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if algorithm == "logistic_regression":
        model: Any = LogisticRegression(C=0.5, max_iter=500)
    elif algorithm == "random_forest":
        model = RandomForestClassifier(
            n_estimators=100, max_depth=6, min_samples_leaf=50, random_state=seed, n_jobs=1
        )
    else:
        model = HistGradientBoostingClassifier(max_iter=100, max_depth=4, random_state=seed)
    return Pipeline([("scale", StandardScaler()), ("model", model)])


def simulate_trades(
    bars: pd.DataFrame, proba: np.ndarray, cfg: Phase3Config, *, horizon: int, prefix: str
) -> list[SimulatedTrade]:
    """Enter at the next bar's open when confident, exit `horizon` bars later; pay costs."""
    costs, threshold = cfg.costs, cfg.learning.min_confidence
    units = costs.contract_size_oz * costs.lot_size
    trades: list[SimulatedTrade] = []
    i, n = 0, len(bars)
    while i < n - horizon - 1:
        p_up = float(proba[i])
        conf = max(p_up, 1 - p_up)
        if conf < threshold:
            i += 1
            continue
        direction = 1 if p_up >= 0.5 else -1
        entry_bar, exit_bar = bars.iloc[i + 1], bars.iloc[i + horizon]
        spread = entry_bar["spread_points"] or costs.default_spread_points
        cost_price = (float(spread) + 2 * costs.slippage_points) * 0.01
        move = direction * (float(exit_bar["close"]) - float(entry_bar["open"])) - cost_price
        trades.append(
            SimulatedTrade(
                ticket=f"{prefix}-{i}",
                side="buy" if direction > 0 else "sell",
                open_time=entry_bar["time"].to_pydatetime(),
                close_time=(exit_bar["time"] + pd.Timedelta(minutes=5)).to_pydatetime(),
                open_price=float(entry_bar["open"]),
                close_price=float(exit_bar["close"]),
                profit=round(move * units, 2),
                commission=-round(costs.commission_per_lot * costs.lot_size, 2),
                confidence=conf,
            )
        )
        i += horizon
    return trades


def data_hash(frame: pd.DataFrame) -> str:
    """Reproducible sha256 of the training bars (values, not object identity)."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class FittedCandidate:
    algorithm: str
    estimator: Any
    features: list[str]
    train_start: datetime
    train_end: datetime
    data_hash: str
    test_trades: list[SimulatedTrade]
    params: dict[str, Any]


def fit_candidates(
    bars: pd.DataFrame, cfg: Phase3Config, *, horizon: int = 12, progress: Progress | None = None
) -> list[FittedCandidate]:
    """Fit each demo algorithm on the first 70 % and trade it on the rest (after a gap)."""
    feats, labels = make_features(bars), make_labels(bars, horizon)
    usable = feats.notna().all(axis=1) & labels.notna()
    split = int(len(bars) * 0.7)
    train_idx = bars.index[:split][usable.iloc[:split].to_numpy()]
    train_idx = train_idx[: max(0, len(train_idx) - horizon)]  # purge labels crossing the split
    test = bars.iloc[split:].reset_index(drop=True)
    test_feats = feats.iloc[split:].reset_index(drop=True).ffill().fillna(0.0)
    out = []
    for k, algorithm in enumerate(DEMO_ALGORITHMS):
        if progress:
            progress(f"fitting {algorithm}", k / len(DEMO_ALGORITHMS))
        est = build_estimator(algorithm, cfg.learning.random_seed)
        est.fit(feats.loc[train_idx].to_numpy(), labels.loc[train_idx].to_numpy().astype(int))
        proba = est.predict_proba(test_feats.to_numpy())[:, 1]
        trades = simulate_trades(test, proba, cfg, horizon=horizon, prefix=f"bt-{algorithm}")
        out.append(
            FittedCandidate(
                algorithm,
                est,
                list(feats.columns),
                bars["time"].iloc[0].to_pydatetime(),
                bars["time"].iloc[split - 1].to_pydatetime(),
                data_hash(bars.iloc[:split]),
                trades,
                {k2: str(v) for k2, v in est.named_steps["model"].get_params().items()},
            )
        )
    return out


def demo_start() -> datetime:
    """Demo bars end about now, so the desk looks current."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=120)


@dataclass(frozen=True)
class DemoResult:
    bars: int
    versions: list[str]
    active: str
    live_trades: int


def store_bars(desk: Any, bars: pd.DataFrame, *, symbol: str, timeframe: str) -> int:
    """Insert generated bars (demo only; real imports go through the importers)."""
    from sqlalchemy import insert

    from engine.db.schema import Bar

    rows = [
        {
            "symbol": symbol,
            "timeframe": timeframe,
            "ts": t.to_pydatetime(),
            "open": o,
            "high": h,
            "low": lo,
            "close": c,
            "tick_volume": int(v),
            "spread_points": int(sp),
        }
        for t, o, h, lo, c, v, sp in bars[
            ["time", "open", "high", "low", "close", "tick_volume", "spread_points"]
        ].itertuples(index=False)
    ]
    with desk.db.session(write=True) as s:
        s.execute(insert(Bar), rows)
    return len(rows)


def seed_demo(desk: Any, *, n_bars: int = 24_000, progress: Progress | None = None) -> DemoResult:
    """Generate bars, fit three models, register them with their out-of-sample metrics,
    activate two in turn (so there is history to roll back), and log live trades."""
    from engine.data.synthetic import generate_bars
    from engine.metrics.summary import summarize
    from engine.registry import NewVersion

    cfg: Phase3Config = desk.config()
    symbol, timeframe = cfg.learning.symbol, "M5"
    lineage = f"{symbol}-{timeframe}-scalper"
    step = progress or (lambda _stage, _pct: None)
    step("generating synthetic bars", 0.0)
    bars = generate_bars(
        start=demo_start().strftime("%Y-%m-%d"),
        n_bars=n_bars,
        timeframe="M5",
        seed=cfg.learning.random_seed,
    )
    store_bars(desk, bars, symbol=symbol, timeframe=timeframe)
    live_from = int(len(bars) * 0.85)
    candidates = fit_candidates(
        bars.iloc[:live_from].reset_index(drop=True),
        cfg,
        progress=lambda s, p: step(s, 0.1 + 0.6 * p),
    )
    step("registering versions", 0.75)
    infos = []
    for cand in candidates:
        profits = [t.profit + t.commission for t in cand.test_trades]
        closes = [t.close_time for t in cand.test_trades]
        metrics = summarize(
            profits, closes, initial_equity=cfg.account.initial_balance, n_trials=len(candidates)
        ).as_dict()
        infos.append(
            desk.registry.register(
                cand.estimator,
                NewVersion(
                    lineage=lineage,
                    symbol=symbol,
                    timeframe=timeframe,
                    algorithm=cand.algorithm,
                    params=cand.params,
                    features=cand.features,
                    train_start=cand.train_start,
                    train_end=cand.train_end,
                    data_hash=cand.data_hash,
                    notes="demo: trained on generated bars (not real market data)",
                    metrics=metrics,
                    metrics_trades=len(profits),
                    metrics_period=(closes[0], closes[-1]) if closes else (None, None),
                ),
            )
        )
    ranked = sorted(infos, key=lambda v: v.metrics.get("sharpe") or float("-inf"))
    desk.activate(ranked[0].id, actor="demo", reason="initial deployment")
    desk.activate(ranked[-1].id, actor="demo", reason="best out-of-sample Sharpe in comparison")
    step("trading the active model on the latest bars", 0.85)
    live = bars.iloc[live_from:].reset_index(drop=True)
    model, info = desk.registry.load_model(ranked[-1].id)
    proba = model.predict_proba(make_features(live).ffill().fillna(0.0).to_numpy())[:, 1]
    trades = simulate_trades(live, proba, cfg, horizon=12, prefix=f"demo-live-v{info.version}")
    for t in trades:
        desk.log_trade(
            {
                "ticket": t.ticket,
                "symbol": symbol,
                "side": t.side,
                "open_time": t.open_time,
                "close_time": t.close_time,
                "open_price": t.open_price,
                "close_price": t.close_price,
                "volume": cfg.costs.lot_size,
                "profit": t.profit,
                "commission": t.commission,
                "version_id": info.id,
                "confidence": round(t.confidence, 4),
                "source": "live",
            },
            actor="demo",
        )
    desk.refresh_live_metrics(info.id)
    step("done", 1.0)
    return DemoResult(len(bars), [v.ref for v in infos], info.ref, len(trades))
