"""The seed's usage snippets from DESIGN.md, run as written (AURUM_HOME points at a temp desk)."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.errors import AurumError, NotFoundError, RegistryError
from tests.conftest import into_test_database, on_sqlite
from tests.learner.conftest import fast_desk, learn_and_serve


@pytest.fixture
def seeded_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "desk"
    desk = fast_desk(home, n_bars=6000, momentum=0.25)
    learn_and_serve(desk)
    desk.close()
    monkeypatch.setenv("AURUM_HOME", str(home))
    return home


def test_the_seed_snippets_run_as_written(seeded_home: Path):
    from engine.controller import Phase3Controller

    phase3 = Phase3Controller()
    model, metadata = phase3.get_active_model_for_prediction()
    assert metadata["version"] == "XAUUSD-M5-scalper:v1" and hasattr(model, "predict_proba")
    logged = phase3.log_trade_with_model_info(
        {"signal_type": "buy", "confidence": 0.85, "outcome": "win", "profit_loss": 50.0}
    )
    assert logged.outcome == "new" and logged.version_id == metadata["model_id"]
    assert phase3.desk.trades(metadata["model_id"])[0].net_profit == 50.0
    results = phase3.adaptive_learning.schedule_learning(run_immediately=True)
    assert results["session_id"] == 2 and results["status"] in {"succeeded", "no_improvement"}
    report = phase3.generate_phase3_report()
    assert report["phase3_status"]["logged_trades"] == 1
    for key in (
        "timestamp",
        "phase3_status",
        "active_model",
        "model_registry",
        "adaptive_learning",
        "config",
        "monitoring_available",
        "recommendations",
    ):
        assert key in report
    written = sorted((seeded_home / "logs").glob("phase3_report_*.json"))
    assert json.loads(written[-1].read_text())["phase3_status"] == report["phase3_status"]
    phase3.model_registry.cleanup_old_models(keep_count=10)
    models = phase3.model_registry.list_models()
    comparison = phase3.model_registry.compare_models([m.model_id for m in models])
    assert comparison.refs == [m.ref for m in models]
    phase3.model_registry.set_active_model(models[0].model_id)
    _, again = phase3.get_active_model_for_prediction()
    assert again["model_id"] == models[0].model_id  # the cache follows the pointer


def test_services_run_until_stopped(seeded_home: Path):
    from engine.controller import Phase3Controller

    phase3 = Phase3Controller()
    threading.Timer(3.0, phase3.stop_phase3_services).start()
    started = time.monotonic()
    # A thread of its own: a browser test earlier in this worker may have left Playwright's
    # event loop running in the main thread, where asyncio.run() refuses to start.
    runner = threading.Thread(target=lambda: asyncio.run(phase3.start_phase3_services()))
    runner.start()
    runner.join(timeout=90)
    assert not runner.is_alive(), "the services did not stop when asked"
    assert 2.5 < time.monotonic() - started < 60
    status = phase3.desk.service_status()
    assert status.holder is not None and not status.alive  # took the lease, gave it back


def test_no_active_model_is_said_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from engine.controller import Phase3Controller
    from engine.services import init_home

    init_home(str(tmp_path / "empty"))
    monkeypatch.setenv("AURUM_HOME", str(tmp_path / "empty"))
    with pytest.raises(RegistryError, match="never serves an untrained fallback"):
        Phase3Controller().get_active_model_for_prediction()


@pytest.fixture(scope="module")
def served_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One lineage with an active version trained by a (logistic, so quick) session."""
    home = tmp_path_factory.mktemp("served") / "desk"
    with on_sqlite():
        desk = fast_desk(home, n_bars=6000, momentum=0.25)
        desk.set_config("learning.algorithms", '["logistic_regression"]', actor="test")
        learn_and_serve(desk)
        desk.close()
    return home


@pytest.fixture
def served_home(served_template: Path) -> Path:
    """The served desk (in the PostgreSQL run: loaded into this test's database)."""
    return into_test_database(served_template)


