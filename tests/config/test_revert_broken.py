"""A broken config file: every error about it advises `aurum config revert`, which restores
the last good configuration from the database's history whatever the file holds; meanwhile
the commands that change models, data or learning refuse with the same advice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import main
from engine.config.store import REVERT_ADVICE
from engine.errors import ConfigError
from engine.services import Desk
from tests.conftest import spec

BROKEN = {
    "not JSON": b'{\n  "max_models_to_keep": 5,\n  oops\n}\n',
    "not UTF-8": b'{"max_models_to_keep": "\xff\xfe"}',
    "not an object": b"[1, 2, 3]\n",
    "a bad value": b'{"max_models_to_keep": -3}\n',
    "an unknown key": b'{"max_models_to_keep": 5, "colour": "gold"}\n',
    "empty": b"",
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_every_error_about_the_file_advises_revert_and_revert_restores_the_last_good(
    desk: Desk, case: str
):
    desk.set_config("max_models_to_keep", "25", actor="alice")
    desk.set_config("learning.n_folds", "7", actor="bob")
    desk.paths.config_file.write_bytes(BROKEN[case])
    with pytest.raises(ConfigError) as broken:
        desk.config()
    assert str(broken.value).endswith(REVERT_ADVICE)
    assert "`aurum config revert`" in str(broken.value)

    restored = desk.revert_config(None, actor="carol")
    assert restored is not None and restored.reason.startswith("revert to the last good (change #")
    cfg = desk.config()
    assert (cfg.max_models_to_keep, cfg.learning.n_folds) == (25, 7)  # bob's, the last good
    assert desk.config_history()[0].actor == "carol"
    assert desk.audit_log(1)[0].action == "config.revert"
    assert desk.revert_config(None, actor="carol") is None  # the file is the last good now


def test_revert_of_a_change_id_also_works_over_a_broken_file(desk: Desk):
    first = desk.set_config("max_models_to_keep", "25", actor="alice")
    assert first is not None
    desk.paths.config_file.write_text("{oops", encoding="utf-8")
    desk.revert_config(first.id, actor="carol")
    assert desk.config().max_models_to_keep == 10


def test_without_history_revert_restores_the_defaults(desk: Desk):
    desk.paths.config_file.write_text("{oops", encoding="utf-8")
    restored = desk.revert_config(None, actor="carol")
    assert restored is not None and "the defaults" in restored.reason
    assert desk.config().max_models_to_keep == 10


def test_commands_that_write_refuse_while_the_config_is_broken(
    home: Path, desk: Desk, small_model: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """The probe: `import-bars` still wrote with a broken config. Now it and the other
    commands that change models, data or learning refuse, with the advice; after
    `aurum config revert` they work again."""
    from engine.data.synthetic import generate_bars

    a = desk.registry.register(small_model, spec()).id
    bars = tmp_path / "bars.csv"
    generate_bars(n_bars=300).to_csv(bars, index=False)
    desk.paths.config_file.write_text('{"max_models_to_keep": "many"}', encoding="utf-8")
    h = str(home)
    for argv in (
        ["import-bars", str(bars), "--symbol", "XAUUSD", "--timeframe", "M5"],
        ["activate", str(a), "--reason", "test"],
        ["pin", str(a)],
        ["cleanup", "--keep", "1"],
        ["train"],
    ):
        assert main([*argv, "--home", h]) == 1, argv
        err = capsys.readouterr().err
        assert "is refused while the configuration is broken" in err, (argv, err)
        assert "max_models_to_keep" in err and "`aurum config revert`" in err, argv
    assert desk.bar_series() == [] and desk.registry.active_version() is None
    assert not desk.version(a).pinned

    assert main(["config", "revert", "--home", h]) == 0
    assert "revert to the last good (the defaults" in capsys.readouterr().out
    assert (
        main(["import-bars", str(bars), "--symbol", "XAUUSD", "--timeframe", "M5", "--home", h])
        == 0
    )
    assert main(["activate", str(a), "--reason", "test", "--home", h]) == 0
    assert desk.registry.active_version().id == a and len(desk.bar_series()) == 1


def test_trade_outcomes_are_still_recorded_while_the_config_is_broken(desk: Desk):
    """The trading side cannot fix the config: its trades must not be lost meanwhile."""
    desk.paths.config_file.write_text("{oops", encoding="utf-8")
    trade = {
        "ticket": "1",
        "side": "buy",
        "open_time": "2025-02-04T10:00:00Z",
        "close_time": "2025-02-04T10:25:00Z",
        "volume": 0.1,
        "profit": 5.0,
    }
    assert desk.log_trades([trade])[0].outcome == "new"


def test_the_history_keeps_what_the_broken_file_held(desk: Desk):
    desk.set_config("max_models_to_keep", "25", actor="alice")
    desk.paths.config_file.write_text('{"max_models_to_keep": -3}', encoding="utf-8")
    restored = desk.revert_config(None, actor="carol")
    assert restored is not None and restored.diff["max_models_to_keep"] == (-3, 25)
    assert (
        json.loads(desk.paths.config_file.read_text(encoding="utf-8"))["max_models_to_keep"] == 25
    )
