"""The demo desk: generated bars, real learning sessions on them, activations and live trades.

Generated data is labelled as such everywhere; every number comes from real fits and real
cost-aware simulated trades on it, never typed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

Progress = Callable[[str, float], None]
SESSION_CUTS = (0.6, 0.75, 0.9)
# The demo's generated bars carry a weak, known momentum effect (bar returns AR(1) = 0.25) so
# the learner has something real to find; on real data only real effects count.
DEMO_MOMENTUM = 0.25
# `aurum demo` trains smaller, fewer candidates than a real session (issue 19: the first run in
# about 20 s): logistic regression and histogram gradient boosting (no random forest), and the
# feature selection's forest smaller. Still real fits, real walk-forward folds and real
# cost-aware out-of-sample trades on the generated bars. Callers with their own fast settings
# (the tests) pass `quick=None` and keep the desk's config.
DEMO_LEARNING: dict[str, Any] = {
    "algorithms": ["logistic_regression", "hist_gradient_boosting"],
}
# The first two sessions also try ensembles of their best candidates, so the Learning page shows
# them; on these bars neither wins, and the champion stays a model SHAP can explain.
DEMO_ENSEMBLES: dict[int, dict[str, Any]] = {
    0: {"ensembles": ["soft_vote", "stacking"]},
    1: {"ensembles": ["soft_vote", "stacking"]},
}


@dataclass(frozen=True)
class DemoResult:
    bars: int
    versions: list[str]
    active: str | None
    live_trades: int


def demo_start(n_bars: int) -> datetime:
    """Demo bars end within about ten days before now (M5, ~23 trading hours a day, 5 days a
    week). They start on a Monday: the generated week repeats, so the same seed gives the same
    bars, models and trades whatever day the demo is seeded on (only shifted by whole weeks)."""
    days = int(n_bars / (12 * 23) * 7 / 5) + 3
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=days)
    return start - timedelta(days=start.weekday())


# The demo serves its newest version whatever the first-version gates decided (a model trained on
# generated bars proves nothing, and every page marks it DEMO): a desk to look around in.
DEMO_REASON = (
    "demo: activated by hand to show serving and the history (the session's decision, kept in "
    "the Learning page, judged its edge on generated bars)"
)


def seed_demo(
    desk: Any,
    *,
    n_bars: int = 24_000,
    progress: Progress | None = None,
    quick: dict[str, Any] | None = DEMO_LEARNING,
) -> DemoResult:
    """Generate bars, run three learning sessions as the data grows, activate the newest
    version (so there is history to roll back), and log the active model's live trades."""
    from engine.data.store import upsert_bars
    from engine.data.synthetic import generate_bars

    cfg = desk.config()
    symbol, tf = cfg.learning.symbol, cfg.learning.timeframe
    step = progress or (lambda _s, _p: None)
    step("generating synthetic bars (not market data)", 0.0)
    bars = generate_bars(
        start=demo_start(n_bars).strftime("%Y-%m-%d"),
        n_bars=n_bars,
        timeframe=tf,
        seed=cfg.learning.random_seed,
        momentum=DEMO_MOMENTUM,
    )
    with desk.db.session(write=True) as s:
        upsert_bars(s, bars, symbol=symbol, timeframe=tf, origin="generated", home=desk.paths.root)
    refs = []
    for k, cut in enumerate(SESSION_CUTS):
        until = bars["time"].iloc[int(len(bars) * cut) - 1].to_pydatetime()
        share = 0.05 + 0.8 * k / len(SESSION_CUTS)

        def sub(stage: str, pct: float, share: float = share, k: int = k) -> None:
            step(f"session {k + 1}/{len(SESSION_CUTS)}: {stage}", share + 0.8 / 3 * pct)

        outcome = desk.learn(
            trigger="demo",
            actor="demo",
            progress=sub,
            until=until,
            learning_overrides={"n_folds": 3, **(quick or {}), **DEMO_ENSEMBLES.get(k, {})},
        )
        if outcome.version_ref:
            refs.append(outcome.version_ref)
    active = desk.registry.active_version()
    if refs and active is None and len(refs) > 1:  # the gates served none: history to roll back to
        desk.activate(refs[0], actor="demo", reason=DEMO_REASON)
        active = desk.registry.active_version()
    if refs and (active is None or active.ref != refs[-1]):
        desk.activate(refs[-1], actor="demo", reason=DEMO_REASON)
        active = desk.registry.active_version()
    trades = 0
    if active is not None:
        step("trading the active model on the newest bars", 0.9)
        live_from = int(len(bars) * SESSION_CUTS[-1])
        trades = log_live_trades(desk, active.id, bars, live_from)
        desk.refresh_live_metrics(active.id)
    step("done", 1.0)
    return DemoResult(len(bars), refs, None if active is None else active.ref, trades)


def log_live_trades(desk: Any, version_id: int, bars: pd.DataFrame, live_from: int) -> int:
    """Trade the version on bars[live_from:] as the trading side would, and log the results."""
    from engine.backtest.simulate import simulate_trades
    from engine.features import build_features, stored_spec
    from engine.learner.dataset import cost_model
    from engine.learner.signals import signals_from_proba

    model, info = desk.registry.load_model(version_id)
    details, cfg = info.details, desk.config()
    spec = stored_spec(details)
    feats = build_features(bars, spec, timeframe=info.timeframe).to_numpy(dtype=float)
    rows = np.arange(live_from, len(bars))
    rows = rows[np.isfinite(feats[rows]).all(axis=1)]
    sig = signals_from_proba(
        model.predict_proba(feats[rows]),
        np.asarray(model.classes_),
        min_confidence=details["min_confidence"],
    )
    signals, conf = np.zeros(len(bars), dtype=np.int8), np.zeros(len(bars))
    signals[rows], conf[rows] = sig.signal, sig.confidence
    labels = details["labels"]
    trades = simulate_trades(
        bars,
        signals,
        take_profit=labels["take_profit"],
        stop_loss=labels["stop_loss"],
        horizon=labels["horizon"],
        costs=cost_model(cfg),
        unit=labels["unit"],
        confidence=conf,
    )
    for t in trades.to_dict("records"):
        desk.log_trade(
            {
                "ticket": f"demo-v{info.version}-{t['entry_index']}",
                "symbol": info.symbol,
                "side": t["side"],
                "open_time": t["entry_time"],
                "close_time": t["exit_time"],
                "open_price": t["entry_price"],
                "close_price": t["exit_price"],
                "volume": cfg.costs.lot_size,
                "profit": t["gross_profit"],
                "commission": -float(t["costs"]),
                "version_id": info.id,
                "confidence": round(float(t["confidence"]), 4),
            },
            actor="demo",
        )
    return len(trades)
