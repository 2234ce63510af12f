"""The trading controls on the serving path: every signal gets its size, and the pause switch.

`controlled_signal` is pure (a model's signal, the switch, the settings, the account in; the
signal the trading side acts on out). `TradingControls` feeds it for one desk: the settings are
re-read only when the config file changed (a stat, not a parse), the switch at every signal
(one primary-key read), so a pause from any process holds the next signal.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from typing import Any

from engine.config.risk import RiskConfig
from engine.config.schema import CostsConfig
from engine.controls import pause
from engine.controls.pause import PauseState
from engine.controls.sizing import Balance, position_size
from engine.errors import AurumError
from engine.learner.predict import Signal


@dataclass(frozen=True)
class AccountReport:
    """What the trading side may send with a signal request: its balance (else
    `account.initial_balance` is used) and the money at risk at the stops of its open
    positions (needed when `risk.max_open_risk_percent` is on)."""

    balance: float | None = None
    open_risk: float | None = None


def account_report(balance: float | None, open_risk: float | None) -> AccountReport:
    """An AccountReport from untrusted numbers (the command line): a balance above 0 and an
    open risk of 0 or more, finite, else refused naming the option."""
    if balance is not None and not (math.isfinite(balance) and balance > 0):
        raise AurumError(f"--balance must be a number above 0, got {balance}")
    if open_risk is not None and not (math.isfinite(open_risk) and open_risk >= 0):
        raise AurumError(f"--open-risk must be a number of 0 or more, got {open_risk}")
    return AccountReport(balance, open_risk)


@dataclass(frozen=True)
class ControlSettings:
    """The config keys the controls read."""

    risk: RiskConfig
    costs: CostsConfig
    initial_balance: float
    currency: str = "USD"  # account.currency: how money in the sizing reasons is written


def controlled_signal(
    signal: Signal,
    *,
    state: PauseState,
    settings: ControlSettings,
    account: AccountReport | None = None,
) -> Signal:
    """`signal` with `lots`, `risk_money`, `sizing` and the switch: paused, every signal is HOLD
    with the reason; a BUY/SELL whose size rounds below `risk.min_lots` is HOLD with why."""
    if state.paused:
        reason = state.reason or "paused"
        return _held(signal, f"HOLD: trading is paused: {reason}", paused=True, why=reason)
    if signal.side == "HOLD":
        return replace(signal, lots=0.0, risk_money=0.0, sizing="")
    account = account or AccountReport()
    balance = (
        Balance(account.balance, "reported")
        if account.balance is not None
        else Balance(settings.initial_balance, "account.initial_balance")
    )
    size = position_size(
        stop_distance=signal.stop_distance,
        balance=balance,
        open_risk=account.open_risk,
        risk=settings.risk,
        costs=settings.costs,
        currency=settings.currency,
    )
    if size.hold:
        return _held(signal, f"{signal.side} held: {size.note.removeprefix('HOLD: ')}")
    return replace(signal, lots=size.lots, risk_money=size.risk_money, sizing=size.note)


def _held(signal: Signal, note: str, *, paused: bool = False, why: str | None = None) -> Signal:
    return replace(
        signal,
        side="HOLD",
        stop_loss=None,
        take_profit=None,
        stop_distance=None,
        lots=0.0,
        risk_money=0.0,
        sizing=note,
        paused=paused,
        pause_reason=why,
    )


class TradingControls:
    """The controls of one desk's serving path (thread-safe: the cache is one tuple swap)."""

    def __init__(self, desk: Any) -> None:
        self.desk = desk
        self._config_file = str(desk.paths.config_file)
        self._cached: tuple[tuple[int, ...] | None, ControlSettings] | None = None

    def settings(self) -> ControlSettings:
        """The risk, costs and account keys; re-read when the config file's stamp moved."""
        try:
            info = os.stat(self._config_file)
            stamp: tuple[int, ...] | None = (info.st_mtime_ns, info.st_size, info.st_ino)
        except OSError:
            stamp = None
        cached = self._cached
        if cached is not None and stamp is not None and cached[0] == stamp:
            return cached[1]
        cfg = self.desk.config()
        settings = ControlSettings(
            cfg.risk, cfg.costs, cfg.account.initial_balance, cfg.account.currency
        )
        self._cached = (stamp, settings)
        return settings

    def state(self) -> PauseState:
        """The pause switch, read again once anything was committed (a pause from any process
        holds the next signal)."""
        db = self.desk.db
        return db.unchanged_or("pause-switch", lambda: pause.current(db))

    def apply(self, signal: Signal, account: AccountReport | None = None) -> Signal:
        return controlled_signal(
            signal, state=self.state(), settings=self.settings(), account=account
        )
