"""Money is labelled with the account currency, the sign before the symbol."""

from __future__ import annotations

import math

import pytest

from engine.cli.render import fmt_dsr, fmt_metric
from engine.metrics.catalog import money


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (-3.456, "EUR", "-€3.46"),
        (1250.0, "USD", "$1,250.00"),
        (-0.001, "GBP", "£0.00"),  # rounds to zero: no sign
        (7.5, "CHF", "CHF 7.50"),
        (-7.5, "chf", "-CHF 7.50"),
        (math.inf, "EUR", "∞"),
        (math.nan, "EUR", "—"),
        (None, "EUR", "—"),
    ],
)
def test_money_puts_the_sign_before_the_symbol(value, currency, shown) -> None:
    assert money(value, currency) == shown


def test_metric_values_take_the_currency_and_the_dsr_its_trials() -> None:
    assert fmt_metric("expectancy", -3.46, "EUR") == "-€3.46"
    assert fmt_metric("win_rate", 0.5, "EUR") == "50.0 %"
    assert fmt_dsr({"dsr": 0.3612, "dsr_trials": 7.0}) == "0.36 (7 trials)"
    assert fmt_dsr({"dsr": 0.9, "dsr_trials": 1}) == "0.90 (1 trial)"
    assert fmt_dsr({"dsr": 0.9}) == "0.90 (trials not recorded)"
