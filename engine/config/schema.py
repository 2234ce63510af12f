"""The configuration schema: every key has a type, bounds, a default and a description."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.config.alerts import AlertsConfig, alert_problems
from engine.config.regimes import RegimesConfig
from engine.config.risk import RiskConfig, risk_problems
from engine.config.serving import ServingConfig
from engine.config.shadow import ShadowConfig, shadow_problems
from engine.features.spec import FeatureSpec

SEED_KEYS = (
    "adaptive_learning_enabled",
    "auto_model_switching",
    "min_trades_for_update",
    "retraining_frequency_hours",
    "performance_threshold",
    "model_evaluation_interval_minutes",
    "auto_cleanup_models",
    "max_models_to_keep",
    "monitoring_integration",
    "postmortem_integration",
)

RETIRED_KEYS: dict[str, str] = {
    "learning.embargo_bars": "learning sessions walk forward: each fold trains only on bars "
    "before its test window, so an embargo (training bars dropped after a test window) never "
    "applied; learning.purge_bars is the gap before each test window",
}
"""Keys earlier versions wrote, now removed, with why: dropped from old files, refused by set."""

Algorithm = Literal[
    "logistic_regression",
    "random_forest",
    "extra_trees",
    "hist_gradient_boosting",
    "lightgbm",
    "xgboost",
]


ALGORITHMS: tuple[str, ...] = get_args(Algorithm)


def _default_algorithms() -> list[Algorithm]:
    return ["logistic_regression", "random_forest", "hist_gradient_boosting"]


def _default_search_space() -> dict[str, dict[str, Any]]:
    from engine.learner.search import DEFAULT_SPACES

    return json.loads(json.dumps(DEFAULT_SPACES))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _symbol_name(value: str) -> str:
    """The rule `aurum import-bars --symbol` applies: a symbol becomes part of names and paths."""
    from engine.errors import UnsafePathError
    from engine.home import safe_name

    try:
        return safe_name(value, what="symbol")
    except UnsafePathError as err:
        raise ValueError(str(err)) from None


Symbol = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_symbol_name)]


class LearningConfig(_Section):
    """How learning sessions build data, labels and candidates."""

    symbol: Symbol = Field(
        "XAUUSD",
        description="Symbol to learn on: letters, digits, '.', '_' or '-' (the rule of "
        "`import-bars --symbol`).",
    )
    timeframe: Literal["M1", "M5", "M15", "M30", "H1"] = Field(
        "M5", description="Bar timeframe the models trade on."
    )
    algorithms: list[Algorithm] = Field(
        default_factory=_default_algorithms,
        min_length=1,
        description="Candidate algorithms tried in each learning session.",
    )
    n_folds: int = Field(5, ge=2, le=20, description="Walk-forward folds per candidate.")
    min_train_bars: int = Field(
        2000, ge=200, le=5_000_000, description="Fewest bars in a training window."
    )
    max_train_bars: int = Field(
        50_000, ge=200, le=10_000_000, description="Most recent bars used to train (window size)."
    )
    purge_bars: int = Field(
        24, ge=0, le=10_000, description="Bars removed before each test window (label overlap)."
    )
    barrier_unit: Literal["atr", "usd"] = Field(
        "atr", description="Unit of take_profit and stop_loss: ATR multiples or US dollars."
    )
    take_profit: float = Field(
        1.5, gt=0, le=500, description="Triple-barrier take profit (in barrier_unit)."
    )
    stop_loss: float = Field(
        1.0, gt=0, le=500, description="Triple-barrier stop loss (in barrier_unit)."
    )
    max_holding_bars: int = Field(
        12, ge=1, le=1000, description="Triple-barrier time limit, in bars."
    )
    min_confidence: float = Field(
        0.45, ge=0.34, le=1.0, description="Probability (0-1) a BUY/SELL needs; below it: HOLD."
    )
    max_features: int = Field(
        20, ge=1, le=500, description="Features kept by the voting selection in each fold."
    )
    winner_metric: Literal["sharpe", "expectancy", "profit_factor", "net_profit", "psr"] = Field(
        "sharpe",
        description="Out-of-sample metric that picks a session's winning candidate (Sharpe: "
        "daily returns over every trading day of the out-of-sample window, idle days 0).",
    )
    hyperparameters: dict[str, dict[str, float | int | str | bool | None]] = Field(
        default_factory=dict,
        description="Per-algorithm overrides of the default hyper-parameters, e.g. "
        '{"random_forest": {"n_estimators": 200}}.',
    )
    random_seed: int = Field(42, ge=0, le=2**31 - 1, description="Seed for reproducible training.")
    search: Literal["off", "grid", "random"] = Field(
        "off",
        description="Hyper-parameter search per algorithm over learning.search_space: off (one "
        "trial per algorithm), grid or random. Every trial is walk-forward evaluated and counts "
        "in the deflated Sharpe ratio.",
    )
    search_trials: int = Field(
        8, ge=1, le=500, description="Trial budget per algorithm when learning.search is on."
    )
    search_space: dict[str, dict[str, list[float | int | str | bool | None] | dict[str, Any]]] = (
        Field(
            default_factory=_default_search_space,
            description="Per algorithm, per parameter: a list of values, or a range "
            '{"low": 0.01, "high": 1, "log": true, "integer": false}. Grid search uses 3 '
            "points of a range.",
        )
    )
    ensembles: list[Literal["soft_vote", "stacking"]] = Field(
        default_factory=list,
        description="Ensemble candidates added to each session from its best "
        "learning.ensemble_top_k eligible candidates: soft_vote (mean probability) and/or "
        "stacking (a logistic meta-model fitted on earlier folds' out-of-sample predictions). "
        "Same folds and costs; each counts as a trial.",
    )
    ensemble_top_k: int = Field(
        3, ge=2, le=10, description="How many of a session's best candidates an ensemble combines."
    )

    @field_validator("ensembles")
    @classmethod
    def _distinct_ensembles(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("list each ensemble method once (soft_vote, stacking)")
        return value

    executor: Literal["local", "dask"] = Field(
        "local", description="Where candidates x folds run: this process or a Dask cluster."
    )
    n_jobs: int = Field(
        2,
        ge=1,
        le=64,
        description=(
            "Fits the local executor runs side by side. Each fit uses one thread (OpenMP and "
            "BLAS pinned to 1), so a busy machine slows a session in proportion instead of "
            "stalling it; 1 leaves a core free for MetaTrader."
        ),
    )
    dask_scheduler_address: str = Field(
        "",
        max_length=200,
        description="Dask scheduler address (tcp://host:port) when executor=dask.",
    )


class CostsConfig(_Section):
    """What every evaluated trade pays: spread, commission and slippage."""

    default_spread_points: float = Field(
        20.0, ge=0, le=5000, description="Spread used when a bar has none, in points ($0.01)."
    )
    slippage_points: float = Field(
        2.0, ge=0, le=1000, description="Extra slippage per side, in points ($0.01)."
    )
    commission_per_lot: float = Field(
        7.0, ge=0, le=1000, description="Round-turn commission per 1.0 lot, in account currency."
    )
    contract_size_oz: float = Field(
        100.0, gt=0, le=100_000, description="Ounces per 1.0 lot (broker contract size)."
    )
    lot_size: float = Field(0.1, gt=0, le=100, description="Lots per evaluated trade.")


class AccountConfig(_Section):
    """The account the metrics are expressed against."""

    initial_balance: float = Field(
        10_000.0,
        gt=0,
        le=1e9,
        description="Starting equity for returns and drawdown %, in account.currency.",
    )
    currency: str = Field(
        "USD",
        min_length=3,
        max_length=3,
        pattern="^[A-Z]{3}$",
        description="Account currency code (ISO 4217, e.g. USD, EUR): labels every money figure "
        "in the CLI, dashboard, reports and alerts (-€3.46). Logged trade results are taken as "
        "in this currency; backtests price XAUUSD in US dollars 1:1, without conversion.",
    )


class SelectionConfig(_Section):
    """How versions are ranked and when a challenger replaces the champion."""

    min_trades: int = Field(30, ge=1, le=1_000_000, description="Fewest trades to be ranked.")
    min_live_trades: int = Field(
        30,
        ge=1,
        le=1_000_000,
        description="Live trades needed before live numbers replace backtest.",
    )
    weight_sharpe: float = Field(0.3, ge=0, le=1, description="Score weight of the Sharpe ratio.")
    weight_profit_factor: float = Field(
        0.2, ge=0, le=1, description="Score weight of profit factor."
    )
    weight_win_rate: float = Field(0.2, ge=0, le=1, description="Score weight of the win rate.")
    weight_expectancy: float = Field(0.2, ge=0, le=1, description="Score weight of expectancy.")
    weight_max_drawdown: float = Field(
        0.1, ge=0, le=1, description="Score weight of max drawdown % (lower is better)."
    )
    promotion_margin: float = Field(
        0.0,
        ge=0,
        le=10_000,
        description="Expectancy a challenger must add, in account.currency per trade.",
    )
    min_psr: float = Field(
        0.9,
        ge=0,
        le=1,
        description="Probabilistic Sharpe ratio (0-1) a version must reach to become active: a "
        "challenger on the bars it shares with the champion, the first version of a lineage on "
        "its out-of-sample window (with positive expectancy after costs and more net profit "
        "than the strongest no-skill baseline).",
    )
    max_drawdown_tolerance_pct: float = Field(
        10.0, ge=0, le=100, description="How much deeper (percentage points) its drawdown may be."
    )


class SchedulerConfig(_Section):
    """The background services' timing."""

    enabled: bool = Field(True, description="Run the background services with the dashboard.")
    heartbeat_seconds: int = Field(15, ge=1, le=3600, description="How often the leader beats.")
    lease_seconds: int = Field(
        60, ge=5, le=86_400, description="Leadership lease; another process takes over after it."
    )
    cooldown_minutes: int = Field(
        60, ge=0, le=10_080, description="Least time between two triggered learning sessions."
    )
    new_bars_for_update: int = Field(
        0, ge=0, le=10_000_000, description="New bars that trigger a learning session (0 = off)."
    )
    profit_factor_threshold: float = Field(
        1.0,
        ge=0,
        le=100,
        description="Live profit factor below which the active model is retrained, judged like "
        "performance_threshold (0 = off).",
    )
    drift_psi_threshold: float = Field(
        0.25, gt=0, le=5, description="Population stability index above which a feature drifted."
    )
    drift_recent_bars: int = Field(
        500, ge=100, le=100_000, description="Newest bars compared with the training window."
    )
    change_delta: float = Field(
        0.05, ge=0, le=1, description="Page-Hinkley tolerance on live wins (1) and losses (0)."
    )
    change_threshold: float = Field(
        5.0, gt=0, le=1000, description="Page-Hinkley alarm level on live wins and losses."
    )
    report_interval_hours: int = Field(
        24, ge=1, le=720, description="How often the status report is written to logs/."
    )
    queue_learning_when_no_model: bool = Field(
        False,
        description="When the trading side asks for the active model and there is none, queue a "
        "learning session (nothing is served until one is trained and activated).",
    )


