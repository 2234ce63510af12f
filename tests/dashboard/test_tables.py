"""Table builders, the generated config form's checks, and uploaded files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from dashboard import config_form, leaderboard_table, tables
from dashboard.uploads import UPLOAD_DIR, save_upload
from engine.config.schema import Phase3Config
from engine.errors import TradeError
from engine.registry.types import Comparison, ComparisonRow
from engine.trade_import import read_trade_file

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def version(
    ref: str, origin: str = "imported", source: str = "backtest", **metrics: float
) -> SimpleNamespace:
    return SimpleNamespace(
        id=int(ref[-1]), ref=ref, status="candidate", metrics_source=source, algorithm="rf",
        symbol="XAUUSD", timeframe="M5", metrics_trades=int(metrics.get("trades", 0)),
        metrics=metrics, created_at=NOW, data_origin=origin,
    )  # fmt: skip


def test_leaderboard_keeps_the_engine_order_and_shows_percentages():
    frame = leaderboard_table.leaderboard_frame(
        [
            version("m:v2", trades=40, win_rate=0.55, win_rate_low=0.4, win_rate_high=0.7),
            version(
                "m:v1",
                "generated",
                trades=10,
                sharpe=float("nan"),
                psr=0.9,
                dsr=0.36,
                dsr_trials=7,
            ),
        ]
    )
    assert list(frame["rank"]) == [1, 2]
    assert list(frame["data"]) == ["imported", "DEMO"]
    assert list(frame["version"]) == ["m:v2", "m:v1"]
    assert frame.loc[0, "backtest win rate %"] == pytest.approx(55.0)
    assert frame.loc[0, "backtest win rate 95 % interval"] == "40.0–70.0 %"
    assert frame.loc[1, "backtest win rate 95 % interval"] == "—"
    assert pd.isna(frame.loc[1, "backtest Sharpe"])
    assert frame.loc[1, "backtest PSR %"] == pytest.approx(90.0)
    assert frame.loc[1, "backtest DSR (trials)"] == "0.36 (7 trials)"
    assert frame.loc[0, "created (UTC)"] == "2026-03-02 08:30"


def test_each_leaderboard_column_holds_one_source():
    """A version ranked on live figures keeps its backtest figures under "backtest …" and its
    live ones under "live …": no column mixes the two; money columns name the currency."""
    ranked_on_live = version("m:v2", source="live", trades=40, sharpe=-1.0, expectancy=-2.0)
    on_backtest = version("m:v1", trades=100, sharpe=2.0, expectancy=3.0)
    backtest = {2: ({"sharpe": 1.5, "expectancy": 4.0}, 120), 1: (on_backtest.metrics, 100)}
    live = {2: (ranked_on_live.metrics, 40)}
    frame = leaderboard_table.leaderboard_frame(
        [ranked_on_live, on_backtest], backtest, live, currency="EUR"
    ).set_index("version")
    assert frame.loc["m:v2", "source"] == "live"
    assert (frame.loc["m:v2", "backtest trades"], frame.loc["m:v2", "live trades"]) == (120, 40)
    assert frame.loc["m:v2", "backtest Sharpe"] == 1.5 and frame.loc["m:v2", "live Sharpe"] == -1.0
    assert frame.loc["m:v2", "backtest expectancy EUR"] == 4.0
    assert frame.loc["m:v1", "live trades"] == 0 and pd.isna(frame.loc["m:v1", "live Sharpe"])
    # without the figure maps a version's own figures show only under their own source
    alone = leaderboard_table.leaderboard_frame([ranked_on_live]).iloc[0]
    assert pd.isna(alone["backtest Sharpe"]) and alone["backtest trades"] == 0


def test_comparison_stars_the_better_value_in_its_unit():
    comparison = Comparison(
        ["a", "b"],
        [
            ComparisonRow("win_rate", "Win rate", True, {"a": 0.5, "b": 0.6}, "b"),
            ComparisonRow("max_drawdown", "Max drawdown", False, {"a": 10.0, "b": 20.0}, "a"),
            ComparisonRow("sharpe", "Sharpe", True, {"a": None, "b": None}, None),
        ],
        "b",
        "most wins",
        {"a": 1, "b": 1},
    )
    frame = tables.comparison_frame(comparison).set_index("metric")
    assert frame.loc["Win rate"].to_dict() == {"a": "50.0 %", "b": "★ 60.0 %", "better": "higher"}
    assert frame.loc["Max drawdown"].to_dict() == {
        "a": "★ $10.00",
        "b": "$20.00",
        "better": "lower",
    }
    assert frame.loc["Sharpe"].to_dict() == {"a": "—", "b": "—", "better": "higher"}


def test_headline_puts_backtest_and_live_side_by_side():
    frame = tables.headline_frame({"trades": 100, "win_rate": 0.5}, {}).set_index("metric")
    assert frame.loc["Trades"].to_dict() == {"backtest (out of sample)": "100", "live": "—"}
    assert frame.loc["Win rate", "backtest (out of sample)"] == "50.0 %"


def test_headline_qualifies_live_figures_from_too_few_trades():
    live = {"trades": 13, "sharpe": -97.72}
    frame = tables.headline_frame({"trades": 128}, live, live_needed=30).set_index("metric")
    column = "live (n=13 trades, below the 30 needed)"
    assert list(frame.columns) == ["backtest (out of sample)", column]
    assert frame.loc["Sharpe", column] == "-97.72"
    enough = tables.headline_frame({}, {"trades": 30}, live_needed=30)
    assert list(enough.columns) == ["metric", "backtest (out of sample)", "live"]


def test_daily_counts_fill_days_without_bars_with_zero():
    times = pd.Series(
        pd.to_datetime(["2026-03-06 10:00", "2026-03-06 10:05", "2026-03-09 00:00"], utc=True)
    )
    frame = tables.daily_counts(times)
    assert [str(d) for d in frame["day"]] == [
        "2026-03-06",
        "2026-03-07",
        "2026-03-08",
        "2026-03-09",
    ]
    assert list(frame["bars"]) == [2, 0, 0, 1]
    assert tables.daily_counts(pd.Series([], dtype="datetime64[ns, UTC]")).empty


def test_features_sorted_by_importance_with_the_selected_flag():
    frame = tables.features_frame(["b"], {"a": 0.1, "b": 0.3, "c": -0.2})
    assert frame.to_dict("records") == [
        {"feature": "b", "importance": 0.3, "selected": True},
        {"feature": "a", "importance": 0.1, "selected": False},
        {"feature": "c", "importance": -0.2, "selected": False},
    ]


def test_audit_merges_session_starts_newest_first():
    record = SimpleNamespace(
        created_at=NOW, actor="me", action="model.activate", target="m:v2", detail={"why": "x"}
    )
    started = SimpleNamespace(
        id=7, started_at=datetime(2026, 3, 1, tzinfo=UTC), requested_by="services",
        trigger="schedule", symbol="XAUUSD", timeframe="M5",
    )  # fmt: skip
    frame = tables.audit_frame([record], [started])
    assert list(frame["action"]) == ["model.activate", "learning.start"]
    assert json.loads(frame.loc[1, "details"]) == {"trigger": "schedule", "data": "XAUUSD M5"}


def test_number_formats_follow_the_unit_in_the_column_name():
    frame = pd.DataFrame({"win rate %": [1.0], "net USD": [2.0], "ROC AUC": [0.5], "n": [1]})
    formats = tables.number_formats(frame)
    assert set(formats) == {"win rate %", "net USD", "ROC AUC"}


def test_money_is_labelled_with_the_account_currency():
    comparison = Comparison(
        ["a", "b"],
        [ComparisonRow("expectancy", "Expectancy", True, {"a": -3.456, "b": 1250.0}, "b")],
        "b",
        "most wins",
        {"a": 0, "b": 1},
    )
    frame = tables.comparison_frame(comparison, "EUR", "live").set_index("metric")
    assert frame.loc["Expectancy"].to_dict() == {
        "a (live)": "-€3.46",
        "b (live)": "★ €1,250.00",
        "better": "higher",
    }
    headline = tables.headline_frame({"net_profit": -12.5, "dsr": 0.36, "dsr_trials": 7}, {})
    assert headline.set_index("metric").loc["Net profit", "backtest (out of sample)"] == "-$12.50"
    assert headline.set_index("metric").loc["DSR", "backtest (out of sample)"] == "0.36 (7 trials)"
    folds = tables.folds_frame(
        [{"fold": 1, "test_start": "2026-03-02", "test_end": "2026-03-06", "net_profit": 5.0}],
        "GBP",
    )
    assert "net GBP" in folds and tables.number_formats(folds, "GBP").keys() >= {"net GBP"}


@pytest.mark.parametrize(
    ("annotation", "kind"),
    [
        (Phase3Config.model_fields["auto_model_switching"].annotation, "bool"),
        (Phase3Config.model_fields["max_models_to_keep"].annotation, "int"),
        (Phase3Config.model_fields["performance_threshold"].annotation, "float"),
    ],
)
def test_field_kinds_come_from_the_schema_types(annotation, kind):
    assert config_form.field_kind(annotation)[0] == kind


def test_every_schema_key_has_a_widget():
    drawn = {k for _, section in config_form.SECTIONS for k, _ in config_form.leaf_fields(section)}
    from engine.config.schema import describe_keys

    assert drawn == {d.key for d in describe_keys()}
    kinds = {
        k: config_form.field_kind(info.annotation)[0]
        for _, section in config_form.SECTIONS
        for k, info in config_form.leaf_fields(section)
    }
    assert kinds["learning.algorithms"] == "choices"
    assert kinds["learning.timeframe"] == "choice"
    assert kinds["features.return_lags"] == "json"
    assert kinds["learning.hyperparameters"] == "json"


def test_check_puts_each_problem_on_its_key():
    current = Phase3Config().model_dump(mode="json")
    data, parse_errors = config_form.candidate(
        current,
        {
            "max_models_to_keep": 0,
            "features.return_lags": "[1, 1]",
            "learning.hyperparameters": "{not json",
        },
    )
    result = config_form.check(data, parse_errors)
    assert result.config is None
    assert "greater than or equal to 1" in result.errors["max_models_to_keep"]
    assert "must not repeat" in result.errors["features.return_lags"]
    assert result.errors["learning.hyperparameters"].startswith("not valid JSON")


def test_check_reports_cross_field_rules_with_the_keys_named():
    current = Phase3Config().model_dump(mode="json")
    data, _ = config_form.candidate(current, {"learning.purge_bars": 1})
    result = config_form.check(data)
    assert result.config is None
    assert any("learning.purge_bars must be at least" in p for p in result.general)


def test_check_accepts_a_valid_change():
    current = Phase3Config().model_dump(mode="json")
    data, _ = config_form.candidate(current, {"learning.n_folds": 4, "features.ema_periods": "[9]"})
    result = config_form.check(data)
    assert result.config is not None and not result.errors
    assert result.config.learning.n_folds == 4 and result.config.features.ema_periods == [9]


def test_uploads_are_stored_under_their_hash_never_their_name():
    path = save_upload("../../etc/passwd.csv", b"a,b\n1,2\n")
    assert path.parent == UPLOAD_DIR
    assert path.name.endswith(".csv") and "passwd" not in path.name
    assert save_upload("evil.sh", b"x").suffix == ".csv"


def test_trade_files_are_refused_with_line_numbers(tmp_path: Path):
    file = tmp_path / "t.csv"
    file.write_text(
        "ticket,side,open_time,close_time,open_price,close_price,volume,profit\n"
        "a,buy,2026-01-01 10:00,2026-01-01 10:05,2650,2651,0.1,10\n"
        "b,buy,2026-01-01 10:00,2026-01-01 09:00,2650,2651,0.1,10\n"
    )
    parsed = read_trade_file(file)
    assert len(parsed.rows) == 1
    assert (
        parsed.problems[0].startswith("line 3:")
        and "close_time is before open_time" in (parsed.problems[0])
    )
    file.write_text("ticket,colour\nx,red\n")
    with pytest.raises(TradeError, match="unknown column"):
        read_trade_file(file)