def expected_signal(model: Any, info: Any, bars: pd.DataFrame) -> dict[str, Any]:
    """The signal worked out by hand from the engine's feature frame and barrier definitions."""
    from engine.features import FeatureSpec, build_features
    from engine.labels import barrier_distances, spread_prices

    details = info.details
    spec = FeatureSpec.model_validate(details["feature_spec"])
    frame = build_features(bars, spec, timeframe=info.timeframe)
    assert list(frame.columns) == info.features
    proba = model.predict_proba(frame.iloc[[-1]].to_numpy())[0]
    classes = list(model.classes_)
    p_long, p_short = float(proba[classes.index(1)]), float(proba[classes.index(-1)])
    threshold = details["min_confidence"]
    side = "HOLD"
    if p_long >= threshold and p_long > p_short:
        side = "BUY"
    elif p_short >= threshold and p_short > p_long:
        side = "SELL"
    labels = details["labels"]
    tp, sl = barrier_distances(
        bars, take_profit=labels["take_profit"], stop_loss=labels["stop_loss"], unit=labels["unit"]
    )
    spread = spread_prices(bars, details["costs"]["default_spread_points"])[-1]
    close = float(bars["close"].iloc[-1])
    levels: tuple[float | None, float | None] = (None, None)
    if side == "BUY":
        levels = (round(close + spread - sl[-1], 2), round(close + spread + tp[-1], 2))
    elif side == "SELL":
        levels = (round(close + sl[-1], 2), round(close - tp[-1], 2))
    return {
        "side": side,
        "p_long": round(p_long, 4),
        "p_short": round(p_short, 4),
        "confidence": round(max(p_long, p_short), 4),
        "bar_time": bars["time"].iloc[-1].to_pydatetime(),
        "entry_price": close,
        "stop_loss": levels[0],
        "take_profit": levels[1],
        "version_id": info.id,
        "version_ref": info.ref,
        "min_confidence": threshold,
    }


def signals_match(phase3: Any, all_bars: pd.DataFrame, model: Any, info: Any, **kw: Any) -> set:
    """Signals for the last 30 bars, each from the 800 bars before it (the version's fixed
    window is 768), equal the hand-made ones field by field; returns the sides seen."""
    sides = set()
    for end in range(len(all_bars) - 30, len(all_bars) + 1):
        bars = all_bars.iloc[end - 800 : end].reset_index(drop=True)
        got = asdict(phase3.predict_signal(bars, **kw))
        want = expected_signal(model, info, bars)
        assert {k: got[k] for k in want} == want, f"bar {end}"
        sides.add(got["side"])
        if got["side"] == "BUY":
            assert got["stop_loss"] < got["entry_price"] < got["take_profit"]
        elif got["side"] == "SELL":
            assert got["take_profit"] < got["entry_price"] < got["stop_loss"]
    return sides


def test_predict_signal_serves_the_active_model_on_the_engine_features(served_home: Path):
    from engine.controller import Phase3Controller

    phase3 = Phase3Controller(str(served_home))
    model, info = phase3.desk.registry.load_model("XAUUSD-M5-scalper:v1")
    all_bars = phase3.desk.bars("XAUUSD", "M5")
    signals_match(phase3, all_bars, model, info)
    with pytest.raises(AurumError, match="needs at least"):
        phase3.predict_signal(all_bars.tail(50))


def test_predict_signal_serves_the_named_lineage(served_home: Path, tmp_path: Path):
    """Two lineages active: the default refuses to guess; `lineage=` serves that lineage's
    active version (here a gradient boosting model on v1's features with a lower confidence
    threshold: more BUY/SELL, and the flat tree walk on the signal path)."""
    from engine.controller import Phase3Controller
    from engine.features import FeatureSpec, build_features
    from engine.learner.candidates import hyperparameters, make_pipeline
    from engine.registry import NewVersion

    home = tmp_path / "two"
    shutil.copytree(served_home, home)
    phase3 = Phase3Controller(str(home))
    model, first = phase3.desk.registry.load_model("XAUUSD-M5-scalper:v1")
    history = phase3.desk.bars("XAUUSD", "M5").iloc[:4000]
    spec = FeatureSpec.model_validate(first.details["feature_spec"])
    feats = build_features(history, spec, timeframe="M5").dropna()
    ahead = np.sign(history["close"].shift(-3) - history["close"]).fillna(0).astype(int)
    booster = make_pipeline(
        "hist_gradient_boosting",
        hyperparameters("hist_gradient_boosting", None, 1),
        max_features=20,
        seed=1,
    ).fit(feats.to_numpy(), ahead[feats.index].to_numpy())
    other = phase3.desk.registry.register(
        booster,
        NewVersion(
            lineage="XAUUSD-M5-eager",
            symbol="XAUUSD",
            timeframe="M5",
            algorithm="hist_gradient_boosting",
            features=first.features,
            train_start=history["time"].iloc[0].to_pydatetime(),
            train_end=history["time"].iloc[-1].to_pydatetime(),
            details={**first.details, "min_confidence": 0.34},
        ),
    )
    all_bars = phase3.desk.bars("XAUUSD", "M5")
    with pytest.raises(RegistryError, match="XAUUSD-M5-eager has no active version"):
        phase3.predict_signal(all_bars, lineage="XAUUSD-M5-eager")
    phase3.desk.activate(other.id, actor="test")
    with pytest.raises(RegistryError, match="several lineages are active"):
        phase3.predict_signal(all_bars)
    with pytest.raises(NotFoundError, match="'nope' does not exist"):
        phase3.predict_signal(all_bars, lineage="nope")
    eager = phase3.desk.registry.get(other.id)
    sides = signals_match(phase3, all_bars, booster, eager, lineage="XAUUSD-M5-eager")
    assert sides & {"BUY", "SELL"}  # stop-loss and take-profit were checked too
    signals_match(phase3, all_bars, model, first, lineage="XAUUSD-M5-scalper")
    _, meta = phase3.get_active_model_for_prediction(lineage="XAUUSD-M5-eager")
    assert meta["model_id"] == other.id and meta["min_confidence"] == 0.34