class SecurityConfig(_Section):
    """Who may use the dashboard and how sessions behave."""

    require_login: bool = Field(False, description="Ask for a user name and password.")
    session_idle_minutes: int = Field(
        30, ge=1, le=1440, description="Idle time after which a login expires."
    )
    max_failed_logins: int = Field(
        5, ge=1, le=100, description="Failed logins before the user is locked out for a while."
    )
    lockout_minutes: int = Field(15, ge=1, le=1440, description="How long a lockout lasts.")


class Phase3Config(_Section):
    """The whole configuration; the seed's top-level keys keep their names."""

    adaptive_learning_enabled: bool = Field(
        True, description="Let triggers start learning sessions on their own."
    )
    auto_model_switching: bool = Field(
        True, description="Activate a challenger that passes the promotion gates automatically."
    )
    min_trades_for_update: int = Field(
        50, ge=1, le=100_000, description="New trades that trigger a learning session."
    )
    retraining_frequency_hours: float = Field(
        24.0, ge=0.25, le=720, description="Hours between time-triggered learning sessions."
    )
    performance_threshold: float = Field(
        0.4,
        ge=0,
        le=1,
        description="Live win rate (0-1) below which the active model is retrained.",
    )
    model_evaluation_interval_minutes: int = Field(
        60, ge=1, le=10_080, description="Minutes between evaluations (metrics, triggers, switch)."
    )
    auto_cleanup_models: bool = Field(
        True, description="Remove old versions' artifacts automatically."
    )
    max_models_to_keep: int = Field(
        10, ge=1, le=10_000, description="Newest versions whose artifacts cleanup keeps."
    )
    monitoring_integration: bool = Field(True, description="Write status reports to logs/.")
    postmortem_integration: bool = Field(
        True, description="Feed trade outcomes back into learning triggers."
    )
    learning: LearningConfig = Field(default_factory=LearningConfig)  # type: ignore[arg-type]
    features: FeatureSpec = Field(default_factory=FeatureSpec)  # type: ignore[arg-type]
    costs: CostsConfig = Field(default_factory=CostsConfig)  # type: ignore[arg-type]
    account: AccountConfig = Field(default_factory=AccountConfig)  # type: ignore[arg-type]
    selection: SelectionConfig = Field(default_factory=SelectionConfig)  # type: ignore[arg-type]
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)  # type: ignore[arg-type]
    security: SecurityConfig = Field(default_factory=SecurityConfig)  # type: ignore[arg-type]
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)  # type: ignore[arg-type]
    shadow: ShadowConfig = Field(default_factory=ShadowConfig)  # type: ignore[arg-type]
    regimes: RegimesConfig = Field(default_factory=RegimesConfig)  # type: ignore[arg-type]
    risk: RiskConfig = Field(default_factory=RiskConfig)  # type: ignore[arg-type]
    serving: ServingConfig = Field(default_factory=ServingConfig)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Phase3Config:
        for problem in cross_field_problems(self):
            raise ValueError(problem)
        return self


