"""The metric catalogue: label, unit and direction of every metric `summarize` produces.

One place says whether a metric is better high or low, so ranking code never guesses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CONVENTION = (
    "Sharpe, Sortino, Calmar, PSR and DSR: daily returns over every trading day of the evaluated "
    "window (Monday–Friday UTC dates, plus any day with a closed trade; a day without one is a "
    "0 return), annualised with √252"
)
"""The convention in one line, as the dashboard, the CLI and the reports show it."""


@dataclass(frozen=True)
class MetricSpec:
    """How to show and compare one metric: display label, unit and which direction is better."""

    name: str
    label: str
    unit: str
    higher_is_better: bool
    description: str


def _spec(name: str, label: str, unit: str, higher: bool, description: str) -> MetricSpec:
    """Build a MetricSpec (positional shorthand that keeps the table below readable)."""
    return MetricSpec(name, label, unit, higher, description)


_SPECS = (
    _spec("trades", "Trades", "count", True, "Number of closed trades (more = more evidence)."),
    _spec("net_profit", "Net profit", "currency", True, "Sum of net trade results."),
    _spec("win_rate", "Win rate", "fraction", True, "Share of trades with profit > 0."),
    _spec("win_rate_low", "Win rate (low)", "fraction", True, "Wilson 95 % lower bound."),
    _spec("win_rate_high", "Win rate (high)", "fraction", True, "Wilson 95 % upper bound."),
    _spec(
        "profit_factor", "Profit factor", "ratio", True, "Gross profit / |gross loss|; inf if none."
    ),
    _spec("expectancy", "Expectancy", "currency", True, "Mean net profit per trade."),
    _spec("average_win", "Average win", "currency", True, "Mean profit of winning trades."),
    _spec("average_loss", "Average loss", "currency", True, "Mean of losing trades (negative)."),
    _spec("max_drawdown", "Max drawdown", "currency", False, "Largest fall from an equity peak."),
    _spec(
        "max_drawdown_pct",
        "Max drawdown %",
        "percent",
        False,
        "That fall as a percent of the peak equity.",
    ),
    _spec(
        "sharpe",
        "Sharpe",
        "ratio",
        True,
        "Daily Sharpe over every trading day of the window, annualised with sqrt(252).",
    ),
    _spec(
        "sortino",
        "Sortino",
        "ratio",
        True,
        "Daily Sortino over every trading day of the window, annualised with sqrt(252).",
    ),
    _spec("calmar", "Calmar", "ratio", True, "Mean daily return * 252 / max drawdown fraction."),
    _spec("psr", "PSR", "probability", True, "Probability the true Sharpe is above 0."),
    _spec("dsr", "DSR", "probability", True, "PSR against the best Sharpe expected from N trials."),
    _spec(
        "dsr_trials",
        "DSR trials",
        "count",
        True,
        "Trials the DSR was deflated for: every candidate, search trial and ensemble ever "
        "evaluated on the lineage.",
    ),
    _spec(
        "days",
        "Trading days",
        "count",
        True,
        "Daily returns behind Sharpe, Sortino, Calmar, PSR and DSR: every Monday-Friday UTC "
        "date of the evaluated window plus any other day with a closed trade.",
    ),
)

METRICS: dict[str, MetricSpec] = {spec.name: spec for spec in _SPECS}
"""Every metric name in `MetricsSummary.as_dict()`, in the same order."""

BASELINE_UNITS = {
    "baseline_expectancy": "currency",
    "baseline_net_profit": "currency",
    "strongest_baseline_expectancy": "currency",
    "beats_baseline_share": "fraction",
}
"""Units of the no-skill baseline figures a session's candidates carry beside the catalogue's
metrics (`engine.learner.report.baseline_metrics`)."""


def unit_of(name: str) -> str:
    """The unit of a metric or baseline figure ("currency", "count", ...), "" when unknown."""
    return METRICS[name].unit if name in METRICS else BASELINE_UNITS.get(name, "")


def is_better(name: str, a: float, b: float) -> bool:
    """True when value `a` is strictly better than `b` for metric `name`.

    nan is never better and anything that is a number beats nan; +inf and -inf compare as
    numbers (an inf profit factor beats any finite one). Unknown names raise KeyError.
    """
    try:
        spec = METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(METRICS)}") from None
    if math.isnan(a):
        return False
    if math.isnan(b):
        return True
    return a > b if spec.higher_is_better else a < b


CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def currency_symbol(currency: str) -> str:
    """How money in `currency` (account.currency) is marked: "$", "€", …, else the code."""
    code = currency.upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


def money(value: float | None, currency: str = "USD", *, decimals: int = 2) -> str:
    """An amount with its sign before the currency symbol: "-€3.46", "$1,250.00", "—" when
    unknown, "∞" / "-∞" when infinite."""
    if value is None or math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    sign = "-" if value < 0 and round(abs(value), decimals) > 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(value):,.{decimals}f}"