def test_symbol_and_timeframe_pick_the_market_served_and_the_trades_owner(
    served_home: Path, tmp_path: Path
):
    """Two markets active (XAUUSD M5, XAGUSD M5): `symbol=`/`timeframe=` serve each market's
    active version, and a trade goes to the active version of its own symbol."""
    from engine.controller import Phase3Controller
    from engine.registry import NewVersion

    home = tmp_path / "markets"
    shutil.copytree(served_home, home)
    phase3 = Phase3Controller(str(home))
    model, gold = phase3.desk.registry.load_model("XAUUSD-M5-scalper:v1")
    all_bars = phase3.desk.bars("XAUUSD", "M5")
    bars = all_bars.tail(800).reset_index(drop=True)
    with pytest.raises(NotFoundError, match=r"no active model for XAGUSD M5 \(no lineage\)"):
        phase3.predict_signal(bars, symbol="XAGUSD", timeframe="M5")

    def register(lineage: str, symbol: str) -> Any:
        return phase3.desk.registry.register(
            model,
            NewVersion(
                lineage=lineage,
                symbol=symbol,
                timeframe="M5",
                algorithm=gold.algorithm,
                features=gold.features,
                train_start=gold.train_start,
                train_end=gold.train_end,
                details={**gold.details, "min_confidence": 0.34},
            ),
        )

    silver = register("XAGUSD-M5-scalper", "XAGUSD")
    with pytest.raises(NotFoundError, match="activate a version of XAGUSD-M5-scalper"):
        phase3.predict_signal(bars, symbol="XAGUSD", timeframe="M5")
    phase3.desk.activate(silver.id, actor="test")
    with pytest.raises(RegistryError, match="several lineages are active"):
        phase3.predict_signal(bars)  # the seed call still refuses to guess

    assert phase3.predict_signal(bars, symbol="XAUUSD", timeframe="M5").version_id == gold.id
    got = asdict(phase3.predict_signal(bars, symbol="XAGUSD", timeframe="M5"))
    want = expected_signal(model, phase3.desk.registry.get(silver.id), bars)
    assert {k: got[k] for k in want} == want and got["version_ref"] == "XAGUSD-M5-scalper:v1"
    _, meta = phase3.get_active_model_for_prediction(symbol="XAGUSD", timeframe="M5")
    assert meta["model_id"] == silver.id and meta["min_confidence"] == 0.34
    _, meta = phase3.get_active_model_for_prediction(symbol="XAUUSD", timeframe="M5")
    assert meta["model_id"] == gold.id
    with pytest.raises(NotFoundError, match="no active model for XAUUSD H1"):
        phase3.get_active_model_for_prediction(symbol="XAUUSD", timeframe="H1")
    with pytest.raises(RegistryError, match="serves XAUUSD M5, not XAGUSD M5"):
        phase3.predict_signal(bars, lineage="XAUUSD-M5-scalper", symbol="XAGUSD")

    silver_trade = phase3.log_trade_with_model_info(
        {"symbol": "XAGUSD", "signal_type": "buy", "profit_loss": 12.5, "outcome": "win"}
    )
    gold_trade = phase3.log_trade_with_model_info({"signal_type": "sell", "profit_loss": -4.0})
    assert silver_trade.version_id == silver.id and gold_trade.version_id == gold.id
    assert [t.net_profit for t in phase3.desk.trades(silver.id)] == [12.5]
    assert [t.symbol for t in phase3.desk.trades(silver.id)] == ["XAGUSD"]
    timed = phase3.log_trade_with_model_info(
        {"symbol": "XAGUSD", "timeframe": "M5", "signal_type": "buy", "profit_loss": 1.0}
    )
    assert timed.version_id == silver.id
    with pytest.raises(NotFoundError, match="no active model for XAGUSD H1"):
        phase3.log_trade_with_model_info(
            {"symbol": "XAGUSD", "timeframe": "H1", "signal_type": "buy", "profit_loss": 1.0}
        )

    eager = register("XAUUSD-M5-eager", "XAUUSD")  # a second XAUUSD M5 lineage, active too
    phase3.desk.activate(eager.id, actor="test")
    with pytest.raises(RegistryError, match="several lineages of XAUUSD M5 are active"):
        phase3.predict_signal(bars, symbol="XAUUSD", timeframe="M5")
    assert phase3.predict_signal(bars, lineage="XAUUSD-M5-eager").version_id == eager.id