def cross_field_problems(cfg: Phase3Config) -> list[str]:
    """Named checks between keys; each message names the keys involved."""
    problems = []
    if cfg.model_evaluation_interval_minutes > cfg.retraining_frequency_hours * 60:
        problems.append(
            "model_evaluation_interval_minutes must not exceed retraining_frequency_hours x 60 "
            "(evaluations would be rarer than retraining)"
        )
    if cfg.learning.min_train_bars > cfg.learning.max_train_bars:
        problems.append("learning.min_train_bars must not exceed learning.max_train_bars")
    if cfg.learning.purge_bars < cfg.learning.max_holding_bars:
        problems.append(
            "learning.purge_bars must be at least learning.max_holding_bars "
            "(otherwise labels leak across the train/test boundary)"
        )
    unknown = sorted(set(cfg.learning.hyperparameters) - set(ALGORITHMS))
    if unknown:
        problems.append(
            f"learning.hyperparameters names unknown algorithm(s) {', '.join(unknown)}; "
            f"known: {', '.join(ALGORITHMS)}"
        )
    from engine.learner.search import space_problems

    problems.extend(space_problems(cfg.learning.search_space, ALGORITHMS))
    if cfg.learning.executor == "dask" and not cfg.learning.dask_scheduler_address:
        problems.append("learning.dask_scheduler_address is required when learning.executor=dask")
    if cfg.scheduler.lease_seconds < 2 * cfg.scheduler.heartbeat_seconds:
        problems.append("scheduler.lease_seconds must be at least 2 x scheduler.heartbeat_seconds")
    problems.extend(alert_problems(cfg))
    problems.extend(shadow_problems(cfg))
    problems.extend(risk_problems(cfg))
    s = cfg.selection
    weights = (
        s.weight_sharpe,
        s.weight_profit_factor,
        s.weight_win_rate,
        s.weight_expectancy,
        s.weight_max_drawdown,
    )
    if sum(weights) <= 0:
        problems.append("selection.weight_* must not all be zero (nothing to rank by)")
    return problems


@dataclass(frozen=True)
class KeyDoc:
    """One documented configuration key (for docs, `config show` and the form page)."""

    key: str
    type: str
    default: Any
    description: str
    bounds: str


def _type_name(annotation: Any) -> str:
    """A readable type: `one of "M1", "M5"` for a Literal, `list of one of …` for lists of them."""
    args = get_args(annotation)
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(json.dumps(a) for a in args)
    if get_origin(annotation) is list and args:
        return "list of " + _type_name(args[0])
    if get_origin(annotation) is Annotated:
        marks = [x for m in args[1:] for x in (m, *getattr(m, "metadata", []))]
        limits = [
            f"{k} {getattr(m, k)}"
            for m in marks
            for k in ("ge", "gt", "le", "lt")
            if getattr(m, k, None) is not None
        ]
        return _type_name(args[0]) + (f" ({', '.join(limits)})" if limits else "")
    return getattr(annotation, "__name__", None) or str(annotation)


def describe_keys(model: type[BaseModel] = Phase3Config, prefix: str = "") -> list[KeyDoc]:
    """Every leaf key with its type, default, bounds and description, in dotted form."""
    docs: list[KeyDoc] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            docs.extend(describe_keys(annotation, f"{prefix}{name}."))
            continue
        bounds = ", ".join(
            f"{k} {getattr(m, k)}"
            for m in field.metadata
            for k in ("ge", "gt", "le", "lt", "min_length", "max_length")
            if getattr(m, k, None) is not None
        )
        default = field.get_default(call_default_factory=True)
        type_name = _type_name(annotation)
        docs.append(KeyDoc(prefix + name, type_name, default, field.description or "", bounds))
    return docs
